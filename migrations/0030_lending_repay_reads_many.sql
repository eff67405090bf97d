-- A mymfo pay batch's reads in one set-based statement (issue 5): lending.repay_reads (0026) for
-- every payment of the batch, with the accruals of all its deals in one UPDATE instead of one
-- lending.accrue_deal call (a plpgsql call, its own plan and UPDATE) per deal — that was about
-- 0.2 ms of PostgreSQL time a pay (bench/RESULTS.md, session 6). What each element returns and
-- writes is what repay_reads returns and writes for it; the deals are distinct (repayMany).
CREATE FUNCTION lending.repay_reads_many(
  p_deals bigint[],
  p_services text[],
  p_txns text[],
  p_accrue boolean[],
  p_date date
) RETURNS TABLE (i int, existing bigint, accrued_interest bigint, accrued_penalty bigint, schedule json)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY
  WITH u AS (
    SELECT x.deal, x.accrue, x.n::int AS n, p.id AS existing
    FROM unnest(p_deals, p_services, p_txns, p_accrue) WITH ORDINALITY AS x(deal, service, txn, accrue, n)
    LEFT JOIN lending.payments p ON p.service = x.service AND p.txn_id = x.txn
  ), c AS (
    SELECT a.* FROM u CROSS JOIN LATERAL lending.accrual_calc(p_date, u.deal, u.deal) a
    WHERE u.accrue AND u.existing IS NULL
  ), a AS (
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
    RETURNING c.deal_id, c.interest, c.penalty
  )
  SELECT u.n, u.existing, coalesce(a.interest, 0)::bigint, coalesce(a.penalty, 0)::bigint,
         CASE WHEN u.existing IS NULL THEN
           (SELECT json_agg(json_build_object('n', l.n, 'd', l.due_date, 'p', l.principal::text,
                     'i', l.interest::text, 't', l.total::text, 'a', l.principal_after::text) ORDER BY l.n)
            FROM lending.schedule_lines l WHERE l.deal_id = u.deal)
         END
  FROM u LEFT JOIN a ON a.deal_id = u.deal
  ORDER BY u.n;
END
$$;
