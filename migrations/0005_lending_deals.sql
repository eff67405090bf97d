-- Lending deals: clients, applications/deals with their numbering, status history and files,
-- payment schedules, payouts, the per-deal loan state that close of business (COB) accrues on,
-- and repayments. Products come from 0004 (lending.products). See docs/lending.md.

-- Borrowers ("заемщики"). Passport, INN and SNILS are encrypted in the application
-- (`*_enc`) with a keyed hash (`*_hash`) for exact lookups.
CREATE TABLE lending.clients (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  last_name text NOT NULL,
  first_name text NOT NULL,
  middle_name text,
  birth_date date NOT NULL,
  birth_place text,
  sex text CHECK (sex IN ('male', 'female')),
  phone text NOT NULL,
  email text,
  passport_enc text NOT NULL,
  passport_hash text NOT NULL UNIQUE,
  passport_issue_date date,
  passport_issuer text,
  passport_division_code text,
  inn_enc text,
  inn_hash text,
  snils_enc text,
  snils_hash text,
  registration_address jsonb NOT NULL DEFAULT '{}',
  residence_address jsonb NOT NULL DEFAULT '{}',
  work jsonb NOT NULL DEFAULT '{}',
  monthly_income bigint CHECK (monthly_income >= 0),
  blacklisted boolean NOT NULL DEFAULT false,
  banned_until date,
  password_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clients_phone_idx ON lending.clients (phone);
CREATE INDEX clients_inn_hash_idx ON lending.clients (inn_hash) WHERE inn_hash IS NOT NULL;

-- Deal numbers per organisation: prefix + zero-padded sequence (ТСК000157). The counter row is
-- locked by the UPDATE that takes a number, so numbers are gapless within committed deals.
CREATE TABLE lending.deal_number_series (
  org text PRIMARY KEY,
  prefix text NOT NULL,
  width int NOT NULL CHECK (width BETWEEN 1 AND 18),
  last_value bigint NOT NULL DEFAULT 0
);
INSERT INTO lending.deal_number_series (org, prefix, width) VALUES ('main', 'ТСК', 6);

CREATE TABLE lending.deals (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  number text NOT NULL UNIQUE,
  org text NOT NULL REFERENCES lending.deal_number_series (org),
  client_id bigint NOT NULL REFERENCES lending.clients (id),
  product_id bigint NOT NULL REFERENCES lending.products (id),
  status text NOT NULL CHECK (status IN (
    'Новый', 'На рассмотрении', 'Предварительно одобрено', 'Одобрен', 'Отказ', 'Отменен',
    'Подписан (дистанционно)', 'Ожидает списания с р/с', 'Выдан', 'Внесен аванс', 'Оплачен',
    'У коллектора', 'На текущем контроле у коллектора', 'Готовится выезд',
    'Признан коллектором как безнадежный', 'Ожидает передачи на судебную стадию',
    'Передан на судебную стадию', 'Отправлена претензия', 'Оплачена пошлина', 'В суде',
    'Получен исполнительный лист', 'Передан судебному приставу', 'Продан', 'Списан')),
  amount bigint NOT NULL CHECK (amount > 0),
  term_days int NOT NULL CHECK (term_days > 0),
  -- Where the application came from (site, cli, bnpl, broker) and its extra fields as sent.
  source text NOT NULL DEFAULT 'cli',
  extra jsonb NOT NULL DEFAULT '{}',
  psk_percent numeric,
  psk_amount bigint,
  scoring_decision text CHECK (scoring_decision IN ('approve', 'decline', 'review')),
  scoring_reasons jsonb NOT NULL DEFAULT '[]',
  decision_reason text,
  signed_at timestamptz,
  sign_proof text,
  -- The deal's date for the legal caps: the signing date. At signing the terms COB needs are
  -- snapshotted here (and copied to lending.loan_state at issue).
  contract_date date,
  daily_rate numeric,
  penalty_rate_year numeric,
  cap_percent int,
  issue_date date,
  created_at timestamptz NOT NULL DEFAULT now(),
  status_changed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deals_client_idx ON lending.deals (client_id, id);
CREATE INDEX deals_status_idx ON lending.deals (status, id);

-- Every status change: who, when, why.
CREATE TABLE lending.deal_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deal_id bigint NOT NULL REFERENCES lending.deals (id),
  at timestamptz NOT NULL DEFAULT now(),
  from_status text,
  to_status text NOT NULL,
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  reason text
);
CREATE INDEX deal_history_deal_idx ON lending.deal_history (deal_id, id);

-- Attached files: passport pages, car pledge documents.
CREATE TABLE lending.deal_files (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deal_id bigint NOT NULL REFERENCES lending.deals (id),
  kind text NOT NULL,
  filename text NOT NULL,
  content bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX deal_files_deal_idx ON lending.deal_files (deal_id);

-- The payment schedule in force. Cumulative columns let COB find the oldest unpaid line
-- without window functions.
CREATE TABLE lending.schedule_lines (
  deal_id bigint NOT NULL REFERENCES lending.deals (id),
  n int NOT NULL,
  due_date date NOT NULL,
  principal bigint NOT NULL,
  interest bigint NOT NULL,
  total bigint NOT NULL,
  principal_after bigint NOT NULL,
  cum_principal bigint NOT NULL,
  cum_interest bigint NOT NULL,
  PRIMARY KEY (deal_id, n)
);

-- Payouts ("выдача"): one per deal and attempt; the method says which adapter.
CREATE TABLE lending.payouts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deal_id bigint NOT NULL REFERENCES lending.deals (id),
  method text NOT NULL CHECK (method IN ('card', 'bank', 'external')),
  status text NOT NULL CHECK (status IN ('pending', 'exported', 'done', 'failed')),
  amount bigint NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  external_ref text,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE UNIQUE INDEX payouts_one_open_idx ON lending.payouts (deal_id) WHERE status IN ('pending', 'exported', 'done');

-- What COB needs about an issued loan, snapshotted at signing/issue so that accrual needs no
-- joins to products or caps. Narrow and with free space on its pages, so that the nightly
-- UPDATE of every active loan stays a HOT update. Accrued and paid amounts are the per-deal
-- sub-ledger of the ledger's aggregated interest and penalty receivables.
CREATE TABLE lending.loan_state (
  deal_id bigint PRIMARY KEY REFERENCES lending.deals (id),
  client_id bigint NOT NULL,
  active boolean NOT NULL DEFAULT true,
  -- daily: interest = outstanding principal x daily rate per day; schedule: the schedule's
  -- interest falls due on each line's date (BNPL's fixed markup).
  accrual_mode text NOT NULL CHECK (accrual_mode IN ('daily', 'schedule')),
  principal bigint NOT NULL,
  principal_paid bigint NOT NULL DEFAULT 0,
  interest_accrued bigint NOT NULL DEFAULT 0,
  -- Exact interest accrued in the current period beyond the kopecks booked (between -0.5 and
  -- 0.5): daily amounts are rounded cumulatively and the remainder is dropped at each due date,
  -- so a period's accrued interest is its exact interest rounded once, as the schedule has it.
  interest_frac numeric NOT NULL DEFAULT 0,
  interest_paid bigint NOT NULL DEFAULT 0,
  penalty_accrued bigint NOT NULL DEFAULT 0,
  penalty_paid bigint NOT NULL DEFAULT 0,
  duty_accrued bigint NOT NULL DEFAULT 0,
  duty_paid bigint NOT NULL DEFAULT 0,
  other_accrued bigint NOT NULL DEFAULT 0,
  other_paid bigint NOT NULL DEFAULT 0,
  -- Overpayment kept on the client's account for this deal ("ОстатокНаСчете").
  advance bigint NOT NULL DEFAULT 0 CHECK (advance >= 0),
  daily_rate numeric NOT NULL,
  penalty_rate_year numeric NOT NULL,
  cap_percent int NOT NULL,
  -- Interest + penalties + other charges stop at this amount (cap_percent of the principal).
  cap_amount bigint NOT NULL,
  issue_date date NOT NULL,
  last_due_date date NOT NULL,
  accrued_through date NOT NULL,
  overdue_principal bigint NOT NULL DEFAULT 0,
  overdue_interest bigint NOT NULL DEFAULT 0,
  dpd int NOT NULL DEFAULT 0,
  principal_account_id bigint NOT NULL REFERENCES ledger.accounts (id),
  CHECK (principal_paid <= principal)
) WITH (fillfactor = 70);
CREATE INDEX loan_state_client_idx ON lending.loan_state (client_id);

-- Repayments ("оплаты"). Idempotent by (service, txn_id): a retry returns the first payment.
CREATE TABLE lending.payments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  number text NOT NULL UNIQUE,
  deal_id bigint NOT NULL REFERENCES lending.deals (id),
  service text NOT NULL,
  txn_id text NOT NULL,
  business_date date NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  -- Allocation by 353-FZ art. 5 part 20, in kopecks.
  overdue_interest bigint NOT NULL,
  overdue_principal bigint NOT NULL,
  penalty bigint NOT NULL,
  current_interest bigint NOT NULL,
  current_principal bigint NOT NULL,
  other bigint NOT NULL,
  early_principal bigint NOT NULL,
  to_advance bigint NOT NULL,
  from_advance bigint NOT NULL DEFAULT 0,
  online boolean NOT NULL DEFAULT false,
  to_bank_account boolean NOT NULL DEFAULT false,
  transfer_id bigint NOT NULL REFERENCES ledger.transfers (id),
  reversed_at timestamptz,
  reversal_transfer_id bigint REFERENCES ledger.transfers (id),
  reversal_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (service, txn_id)
);
CREATE INDEX payments_deal_idx ON lending.payments (deal_id, id);
CREATE SEQUENCE lending.payment_number_seq;

-- One row per business date that COB closed: totals for reports and the console.
CREATE TABLE lending.cob_runs (
  business_date date PRIMARY KEY,
  -- How many times the date was run: part of the ledger keys, so a rerun that finds loans the
  -- first run could not (an issue registered later with an earlier date) posts under new keys.
  runs int NOT NULL DEFAULT 1,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  deals bigint NOT NULL DEFAULT 0,
  interest bigint NOT NULL DEFAULT 0,
  penalty bigint NOT NULL DEFAULT 0
);

-- What accrual for `p_date` would add to the active loans with ids in [p_lo, p_hi] that are not
-- accrued through that date yet, and their overdue state. Used by COB (lending.accrue) and,
-- read-only, by the debt summary, so both compute the same figures.
-- Interest first, penalties second, both stop at the cap; penalty only for days past due.
CREATE FUNCTION lending.accrual_calc(p_date date, p_lo bigint, p_hi bigint)
RETURNS TABLE (
  deal_id bigint, days int, interest bigint, penalty bigint,
  overdue_principal bigint, overdue_interest bigint, dpd int, frac numeric
) LANGUAGE sql STABLE AS $$
  WITH due AS (
    SELECT l.deal_id,
           sum(l.principal) FILTER (WHERE l.due_date < p_date) AS p_due,
           sum(l.interest) FILTER (WHERE l.due_date < p_date) AS i_due,
           sum(l.interest) AS i_sched,
           bool_or(l.due_date > st.accrued_through) AS period_end,
           min(l.due_date) FILTER (WHERE l.due_date < p_date AND (l.cum_principal > st.principal_paid
               OR least(l.cum_interest, st.interest_accrued) > st.interest_paid)) AS oldest_unpaid
    FROM lending.schedule_lines l
    JOIN lending.loan_state st ON st.deal_id = l.deal_id
    -- The range on both tables: the planner does not carry a range across the join, and without
    -- it each chunk would scan every loan (quadratic in the number of loans).
    WHERE l.deal_id BETWEEN p_lo AND p_hi AND st.deal_id BETWEEN p_lo AND p_hi
      AND st.active AND st.accrued_through < p_date AND l.due_date <= p_date
    GROUP BY l.deal_id
  ), base AS (
    SELECT st.deal_id, st.accrual_mode, st.penalty_rate_year, st.last_due_date,
           st.interest_accrued, st.interest_paid,
           (p_date - st.accrued_through) AS days,
           greatest(0, coalesce(d.p_due, 0) - st.principal_paid) AS od_p,
           coalesce(d.i_due, 0) AS i_due,
           coalesce(d.i_sched, 0) AS i_sched,
           coalesce(d.period_end, false) AS period_end,
           -- Exact interest of the current period not yet booked, with this run's days added.
           st.interest_frac + (st.principal - st.principal_paid) * st.daily_rate * (p_date - st.accrued_through) / 100
             AS exact,
           CASE WHEN d.oldest_unpaid IS NULL THEN 0 ELSE p_date - d.oldest_unpaid END AS dpd,
           greatest(0, st.cap_amount - st.interest_accrued - st.penalty_accrued - st.other_accrued) AS room
    FROM lending.loan_state st
    LEFT JOIN due d ON d.deal_id = st.deal_id
    WHERE st.deal_id BETWEEN p_lo AND p_hi AND st.active AND st.accrued_through < p_date
  ), i AS (
    SELECT b.*,
           CASE b.accrual_mode
             WHEN 'daily' THEN greatest(0, round(b.exact))::bigint
             ELSE greatest(0, b.i_sched - b.interest_accrued) END AS i_raw
    FROM base b
  ), c AS (
    SELECT i.*, least(i.room, i.i_raw) AS i_new FROM i
  )
  SELECT c.deal_id, c.days, c.i_new,
         least(c.room - c.i_new,
               round(c.od_p * c.penalty_rate_year * least(c.days, c.dpd) / 36500)::bigint),
         c.od_p,
         greatest(0, CASE WHEN p_date > c.last_due_date THEN c.interest_accrued + c.i_new
                          ELSE least(c.interest_accrued + c.i_new, c.i_due) END - c.interest_paid),
         c.dpd,
         -- The remainder carries within a period; a due date (or the cap, or schedule pricing) drops it.
         CASE WHEN c.accrual_mode = 'daily' AND NOT c.period_end AND c.i_new = c.i_raw THEN c.exact - c.i_raw ELSE 0 END
  FROM c
$$;

-- Accrues `p_date` for the active loans with ids in [p_lo, p_hi] in one statement and returns
-- the totals, which the caller posts to the ledger as one transfer. A loan already accrued
-- through the date is skipped (also when a repayment accrued it concurrently: the UPDATE
-- re-checks accrued_through on the row it waited for), so a second run changes nothing.
CREATE FUNCTION lending.accrue(p_date date, p_lo bigint, p_hi bigint)
RETURNS TABLE (deals bigint, interest bigint, penalty bigint) LANGUAGE sql AS $$
  WITH c AS (SELECT * FROM lending.accrual_calc(p_date, p_lo, p_hi)),
  u AS (
    UPDATE lending.loan_state st
    SET interest_accrued = st.interest_accrued + c.interest,
        penalty_accrued = st.penalty_accrued + c.penalty,
        interest_frac = c.frac,
        accrued_through = p_date,
        overdue_principal = c.overdue_principal,
        overdue_interest = c.overdue_interest,
        dpd = c.dpd
    FROM c
    WHERE st.deal_id = c.deal_id AND st.accrued_through < p_date
    RETURNING c.interest, c.penalty
  )
  SELECT count(*), coalesce(sum(u.interest), 0)::bigint, coalesce(sum(u.penalty), 0)::bigint FROM u
$$;
