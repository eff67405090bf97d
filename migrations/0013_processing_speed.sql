-- The processing centre's pay in two statements (issue 3): one reserves (the payment row and its
-- ledger hold), one settles (the row's final state and the hold posted or voided), each a single
-- round trip and a single commit. The ledger's own functions do the money; nothing here writes
-- ledger tables directly.

-- Every change of a service gets a new version, so a process holding the catalogue in memory
-- learns at reservation time that its copy is stale (see processing.reserve_payment).
CREATE SEQUENCE processing.service_version_seq;
ALTER TABLE processing.services ADD COLUMN version bigint NOT NULL DEFAULT nextval('processing.service_version_seq');

CREATE FUNCTION processing.next_service_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := nextval('processing.service_version_seq');
  RETURN NEW;
END;
$$;

CREATE TRIGGER services_version BEFORE UPDATE ON processing.services
  FOR EACH ROW EXECUTE FUNCTION processing.next_service_version();

-- Step 3 of a pay (docs/processing.md): in one statement,
--   'stale'    the caller's copy of the service is not the current one: nothing written;
--   'existing' a payment with this (agent, agentTransactionId) exists (maybe committed by a
--              concurrent first request while this one waited on the hold's key): nothing written;
--   'reserved' the hold (ledger.post_transfers, pending) and the payment row in state 1.
-- Raises KL001 (from the ledger) when the hold would take the agent below its overdraft: the
-- caller stores the row in state 220 instead. Raises KP001 when a concurrent request stored a row
-- without a hold (220) meanwhile: the hold is rolled back with the statement, the caller answers
-- from the stored row.
CREATE FUNCTION processing.reserve_payment(
  p_agent_id bigint,
  p_agent_txn_id bigint,
  p_request_hash text,
  p_service_id text,
  p_service_version bigint,
  p_account text,
  p_amount_to bigint,
  p_amount_from bigint,
  p_commission bigint,
  p_agent_txn_date text,
  p_request jsonb,
  p_answer jsonb,
  p_message text,
  p_orphan_after_s integer,
  p_hold_key text,
  p_hold_hash text,
  p_hold_metadata jsonb,
  p_entry_account bigint[],
  p_entry_amount bigint[],
  p_hold_expires_at timestamptz
) RETURNS TABLE (outcome text, payment processing.payments)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_hold record;
BEGIN
  IF p_service_version IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM processing.services s WHERE s.id = p_service_id AND s.version = p_service_version
  ) THEN
    outcome := 'stale';
    RETURN NEXT;
    RETURN;
  END IF;

  SELECT p.* INTO payment FROM processing.payments p
  WHERE p.agent_id = p_agent_id AND p.agent_txn_id = p_agent_txn_id;
  IF FOUND THEN
    outcome := 'existing';
    RETURN NEXT;
    RETURN;
  END IF;

  SELECT h.transfer_id, h.replayed INTO v_hold
  FROM ledger.post_transfers(
    ARRAY[p_hold_key], ARRAY['processing.pay'], ARRAY[p_hold_hash], ARRAY[NULL::text], ARRAY[p_hold_metadata],
    array_fill(1, ARRAY[cardinality(p_entry_account)]), p_entry_account, p_entry_amount, true, p_hold_expires_at
  ) h;

  IF v_hold.replayed THEN
    -- A concurrent first request committed its hold, and its row with it (this statement's
    -- snapshot is newer than the wait on the hold's key).
    SELECT p.* INTO payment FROM processing.payments p
    WHERE p.agent_id = p_agent_id AND p.agent_txn_id = p_agent_txn_id;
    IF NOT FOUND THEN
      RAISE EXCEPTION USING ERRCODE = 'KP001', MESSAGE = 'hold replayed without its payment';
    END IF;
    outcome := 'existing';
    RETURN NEXT;
    RETURN;
  END IF;

  INSERT INTO processing.payments AS p (agent_id, agent_txn_id, request_hash, service_id, account, amount_to,
    amount_from, commission, agent_txn_date, request, result, final, result_message, answer, hold_id, next_attempt_at)
  VALUES (p_agent_id, p_agent_txn_id, p_request_hash, p_service_id, p_account, p_amount_to, p_amount_from,
    p_commission, p_agent_txn_date, p_request, 1, false, p_message, p_answer, v_hold.transfer_id,
    now() + make_interval(secs => p_orphan_after_s))
  ON CONFLICT (agent_id, agent_txn_id) DO NOTHING
  RETURNING p.* INTO payment;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'KP001', MESSAGE = 'payment stored concurrently without a hold';
  END IF;
  outcome := 'reserved';
  RETURN NEXT;
END;
$$;

-- Step 5 of a pay: the provider's answer, in one statement. Claims the row (WHERE NOT final: a
-- concurrent follow-up that settled it first wins, and nothing is returned); on a final answer
-- posts the hold (0) or voids it, and notes a crossing of the agent's notification threshold
-- (the same rule as noteBalance in src/processing/agents.ts, with its job); on a non-final one
-- keeps the hold and schedules the follow-up job.
CREATE FUNCTION processing.settle_payment(
  p_id bigint,
  p_result smallint,
  p_final boolean,
  p_message text,
  p_provider_txn_id text,
  p_answer jsonb,
  p_delay_s integer
) RETURNS TABLE (payment processing.payments, crossed boolean, crossed_available bigint, crossed_notification bigint)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v processing.payments;
BEGIN
  UPDATE processing.payments p SET result = p_result, final = p_final, result_message = p_message,
    attempts = p.attempts + 1, provider_txn_id = coalesce(p_provider_txn_id, p.provider_txn_id),
    answer = p.answer || p_answer,
    status_at = CASE WHEN p_final THEN now() END,
    next_attempt_at = CASE WHEN p_final THEN NULL ELSE now() + make_interval(secs => p_delay_s) END
  WHERE p.id = p_id AND NOT p.final
  RETURNING p.* INTO v;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  payment := v;
  crossed := false;
  IF p_final THEN
    PERFORM ledger.settle_hold(v.hold_id, CASE WHEN p_result = 0 THEN 'post' ELSE 'void' END);
    -- Only agents whose balance can cross their threshold are looked at (threshold above
    -- -overdraft, or already below it).
    UPDATE processing.agents a
    SET below_notification = (acc.balance - acc.pending_debits) < a.notification
    FROM ledger.accounts acc
    WHERE a.id = v.agent_id AND acc.id = a.account_id
      AND (a.below_notification OR a.notification > -a.overdraft)
      AND a.below_notification IS DISTINCT FROM ((acc.balance - acc.pending_debits) < a.notification)
    RETURNING a.below_notification, acc.balance - acc.pending_debits, a.notification
    INTO crossed, crossed_available, crossed_notification;
    crossed := coalesce(crossed, false);
    IF crossed THEN
      PERFORM graphile_worker.add_job('processing:balance_notification',
        json_build_object('agentId', v.agent_id::text, 'available', crossed_available::text,
          'notification', crossed_notification::text,
          'at', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
    END IF;
  ELSE
    PERFORM graphile_worker.add_job('processing:retry_pay', json_build_object('paymentId', v.id::text),
      run_at => v.next_attempt_at, max_attempts => 5, job_key => 'processing:retry_pay:' || v.id);
  END IF;
  RETURN NEXT;
END;
$$;

-- Step 3 for many pays at once (concurrent requests batched by src/processing/batcher.ts): the
-- same as reserve_payment per item, with one ledger.post_transfers call for all the holds and
-- one insert for all the rows, in one statement and one commit. Items are numbered from 1 in the
-- order of the arrays; each comes back once, as 'stale', 'existing' or 'reserved'. Anything
-- that would make one item differ from reserve_payment's answer raises (KL001 below an
-- overdraft, KL003, KL007 one key twice, KP001 a concurrent row without a hold), and the caller
-- reserves those items one by one.
CREATE FUNCTION processing.reserve_payments(
  p_agent_id bigint[],
  p_agent_txn_id bigint[],
  p_request_hash text[],
  p_service_id text[],
  p_service_version bigint[],
  p_account text[],
  p_amount_to bigint[],
  p_amount_from bigint[],
  p_commission bigint[],
  p_agent_txn_date text[],
  p_request jsonb[],
  p_answer jsonb[],
  p_message text,
  p_orphan_after_s integer,
  p_hold_key text[],
  p_hold_hash text[],
  p_hold_metadata jsonb[],
  p_entry_item integer[],
  p_entry_account bigint[],
  p_entry_amount bigint[],
  p_hold_expires_at timestamptz
) RETURNS TABLE (item integer, outcome text, payment processing.payments)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_stale integer[];
  v_existing integer[];
  v_go integer[];
  v_keys text[];
  v_hashes text[];
  v_meta jsonb[];
  v_e_item integer[];
  v_e_acc bigint[];
  v_e_amt bigint[];
  v_new integer[];
  v_new_ids bigint[];
  v_replayed integer[];
  v_count integer;
BEGIN
  SELECT coalesce(array_agg(i.n::integer), '{}') INTO v_stale
  FROM unnest(p_service_id, p_service_version) WITH ORDINALITY AS i(sid, ver, n)
  WHERE i.ver IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM processing.services s WHERE s.id = i.sid AND s.version = i.ver);
  RETURN QUERY SELECT s.n, 'stale'::text, NULL::processing.payments FROM unnest(v_stale) AS s(n);

  SELECT coalesce(array_agg(i.n::integer), '{}') INTO v_existing
  FROM unnest(p_agent_id, p_agent_txn_id) WITH ORDINALITY AS i(a, t, n)
  WHERE NOT (i.n::integer = ANY (v_stale))
    AND EXISTS (SELECT 1 FROM processing.payments p WHERE p.agent_id = i.a AND p.agent_txn_id = i.t);
  RETURN QUERY SELECT e.n, 'existing'::text, p
  FROM unnest(v_existing) AS e(n)
  JOIN processing.payments p ON p.agent_id = p_agent_id[e.n] AND p.agent_txn_id = p_agent_txn_id[e.n];

  SELECT coalesce(array_agg(g ORDER BY g), '{}') INTO v_go
  FROM generate_series(1, cardinality(p_agent_id)) AS g
  WHERE NOT (g = ANY (v_stale)) AND NOT (g = ANY (v_existing));
  IF cardinality(v_go) = 0 THEN
    RETURN;
  END IF;

  SELECT array_agg(p_hold_key[x.g] ORDER BY x.pos), array_agg(p_hold_hash[x.g] ORDER BY x.pos),
         array_agg(p_hold_metadata[x.g] ORDER BY x.pos)
  INTO v_keys, v_hashes, v_meta
  FROM unnest(v_go) WITH ORDINALITY AS x(g, pos);
  SELECT array_agg(x.pos::integer ORDER BY e.o), array_agg(e.acc ORDER BY e.o), array_agg(e.amt ORDER BY e.o)
  INTO v_e_item, v_e_acc, v_e_amt
  FROM unnest(p_entry_item, p_entry_account, p_entry_amount) WITH ORDINALITY AS e(it, acc, amt, o)
  JOIN unnest(v_go) WITH ORDINALITY AS x(g, pos) ON x.g = e.it;

  SELECT coalesce(array_agg(x.g ORDER BY x.pos) FILTER (WHERE NOT h.replayed), '{}'),
         coalesce(array_agg(h.transfer_id ORDER BY x.pos) FILTER (WHERE NOT h.replayed), '{}'),
         coalesce(array_agg(x.g ORDER BY x.pos) FILTER (WHERE h.replayed), '{}')
  INTO v_new, v_new_ids, v_replayed
  FROM ledger.post_transfers(
    v_keys, array_fill('processing.pay'::text, ARRAY[cardinality(v_go)]), v_hashes,
    array_fill(NULL::text, ARRAY[cardinality(v_go)]), v_meta, v_e_item, v_e_acc, v_e_amt, true, p_hold_expires_at
  ) h
  JOIN unnest(v_go) WITH ORDINALITY AS x(g, pos) ON p_hold_key[x.g] = h.idem_key;

  IF cardinality(v_replayed) > 0 THEN
    -- Concurrent first requests committed their holds, and their rows with them.
    RETURN QUERY SELECT r.n, 'existing'::text, p
    FROM unnest(v_replayed) AS r(n)
    JOIN processing.payments p ON p.agent_id = p_agent_id[r.n] AND p.agent_txn_id = p_agent_txn_id[r.n];
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count < cardinality(v_replayed) THEN
      RAISE EXCEPTION USING ERRCODE = 'KP001', MESSAGE = 'hold replayed without its payment';
    END IF;
  END IF;

  RETURN QUERY WITH ins AS (
    INSERT INTO processing.payments AS p (agent_id, agent_txn_id, request_hash, service_id, account, amount_to,
      amount_from, commission, agent_txn_date, request, result, final, result_message, answer, hold_id, next_attempt_at)
    SELECT p_agent_id[x.g], p_agent_txn_id[x.g], p_request_hash[x.g], p_service_id[x.g], p_account[x.g],
      p_amount_to[x.g], p_amount_from[x.g], p_commission[x.g], p_agent_txn_date[x.g], p_request[x.g], 1, false,
      p_message, p_answer[x.g], x.id, now() + make_interval(secs => p_orphan_after_s)
    FROM unnest(v_new, v_new_ids) AS x(g, id)
    ON CONFLICT (agent_id, agent_txn_id) DO NOTHING
    RETURNING p AS prow
  )
  SELECT x.g, 'reserved'::text, ins.prow
  FROM ins JOIN unnest(v_new) AS x(g)
    ON (ins.prow).agent_id = p_agent_id[x.g] AND (ins.prow).agent_txn_id = p_agent_txn_id[x.g];
  GET DIAGNOSTICS v_count = ROW_COUNT;
  IF v_count < cardinality(v_new) THEN
    RAISE EXCEPTION USING ERRCODE = 'KP001', MESSAGE = 'payment stored concurrently without a hold';
  END IF;
END;
$$;

-- Step 5 for many pays at once, in one statement and one commit: the rows claimed in one update
-- (WHERE NOT final, as settle_payment), the holds posted or voided one by one in the given order
-- (the caller sorts by agent, so concurrent batches take the agents' ledger rows in one order),
-- the follow-up jobs of non-final answers, then the notification threshold of each agent once,
-- on the balance the batch leaves (the same rule as settle_payment; a crossing is reported on
-- the first final item of its agent). Items not claimed (settled meanwhile) are not returned.
CREATE FUNCTION processing.settle_payments(
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

  FOR i IN 1 .. cardinality(v_items) LOOP
    v := v_rows[i];
    IF v.final THEN
      PERFORM ledger.settle_hold(v.hold_id, CASE WHEN v.result = 0 THEN 'post' ELSE 'void' END);
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
