-- Loan repayments at payment-service speed (issue 5, docs/lending.md "Lender's accounts" and
-- docs/mymfo-payments.md "Performance").

-- One deal's accrual, as plpgsql so its statement is planned once per session (a generic plan:
-- one deal's rows are found by index whatever the date). lending.accrual_calc and
-- lending.accrue are SQL functions, re-planned on every call — 5 ms, ten times the execution
-- for one deal. COB keeps the set-based SQL functions over its id ranges.
CREATE FUNCTION lending.accrual_calc_deal(p_date date, p_deal bigint)
RETURNS TABLE (interest bigint, penalty bigint)
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY SELECT c.interest, c.penalty FROM lending.accrual_calc(p_date, p_deal, p_deal) c;
END
$$;

-- lending.accrue for one deal: the same update, planned once per session. Returns what it added
-- (zeros when the loan was already accrued through p_date or is not active).
CREATE FUNCTION lending.accrue_deal(p_date date, p_deal bigint)
RETURNS TABLE (accrued_interest bigint, accrued_penalty bigint)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY
  WITH c AS (SELECT * FROM lending.accrual_calc(p_date, p_deal, p_deal)),
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
  SELECT coalesce(sum(u.interest), 0)::bigint, coalesce(sum(u.penalty), 0)::bigint FROM u;
END
$$;

-- The lender's accounts, opened once here rather than on first use, so their ids can be kept
-- in process (an id cached from a transaction that rolled back would name nothing). The core
-- accounts come in 16 shards of one kind (src/lending/deals/ledger-accounts.ts LENDER_SHARDS):
-- shard 0 keeps the original code, a deal's repayments post to shard deal_id % 16, so parallel
-- payments do not queue on one locked row.
INSERT INTO ledger.accounts (code, owner_type, owner_id, kind, currency)
SELECT CASE WHEN s = 0 THEN 'mfo:' || k || ':RUB' ELSE 'mfo:' || k || ':RUB:s' || s END, 'mfo', 'main', k, 'RUB'
FROM unnest(ARRAY['cash', 'interest_income', 'penalty_income', 'interest_receivable', 'penalty_receivable']) AS k,
     generate_series(0, 15) AS s
UNION ALL
SELECT 'mfo:' || k || ':RUB', 'mfo', 'main', k, 'RUB'
FROM unnest(ARRAY['duty_receivable', 'other_receivable', 'other_income', 'refunds_payable']) AS k
ON CONFLICT (code) DO NOTHING;

