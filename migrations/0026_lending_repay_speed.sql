-- A repayment in three statements instead of six (issue 5, docs/lending.md "Repayments"):
-- the deal and its loan state locked (as before), then lending.repay_reads (the (service, txn)
-- payment, the accrual through the payment date, the schedule), then lending.post_repayment (the
-- payment's number, its ledger transfer and the accrual's, the loan's paid amounts and the
-- payment's row). The allocation stays in TypeScript (src/lending/repayments/allocation.ts);
-- these functions only read and write what it decided. Each is plpgsql: its statements are
-- planned once per session, and each takes a fresh snapshot, so what a payment that committed
-- while this one waited for the deal's lock wrote is seen.

-- After the deal's lock: the payment already recorded under (service, txn), if any; when there is
-- none and p_accrue (the loan is active, payable and not accrued through p_date, as the caller
-- saw it under the lock), the loan's accrual through p_date in lending.loan_state only (its ledger
-- transfer goes with the payment's, in post_repayment); the schedule (not read for a repeat).
CREATE FUNCTION lending.repay_reads(p_deal bigint, p_service text, p_txn text, p_date date, p_accrue boolean)
RETURNS TABLE (existing bigint, accrued_interest bigint, accrued_penalty bigint, schedule json)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  SELECT p.id INTO existing FROM lending.payments p WHERE p.service = p_service AND p.txn_id = p_txn;
  accrued_interest := 0;
  accrued_penalty := 0;
  IF existing IS NULL THEN
    IF p_accrue THEN
      SELECT a.accrued_interest, a.accrued_penalty INTO repay_reads.accrued_interest, repay_reads.accrued_penalty
      FROM lending.accrue_deal(p_date, p_deal) a;
    END IF;
    SELECT json_agg(json_build_object('n', l.n, 'd', l.due_date, 'p', l.principal::text, 'i', l.interest::text,
             't', l.total::text, 'a', l.principal_after::text) ORDER BY l.n)
    INTO schedule
    FROM lending.schedule_lines l WHERE l.deal_id = p_deal;
  END IF;
  RETURN NEXT;
END
$$;

-- The rest of a repayment, under the deal's lock, in one call: the payment's number
-- (p_number_prefix + 8 digits of lending.payment_number_seq), the ledger transfers through
-- ledger.post_transfers (arguments as src/ledger/transfers.ts builds them; '{number}' in a
-- description becomes the payment's number; the payment's transfer is the one keyed
-- p_payment_key), the loan's paid amounts, and the payment's row, returned. A unique violation
-- on (service, txn_id) raises as it would from the INSERT alone (a repeat racing on another deal).
CREATE FUNCTION lending.post_repayment(
  p_number_prefix text,
  p_keys text[],
  p_kinds text[],
  p_hashes text[],
  p_descriptions text[],
  p_metadata jsonb[],
  p_entry_transfer int[],
  p_entry_account bigint[],
  p_entry_amount bigint[],
  p_payment_key text,
  p_deal bigint,
  p_service text,
  p_txn text,
  p_date date,
  p_amount bigint,
  -- overdue_interest, overdue_principal, penalty, current_interest, current_principal, other,
  -- early_principal, to_advance: the allocation (allocation.ts).
  p_allocation bigint[],
  p_duty bigint,
  p_online boolean,
  p_to_bank_account boolean
) RETURNS SETOF lending.payments
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_number text := p_number_prefix || lpad(nextval('lending.payment_number_seq')::text, 8, '0');
  v_transfer bigint;
  v_principal bigint := p_allocation[2] + p_allocation[5] + p_allocation[7];
  v_interest bigint := p_allocation[1] + p_allocation[4];
BEGIN
  IF cardinality(p_allocation) IS DISTINCT FROM 8 THEN
    RAISE EXCEPTION USING ERRCODE = 'KL007', MESSAGE = 'the allocation has 8 parts';
  END IF;
  SELECT t.transfer_id INTO v_transfer
  FROM ledger.post_transfers(
    p_keys, p_kinds, p_hashes,
    ARRAY(SELECT replace(d, '{number}', v_number) FROM unnest(p_descriptions) WITH ORDINALITY AS x(d, i) ORDER BY i),
    p_metadata, p_entry_transfer, p_entry_account, p_entry_amount, false, NULL
  ) t
  WHERE t.idem_key = p_payment_key;
  IF v_transfer IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'KL007', MESSAGE = 'no transfer keyed ' || p_payment_key;
  END IF;

  UPDATE lending.loan_state
  SET principal_paid = principal_paid + v_principal, interest_paid = interest_paid + v_interest,
      penalty_paid = penalty_paid + p_allocation[3], advance = advance + p_allocation[8],
      duty_paid = duty_paid + p_duty, other_paid = other_paid + (p_allocation[6] - p_duty)
  WHERE deal_id = p_deal;

  RETURN QUERY
  INSERT INTO lending.payments AS p (number, deal_id, service, txn_id, business_date, amount, overdue_interest,
    overdue_principal, penalty, current_interest, current_principal, other, early_principal, to_advance,
    online, to_bank_account, transfer_id, duty)
  VALUES (v_number, p_deal, p_service, p_txn, p_date, p_amount, p_allocation[1], p_allocation[2], p_allocation[3],
    p_allocation[4], p_allocation[5], p_allocation[6], p_allocation[7], p_allocation[8], p_online,
    p_to_bank_account, v_transfer, p_duty)
  RETURNING p.*;
END
$$;
