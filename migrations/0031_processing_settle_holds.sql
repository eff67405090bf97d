-- processing.settle_payments (0013) with the holds of a batch of 8 or more final answers settled
-- by one ledger.settle_holds (0027) instead of one ledger.settle_hold each. Batches that large come
-- from the wallet's agent (bench/wallet: ~22 a batch), where settle_hold was 0.24 ms of database
-- time a payment against ~0.11 ms set-based; the processing centre's own agents send batches of a
-- few, where settle_hold stays cheaper (bench/RESULTS.md, session 4 A/B). settle_holds gives the
-- outcome of settle_hold on each hold in order, takes the ledger rows in the global id order, and
-- refuses as settle_hold would; unchanged otherwise.
CREATE OR REPLACE FUNCTION processing.settle_payments(
  p_id bigint[],
  p_result smallint[],
  p_final boolean[],
  p_message text[],
  p_provider_txn_id text[],
  p_answer jsonb[],
  p_delay_s integer[]
) RETURNS TABLE (item integer, payment processing.payments, crossed boolean, crossed_available bigint,
  crossed_notification bigint)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_items integer[];
  v_rows processing.payments[];
  v_agents bigint[];
  v_c_agent bigint[] := '{}';
  v_c_available bigint[] := '{}';
  v_c_notification bigint[] := '{}';
  v_c_done boolean[] := '{}';
  v processing.payments;
  r record;
  k integer;
  v_holds bigint[];
  v_actions text[];
BEGIN
  WITH claimed AS (
    UPDATE processing.payments p SET result = x.result, final = x.final, result_message = x.message,
      attempts = p.attempts + 1, provider_txn_id = coalesce(x.prv, p.provider_txn_id),
      answer = p.answer || x.answer,
      status_at = CASE WHEN x.final THEN now() END,
      next_attempt_at = CASE WHEN x.final THEN NULL ELSE now() + make_interval(secs => x.delay) END
    FROM unnest(p_id, p_result, p_final, p_message, p_provider_txn_id, p_answer, p_delay_s)
      WITH ORDINALITY AS x(id, result, final, message, prv, answer, delay, n)
    WHERE p.id = x.id AND NOT p.final
    RETURNING x.n::integer AS n, p AS prow
  )
  SELECT coalesce(array_agg(c.n ORDER BY c.n), '{}'), coalesce(array_agg(c.prow ORDER BY c.n), '{}')
  INTO v_items, v_rows
  FROM claimed c;

  -- The final items' holds, in the batch's order (unnest of the rows: their columns, then ordinality).
  SELECT coalesce(array_agg(u.hold_id ORDER BY u.ordinality), '{}'),
         coalesce(array_agg(CASE WHEN u.result = 0 THEN 'post' ELSE 'void' END ORDER BY u.ordinality), '{}')
  INTO v_holds, v_actions
  FROM unnest(v_rows) WITH ORDINALITY AS u WHERE u.final;
  IF cardinality(v_holds) >= 8 THEN
    PERFORM ledger.settle_holds(v_holds, v_actions);
  END IF;
  FOR i IN 1 .. cardinality(v_items) LOOP
    v := v_rows[i];
    IF v.final THEN
      IF cardinality(v_holds) < 8 THEN
        PERFORM ledger.settle_hold(v.hold_id, CASE WHEN v.result = 0 THEN 'post' ELSE 'void' END);
      END IF;
    ELSE
      PERFORM graphile_worker.add_job('processing:retry_pay', json_build_object('paymentId', v.id::text),
        run_at => v.next_attempt_at, max_attempts => 5, job_key => 'processing:retry_pay:' || v.id);
    END IF;
  END LOOP;

  SELECT coalesce(array_agg(DISTINCT (x).agent_id), '{}') INTO v_agents FROM unnest(v_rows) AS x WHERE (x).final;
  FOR r IN
    UPDATE processing.agents a
    SET below_notification = (acc.balance - acc.pending_debits) < a.notification
    FROM ledger.accounts acc
    WHERE a.id = ANY (v_agents) AND acc.id = a.account_id
      AND (a.below_notification OR a.notification > -a.overdraft)
      AND a.below_notification IS DISTINCT FROM ((acc.balance - acc.pending_debits) < a.notification)
    RETURNING a.id, a.below_notification AS below, acc.balance - acc.pending_debits AS available, a.notification
  LOOP
    IF r.below THEN
      PERFORM graphile_worker.add_job('processing:balance_notification',
        json_build_object('agentId', r.id::text, 'available', r.available::text,
          'notification', r.notification::text,
          'at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
      v_c_agent := v_c_agent || r.id;
      v_c_available := v_c_available || r.available;
      v_c_notification := v_c_notification || r.notification;
      v_c_done := v_c_done || false;
    END IF;
  END LOOP;

  FOR i IN 1 .. cardinality(v_items) LOOP
    item := v_items[i];
    payment := v_rows[i];
    k := array_position(v_c_agent, payment.agent_id);
    IF k IS NOT NULL AND payment.final AND NOT v_c_done[k] THEN
      crossed := true;
      crossed_available := v_c_available[k];
      crossed_notification := v_c_notification[k];
      v_c_done[k] := true;
    ELSE
      crossed := false;
      crossed_available := NULL;
      crossed_notification := NULL;
    END IF;
    RETURN NEXT;
  END LOOP;
END;
$$;
