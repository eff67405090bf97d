-- Lending rules completed (issue 4): the penalty of 0.1 % a day once interest no longer accrues,
-- duty and other charges with their receivables, schedule versions for re-amortisation after a
-- partial early repayment, refunds of money left on account. See docs/lending.md and
-- docs/lending-math.md.

-- Whether, by the contract, interest accrues after the last due date (353-ФЗ ст. 5 ч. 21 ties
-- the penalty cap to it). Snapshotted at signing (deals) and issue (loan_state).
ALTER TABLE lending.products ADD COLUMN interest_after_term boolean NOT NULL DEFAULT true;
ALTER TABLE lending.deals ADD COLUMN interest_after_term boolean,
  ADD COLUMN penalty_after_daily numeric;
-- Constant defaults: metadata-only columns, the narrow loan_state rows stay HOT-updatable.
ALTER TABLE lending.loan_state ADD COLUMN interest_after_term boolean NOT NULL DEFAULT true,
  ADD COLUMN penalty_after_daily numeric NOT NULL DEFAULT 0.1;

-- Accrual with the two penalty regimes of 353-ФЗ ст. 5 ч. 21: while interest accrues, the
-- product's yearly rate on overdue principal; for days on which, by the contract, interest does
-- not accrue (after the last due date when interest_after_term is false), penalty_after_daily
-- percent a day on the overdue debt (principal and interest). Everything else as in 0005.
CREATE OR REPLACE FUNCTION lending.accrual_calc(p_date date, p_lo bigint, p_hi bigint)
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
    WHERE l.deal_id BETWEEN p_lo AND p_hi AND st.deal_id BETWEEN p_lo AND p_hi
      AND st.active AND st.accrued_through < p_date AND l.due_date <= p_date
    GROUP BY l.deal_id
  ), base AS (
    SELECT st.deal_id, st.accrual_mode, st.penalty_rate_year, st.penalty_after_daily, st.last_due_date,
           st.interest_accrued, st.interest_paid,
           (p_date - st.accrued_through) AS days,
           -- Days of this run on which interest does not accrue by the contract (after the term).
           CASE WHEN st.interest_after_term THEN 0
                ELSE greatest(0, p_date - greatest(st.accrued_through, st.last_due_date)) END AS stop_days,
           greatest(0, coalesce(d.p_due, 0) - st.principal_paid) AS od_p,
           coalesce(d.i_due, 0) AS i_due,
           coalesce(d.i_sched, 0) AS i_sched,
           coalesce(d.period_end, false) AS period_end,
           st.interest_frac + (st.principal - st.principal_paid) * st.daily_rate
             * CASE WHEN st.interest_after_term THEN p_date - st.accrued_through
                    ELSE greatest(0, least(p_date, st.last_due_date) - st.accrued_through) END / 100
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
  ), o AS (
    SELECT c.*,
           greatest(0, CASE WHEN p_date > c.last_due_date THEN c.interest_accrued + c.i_new
                            ELSE least(c.interest_accrued + c.i_new, c.i_due) END - c.interest_paid) AS od_i,
           least(c.days, c.dpd) AS pen_days
    FROM c
  )
  SELECT o.deal_id, o.days, o.i_new,
         least(o.room - o.i_new,
               round(o.od_p * o.penalty_rate_year * (o.pen_days - least(o.pen_days, o.stop_days)) / 36500
                     + (o.od_p + o.od_i) * o.penalty_after_daily * least(o.pen_days, o.stop_days) / 100)::bigint),
         o.od_p, o.od_i, o.dpd,
         CASE WHEN o.accrual_mode = 'daily' AND NOT o.period_end AND o.i_new = o.i_raw THEN o.exact - o.i_raw ELSE 0 END
  FROM o
$$;

-- Duty (госпошлина, court costs the lender paid) and other charges (fees for services under the
-- contract) put on a deal by staff. Idempotent by (deal, key) when the caller gives a key.
CREATE TABLE lending.charges (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  deal_id bigint NOT NULL REFERENCES lending.deals (id),
  kind text NOT NULL CHECK (kind IN ('duty', 'other')),
  amount bigint NOT NULL CHECK (amount > 0),
  reason text NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
  business_date date NOT NULL,
  idempotency_key text NOT NULL,
  transfer_id bigint NOT NULL REFERENCES ledger.transfers (id),
  actor_type text NOT NULL,
  actor_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (deal_id, idempotency_key)
);
CREATE INDEX charges_deal_idx ON lending.charges (deal_id, id);

-- The part of a payment's `other` that paid duty (the rest paid other charges), so a reversal
-- restores each; and the schedule version a re-amortising payment created.
ALTER TABLE lending.payments ADD COLUMN duty bigint NOT NULL DEFAULT 0,
  ADD COLUMN schedule_version int;

-- Every schedule a deal has had. Version 1 is the schedule at issue (written when a first
-- change comes); each partial early repayment that re-amortises adds one, with its ПСК.
CREATE TABLE lending.schedule_versions (
  deal_id bigint NOT NULL REFERENCES lending.deals (id),
  version int NOT NULL CHECK (version >= 1),
  created_at timestamptz NOT NULL DEFAULT now(),
  business_date date NOT NULL,
  -- issue | reduce_payment | shorten_term | reversal
  reason text NOT NULL,
  payment_id bigint REFERENCES lending.payments (id),
  psk_percent numeric NOT NULL,
  psk_amount bigint NOT NULL,
  lines jsonb NOT NULL,
  PRIMARY KEY (deal_id, version)
);

-- Refunds of money left on the client's account after payoff go out through the same payout
-- adapters as the issue, so the payouts' ids stay one sequence (the gateway is idempotent by it).
ALTER TABLE lending.payouts ADD COLUMN purpose text NOT NULL DEFAULT 'issue'
  CHECK (purpose IN ('issue', 'refund')),
  ADD COLUMN transfer_id bigint REFERENCES ledger.transfers (id);
DROP INDEX lending.payouts_one_open_idx;
CREATE UNIQUE INDEX payouts_one_issue_idx ON lending.payouts (deal_id)
  WHERE purpose = 'issue' AND status IN ('pending', 'exported', 'done');
CREATE UNIQUE INDEX payouts_one_open_refund_idx ON lending.payouts (deal_id)
  WHERE purpose = 'refund' AND status IN ('pending', 'exported');

-- From 2027-04-01 (second stage of the law of 29.12.2025 that amended 353-ФЗ and 151-ФЗ): after
-- a loan with ПСК above high_psk_threshold is repaid, a new such loan only after a three-day
-- cooling period.
ALTER TABLE lending.cap_rules DROP CONSTRAINT cap_rules_rule_check;
ALTER TABLE lending.cap_rules ADD CONSTRAINT cap_rules_rule_check CHECK (rule IN (
  'max_daily_rate', 'max_psk', 'overpayment_cap', 'penalty_max_year', 'penalty_after_daily',
  'max_high_psk_loans', 'high_psk_threshold',
  'high_psk_cooling_days'    -- days after repaying a high-ПСК loan before the next one
));
INSERT INTO lending.cap_rules (rule, value, effective_from, law) VALUES
  ('high_psk_cooling_days', 3, '2027-04-01', '545-ФЗ от 29.12.2025, второй этап: период охлаждения');
