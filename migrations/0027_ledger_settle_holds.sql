-- Set-based hold settlement: ledger.settle_holds settles many holds in a few statements, with
-- exactly the outcome of calling ledger.settle_hold on each element in array order. The wallet's
-- batched settle function uses it instead of one settle_hold per hold (two holds a payment; one
-- UPDATE of ledger.accounts per account and hold was its largest database cost). The processing
-- centre's keeps settle_hold: one hold a payment, in batches of a few, where the set-based path
-- measured slower (bench/RESULTS.md, session 4 A/B).

-- Settles p_transfer_ids[i] with p_actions[i] ('post', 'void', 'expire') for every i and returns
-- the status each element leaves (as settle_hold returns it). Errors are settle_hold's (same
-- SQLSTATE, message and detail), for the first element in array order that settle_hold would
-- refuse; then nothing is changed. The same id twice acts as two settle_hold calls in a row: the
-- second is a no-op with the same end, KL006 with another. Locks: the transfers in id order, then
-- the touched accounts in id order (as post_transfers), so concurrent batches cannot deadlock.
CREATE FUNCTION ledger.settle_holds(p_transfer_ids bigint[], p_actions text[]) RETURNS text[]
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_n int := coalesce(cardinality(p_transfer_ids), 0);
  v_ids bigint[];
  v_status text[];
  v_expires timestamptz[];
  v_error text;
  v_bad_id bigint;
  v_before text;
  v_result text[];
  v_move_ids bigint[];
  v_move_actions text[];
  v_move_targets text[];
  v_acc bigint[];
  v_delta bigint[];
  v_debits bigint[];
  v_credits bigint[];
BEGIN
  IF v_n IS DISTINCT FROM coalesce(cardinality(p_actions), 0) THEN
    RAISE EXCEPTION USING ERRCODE = 'KL007', MESSAGE = 'array arguments differ in length';
  END IF;
  IF v_n = 0 THEN
    RETURN '{}';
  END IF;
  IF v_n = 1 THEN
    -- One hold: settle_hold itself is fewer statements (measured: a set-based single costs more).
    RETURN ARRAY[ledger.settle_hold(p_transfer_ids[1], p_actions[1])];
  END IF;

  -- Lock every named transfer in id order; the statuses read are those after the lock.
  SELECT coalesce(array_agg(l.id ORDER BY l.id), '{}'), coalesce(array_agg(l.status ORDER BY l.id), '{}'),
         coalesce(array_agg(l.expires_at ORDER BY l.id), '{}')
  INTO v_ids, v_status, v_expires
  FROM (
    SELECT t.id, t.status, t.expires_at
    FROM ledger.transfers t
    JOIN (SELECT DISTINCT x.id FROM unnest(p_transfer_ids) AS x(id)) x ON x.id = t.id
    ORDER BY t.id
    FOR UPDATE OF t
  ) l;

  -- Walk the elements in order as settle_hold would: an element sees the status an earlier
  -- element with the same id left (its target, since any refusal stops the walk), else the
  -- stored one. Only the first element of an id can move it.
  WITH i AS (
    SELECT x.n, x.id, x.action,
           CASE x.action WHEN 'post' THEN 'posted' WHEN 'void' THEN 'voided' WHEN 'expire' THEN 'expired' END AS target
    FROM unnest(p_transfer_ids, p_actions) WITH ORDINALITY AS x(id, action, n)
  ), s AS (
    SELECT i.n, i.id, i.action, i.target, l.id IS NOT NULL AS found, l.expires_at,
           coalesce(first_value(i.target) OVER (PARTITION BY i.id ORDER BY i.n
                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), l.status) AS before
    FROM i LEFT JOIN unnest(v_ids, v_status, v_expires) AS l(id, status, expires_at) ON l.id = i.id
  ), c AS (
    SELECT s.*,
           CASE
             WHEN s.target IS NULL THEN 'action'
             WHEN NOT s.found THEN 'not_found'
             WHEN s.before = s.target THEN NULL
             WHEN s.before <> 'pending' THEN 'status'
             WHEN s.action = 'post' AND s.expires_at IS NOT NULL AND s.expires_at <= now() THEN 'expired'
           END AS error
    FROM s
  )
  SELECT (array_agg(c.error ORDER BY c.n) FILTER (WHERE c.error IS NOT NULL))[1],
         (array_agg(c.id ORDER BY c.n) FILTER (WHERE c.error IS NOT NULL))[1],
         (array_agg(c.before ORDER BY c.n) FILTER (WHERE c.error IS NOT NULL))[1],
         array_agg(c.target ORDER BY c.n),
         coalesce(array_agg(c.id ORDER BY c.id) FILTER (WHERE c.error IS NULL AND c.before <> c.target), '{}'),
         coalesce(array_agg(c.action ORDER BY c.id) FILTER (WHERE c.error IS NULL AND c.before <> c.target), '{}'),
         coalesce(array_agg(c.target ORDER BY c.id) FILTER (WHERE c.error IS NULL AND c.before <> c.target), '{}')
  INTO v_error, v_bad_id, v_before, v_result, v_move_ids, v_move_actions, v_move_targets
  FROM c;

  IF v_error = 'action' THEN
    RAISE EXCEPTION USING ERRCODE = 'KL007', MESSAGE = 'action must be post, void or expire';
  ELSIF v_error = 'not_found' THEN
    RAISE EXCEPTION USING ERRCODE = 'KL006', MESSAGE = 'hold not found', DETAIL = v_bad_id::text;
  ELSIF v_error = 'status' THEN
    RAISE EXCEPTION USING ERRCODE = 'KL006', MESSAGE = 'hold is ' || v_before, DETAIL = v_bad_id::text;
  ELSIF v_error = 'expired' THEN
    RAISE EXCEPTION USING ERRCODE = 'KL006', MESSAGE = 'hold has expired', DETAIL = v_bad_id::text;
  END IF;
  IF cardinality(v_move_ids) = 0 THEN
    RETURN v_result;
  END IF;

  -- Per account, the summed effect of every moving hold: posting moves the reserved amounts into
  -- the balance, every action releases them. The pending columns only ever decrease here, so the
  -- final sums pass their CHECKs exactly when each single step would.
  SELECT coalesce(array_agg(d.account ORDER BY d.account), '{}'), coalesce(array_agg(d.delta ORDER BY d.account), '{}'),
         coalesce(array_agg(d.debits ORDER BY d.account), '{}'), coalesce(array_agg(d.credits ORDER BY d.account), '{}')
  INTO v_acc, v_delta, v_debits, v_credits
  FROM (
    SELECT e.account_id AS account,
           sum(CASE WHEN m.action = 'post' THEN e.amount ELSE 0 END)::bigint AS delta,
           sum(greatest(-e.amount, 0))::bigint AS debits, sum(greatest(e.amount, 0))::bigint AS credits
    FROM unnest(v_move_ids, v_move_actions) AS m(id, action)
    JOIN ledger.entries e ON e.transfer_id = m.id
    GROUP BY e.account_id
  ) d;

  -- The same global account lock order as post_transfers (and the same lock strength).
  PERFORM 1 FROM ledger.accounts a JOIN unnest(v_acc) AS x(id) ON x.id = a.id ORDER BY a.id FOR NO KEY UPDATE OF a;

  UPDATE ledger.accounts a
  SET balance = a.balance + d.delta,
      pending_debits = a.pending_debits - d.debits,
      pending_credits = a.pending_credits - d.credits
  FROM unnest(v_acc, v_delta, v_debits, v_credits) AS d(account, delta, debits, credits)
  WHERE a.id = d.account;

  UPDATE ledger.transfers t SET status = m.target, settled_at = now()
  FROM unnest(v_move_ids, v_move_targets) AS m(id, target)
  WHERE t.id = m.id;

  RETURN v_result;
END;
$$;

-- wallet.settle_payments (0018), unchanged but for its holds: one settle_holds call.
CREATE OR REPLACE FUNCTION wallet.settle_payments(p_id bigint[], p_result integer[], p_message text[])
RETURNS TABLE (item integer, payment wallet.payments)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_items integer[];
  v_rows wallet.payments[];
BEGIN
  WITH claimed AS (
    UPDATE wallet.payments p SET state = CASE WHEN x.result = 0 THEN 'finished' ELSE 'canceled' END,
      result = x.result, result_message = x.message, processed_at = now(), version = p.version + 1
    FROM unnest(p_id, p_result, p_message) WITH ORDINALITY AS x(id, result, message, n)
    WHERE p.id = x.id AND p.state = 'paying'
    RETURNING x.n::integer AS n, p AS prow
  )
  SELECT coalesce(array_agg(c.n ORDER BY c.n), '{}'), coalesce(array_agg(c.prow ORDER BY c.n), '{}')
  INTO v_items, v_rows
  FROM claimed c;

  -- Every claimed payment's hold in one set-based call (item order, as one settle_hold each would).
  PERFORM ledger.settle_holds(
    coalesce(array_agg(o.hold_id ORDER BY o.ordinality), '{}'),
    coalesce(array_agg(CASE WHEN o.result = 0 THEN 'post' ELSE 'void' END ORDER BY o.ordinality), '{}'))
  FROM unnest(v_rows) WITH ORDINALITY AS o;

  FOR i IN 1 .. cardinality(v_items) LOOP
    item := v_items[i];
    payment := v_rows[i];
    RETURN NEXT;
  END LOOP;
END;
$$;
