-- Lending, part 1: credit products, the legal caps they and every deal must respect, and the
-- Bank of Russia's quarterly average ПСК per category. Rates are exact numerics (percent).
-- See docs/lending-math.md.

CREATE SCHEMA IF NOT EXISTS lending;

-- A credit product ("кредитный продукт"): the ranges a deal must fit and its price.
CREATE TABLE lending.products (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9_]{2,32}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- single: one payment at the end; annuity: equal instalments; bnpl3: Moneywall's three parts.
  kind text NOT NULL CHECK (kind IN ('single', 'annuity', 'bnpl3')),
  period text CHECK (period IN ('week', 'fortnight', 'month')),
  min_amount bigint NOT NULL CHECK (min_amount > 0),
  max_amount bigint NOT NULL,
  min_term_days integer NOT NULL CHECK (min_term_days >= 1),
  max_term_days integer NOT NULL,
  daily_rate numeric(9, 6) NOT NULL CHECK (daily_rate >= 0),          -- percent a day
  penalty_rate_year numeric(9, 6) NOT NULL CHECK (penalty_rate_year >= 0), -- percent a year
  max_amount_new bigint NOT NULL,
  max_amount_repeat bigint NOT NULL,
  psk_category text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (max_amount >= min_amount),
  CHECK (max_term_days >= min_term_days),
  CHECK ((kind = 'annuity') = (period IS NOT NULL)),
  CHECK (max_amount_new BETWEEN min_amount AND max_amount),
  CHECK (max_amount_repeat BETWEEN min_amount AND max_amount)
);

-- Legal caps as effective-dated rules: a deal signed on date D obeys, for each rule, the row with
-- the latest effective_from <= D. A change in the law is a new row, never an update.
CREATE TABLE lending.cap_rules (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule text NOT NULL CHECK (rule IN (
    'max_daily_rate',          -- percent a day
    'max_psk',                 -- percent a year, absolute
    'overpayment_cap',         -- interest + penalties + fees, percent of principal
    'penalty_max_year',        -- percent a year while interest accrues
    'penalty_after_daily',     -- percent a day once interest stops
    'max_high_psk_loans',      -- open loans per client with ПСК above high_psk_threshold
    'high_psk_threshold'       -- percent a year
  )),
  value numeric(12, 6) NOT NULL CHECK (value >= 0),
  effective_from date NOT NULL,
  law text NOT NULL,
  UNIQUE (rule, effective_from)
);

INSERT INTO lending.cap_rules (rule, value, effective_from, law) VALUES
  ('penalty_max_year', 20, '2014-07-01', '353-ФЗ ст. 5 ч. 21'),
  ('penalty_after_daily', 0.1, '2014-07-01', '353-ФЗ ст. 5 ч. 21'),
  ('max_daily_rate', 1, '2019-07-01', '353-ФЗ ст. 6 ч. 23 (ред. 554-ФЗ от 27.12.2018)'),
  ('max_psk', 365, '2020-01-01', '353-ФЗ ст. 6 ч. 11 (ред. 554-ФЗ от 27.12.2018)'),
  ('overpayment_cap', 150, '2020-01-01', '353-ФЗ ст. 6 ч. 24 (ред. 554-ФЗ от 27.12.2018)'),
  ('max_daily_rate', 0.8, '2023-07-01', '353-ФЗ ст. 6 ч. 23 (ред. 601-ФЗ от 29.12.2022)'),
  ('max_psk', 292, '2023-07-01', '353-ФЗ ст. 6 ч. 11 (ред. 601-ФЗ от 29.12.2022)'),
  ('overpayment_cap', 130, '2023-07-01', '353-ФЗ ст. 6 ч. 24 (ред. 601-ФЗ от 29.12.2022)'),
  ('overpayment_cap', 100, '2026-04-01', '353-ФЗ ст. 6 ч. 24 (ред. 545-ФЗ от 29.12.2025)'),
  ('max_high_psk_loans', 2, '2026-10-01', '545-ФЗ от 29.12.2025, переходный период'),
  ('high_psk_threshold', 200, '2026-10-01', '545-ФЗ от 29.12.2025, переходный период'),
  ('max_high_psk_loans', 1, '2027-04-01', '545-ФЗ от 29.12.2025, второй этап'),
  ('high_psk_threshold', 100, '2027-04-01', '545-ФЗ от 29.12.2025, второй этап');

-- The Bank of Russia's average market ПСК per category of loan, published quarterly for deals
-- signed in that quarter (353-ФЗ ст. 6 ч. 8-11). Data an operator loads (`kopek caps load-averages`).
CREATE TABLE lending.cbr_average_psk (
  category text NOT NULL CHECK (length(category) BETWEEN 1 AND 100),
  -- First day of the quarter whose deals the average applies to.
  quarter_start date NOT NULL CHECK (extract(day FROM quarter_start) = 1
                                     AND extract(month FROM quarter_start) IN (1, 4, 7, 10)),
  average_percent numeric(9, 3) NOT NULL CHECK (average_percent > 0),
  loaded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (category, quarter_start)
);
