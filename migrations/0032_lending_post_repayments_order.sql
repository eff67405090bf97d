-- lending.post_repayments (0029) with the loans' paid amounts written before ledger.post_transfers
-- instead of after it. post_transfers locks the lender's accounts, which every mymfo pay batch
-- posts to, until the commit; the other batch in flight waits for that lock (issue 5, pay p99).
-- The loans' rows are the batch's own, locked by the caller since its first statement, so the
-- UPDATE waits for nobody, and the stretch under the lender's lock is shorter by it. What each
-- payment writes is unchanged.
CREATE OR REPLACE FUNCTION lending.post_repayments(
  p_number_prefix text,
  p_keys text[],
  p_kinds text[],
  p_hashes text[],
  p_descriptions text[],
  p_metadata jsonb[],
  -- The payment (1-based) each transfer belongs to: its number replaces '{number}'.
  p_transfer_item int[],
  p_entry_transfer int[],
  p_entry_account bigint[],
  p_entry_amount bigint[],
  -- Per payment: the key of its own transfer, and what post_repayment takes for one.
  p_payment_keys text[],
  p_deals bigint[],
  p_services text[],
  p_txns text[],
  p_date date,
  p_amounts bigint[],
  -- 8 parts a payment, in post_repayment's order, one payment after another.
  p_allocations bigint[],
  p_duties bigint[],
  p_online boolean[],
  p_to_bank_account boolean[]
) RETURNS SETOF lending.payments
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_n int := coalesce(cardinality(p_deals), 0);
  v_numbers text[];
  v_transfers bigint[];
BEGIN
  IF v_n = 0 OR cardinality(p_payment_keys) IS DISTINCT FROM v_n OR cardinality(p_services) IS DISTINCT FROM v_n
     OR cardinality(p_txns) IS DISTINCT FROM v_n OR cardinality(p_amounts) IS DISTINCT FROM v_n
     OR cardinality(p_duties) IS DISTINCT FROM v_n OR cardinality(p_online) IS DISTINCT FROM v_n
     OR cardinality(p_to_bank_account) IS DISTINCT FROM v_n OR cardinality(p_allocations) IS DISTINCT FROM 8 * v_n
     OR cardinality(p_transfer_item) IS DISTINCT FROM cardinality(p_keys) THEN
    RAISE EXCEPTION USING ERRCODE = 'KL007', MESSAGE = 'array arguments differ in length';
  END IF;
  IF (SELECT count(DISTINCT d) FROM unnest(p_deals) d) <> v_n THEN
    RAISE EXCEPTION USING ERRCODE = 'KL007', MESSAGE = 'a deal twice in one call';
  END IF;
  v_numbers := ARRAY(
    SELECT p_number_prefix || lpad(nextval('lending.payment_number_seq')::text, 8, '0')
    FROM generate_series(1, v_n) AS g(i) ORDER BY g.i
  );

  -- The loans' rows are the batch's own (locked by the caller): written before the posting,
  -- which locks the lender's accounts until the commit.
  UPDATE lending.loan_state st
  SET principal_paid = st.principal_paid + x.a2 + x.a5 + x.a7, interest_paid = st.interest_paid + x.a1 + x.a4,
      penalty_paid = st.penalty_paid + x.a3, advance = st.advance + x.a8,
      duty_paid = st.duty_paid + x.duty, other_paid = st.other_paid + (x.a6 - x.duty)
  FROM (
    SELECT p_deals[g.i] AS deal, p_duties[g.i] AS duty,
           p_allocations[8 * g.i - 7] AS a1, p_allocations[8 * g.i - 6] AS a2, p_allocations[8 * g.i - 5] AS a3,
           p_allocations[8 * g.i - 4] AS a4, p_allocations[8 * g.i - 3] AS a5, p_allocations[8 * g.i - 2] AS a6,
           p_allocations[8 * g.i - 1] AS a7, p_allocations[8 * g.i] AS a8
    FROM generate_series(1, v_n) AS g(i)
  ) x
  WHERE st.deal_id = x.deal;

  SELECT array_agg(t.transfer_id ORDER BY k.i) INTO v_transfers
  FROM ledger.post_transfers(
    p_keys, p_kinds, p_hashes,
    ARRAY(SELECT replace(x.d, '{number}', v_numbers[p_transfer_item[x.i]])
          FROM unnest(p_descriptions) WITH ORDINALITY AS x(d, i) ORDER BY x.i),
    p_metadata, p_entry_transfer, p_entry_account, p_entry_amount, false, NULL
  ) t
  JOIN unnest(p_payment_keys) WITH ORDINALITY AS k(key, i) ON k.key = t.idem_key;
  IF coalesce(cardinality(v_transfers), 0) <> v_n THEN
    RAISE EXCEPTION USING ERRCODE = 'KL007', MESSAGE = 'a payment without its transfer';
  END IF;


  RETURN QUERY
  INSERT INTO lending.payments AS p (number, deal_id, service, txn_id, business_date, amount, overdue_interest,
    overdue_principal, penalty, current_interest, current_principal, other, early_principal, to_advance,
    online, to_bank_account, transfer_id, duty)
  SELECT v_numbers[g.i], p_deals[g.i], p_services[g.i], p_txns[g.i], p_date, p_amounts[g.i],
    p_allocations[8 * g.i - 7], p_allocations[8 * g.i - 6], p_allocations[8 * g.i - 5], p_allocations[8 * g.i - 4],
    p_allocations[8 * g.i - 3], p_allocations[8 * g.i - 2], p_allocations[8 * g.i - 1], p_allocations[8 * g.i],
    p_online[g.i], p_to_bank_account[g.i], v_transfers[g.i], p_duties[g.i]
  FROM generate_series(1, v_n) AS g(i)
  ORDER BY g.i
  RETURNING p.*;
END
$$;
