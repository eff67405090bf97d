-- The wallet's pay in two statements of its own (issue 6, docs/wallet.md "The pay flow"): one
-- claims the payment and places the wallet's hold, one settles it (the final state and the hold
-- posted or voided). Each is one round trip and one commit; the ledger's own functions move the
-- money, nothing here writes ledger tables directly.

-- The hold's content hash exactly as src/ledger/transfers.ts contentHash computes it, so a hold
-- placed here and one placed through the TypeScript ledger API with the same key are replays.
CREATE FUNCTION wallet.hold_hash(p_kind text, p_account bigint[], p_amount bigint[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT rtrim(translate(encode(sha256(convert_to(
    p_kind || '|hold|' || (SELECT string_agg(x.leg, ',' ORDER BY x.leg COLLATE "C")
                          FROM unnest(p_account, p_amount) AS e(acc, amt), LATERAL (SELECT e.acc || ':' || e.amt) AS x(leg)),
    'UTF8')), 'base64'), E'+/\n', '-_'), '=')
$$;

-- Step 1 of a wallet pay, in one statement:
--   'not_found' no such payment of this wallet;
--   'current'   the payment is not ready (checking, input: not payable; paying, finished,
--               canceled: a repeat of pay, answered with its state): nothing written;
--   'claimed'   the payment went ready -> paying with the wallet's hold (total reserved on the
--               balance, lower bound 0: KL001 when it does not fit, and nothing is written).
-- Concurrent pays of one payment serialize on its row (FOR UPDATE): the second finds it paying.
CREATE FUNCTION wallet.claim_payment(
  p_wallet_id bigint,
  p_payment_id bigint,
  p_agent_id bigint,
  p_hold_expires_at timestamptz
) RETURNS TABLE (outcome text, payment wallet.payments)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_wallet record;
  v_acc bigint[];
  v_amt bigint[];
  v_hold record;
BEGIN
  SELECT p.* INTO payment FROM wallet.payments p
  WHERE p.id = p_payment_id AND p.wallet_id = p_wallet_id AND p.state = 'ready'
  FOR UPDATE;
  IF NOT FOUND THEN
    -- A fresh snapshot (this statement of a volatile function takes its own): a concurrent pay
    -- that claimed it first is seen as paying.
    SELECT p.* INTO payment FROM wallet.payments p WHERE p.id = p_payment_id AND p.wallet_id = p_wallet_id;
    outcome := CASE WHEN FOUND THEN 'current' ELSE 'not_found' END;
    RETURN NEXT;
    RETURN;
  END IF;

  SELECT w.account_id, w.outgoing_account_id, w.fees_account_id INTO v_wallet
  FROM wallet.wallets w WHERE w.id = p_wallet_id;
  v_acc := ARRAY[v_wallet.account_id, v_wallet.outgoing_account_id];
  v_amt := ARRAY[-(payment.amount + coalesce(payment.fee, 0)), payment.amount];
  IF coalesce(payment.fee, 0) > 0 THEN
    v_acc := v_acc || v_wallet.fees_account_id;
    v_amt := v_amt || payment.fee;
  END IF;

  SELECT h.transfer_id INTO v_hold
  FROM ledger.post_transfers(
    ARRAY['wallet:pay:' || payment.id], ARRAY['wallet.pay'], ARRAY[wallet.hold_hash('wallet.pay', v_acc, v_amt)],
    ARRAY[NULL::text],
    ARRAY[jsonb_build_object('walletId', p_wallet_id::text, 'paymentId', payment.id::text)],
    array_fill(1, ARRAY[cardinality(v_acc)]), v_acc, v_amt, true, p_hold_expires_at
  ) h;

  UPDATE wallet.payments p SET state = 'paying', hold_id = v_hold.transfer_id, agent_id = p_agent_id,
    version = p.version + 1
  WHERE p.id = payment.id
  RETURNING p.* INTO payment;
  outcome := 'claimed';
  RETURN NEXT;
END;
$$;

-- Step 1 for many pays at once (concurrent requests batched by src/processing/batcher.ts), in
-- one statement and one commit, set-based like processing.reserve_payments: the ready rows locked
-- in id order, one ledger.post_transfers call for all their holds, one update. Items are numbered
-- from 1; each comes back once, as claim_payment would answer it. Anything that would make one
-- item's answer differ from claim_payment's raises (KL001 a hold that does not fit, KL007 one
-- payment twice), and the caller claims those items one by one.
CREATE FUNCTION wallet.claim_payments(
  p_wallet_id bigint[],
  p_payment_id bigint[],
  p_agent_id bigint[],
  p_hold_expires_at timestamptz
) RETURNS TABLE (item integer, outcome text, payment wallet.payments)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_go integer[];
  v_keys text[];
  v_hashes text[];
  v_meta jsonb[];
  v_e_item integer[];
  v_e_acc bigint[];
  v_e_amt bigint[];
  v_holds bigint[];
BEGIN
  IF (SELECT count(DISTINCT x) FROM unnest(p_payment_id) AS x) <> cardinality(p_payment_id) THEN
    RAISE EXCEPTION USING ERRCODE = 'KL007', MESSAGE = 'the same payment twice in one batch';
  END IF;

  -- Locked after sorting, so in id order (a pay waiting on a row re-checks its state).
  SELECT coalesce(array_agg(r.n ORDER BY r.n), '{}') INTO v_go
  FROM (
    SELECT i.n::integer AS n
    FROM unnest(p_wallet_id, p_payment_id) WITH ORDINALITY AS i(w, id, n)
    JOIN wallet.payments p ON p.id = i.id AND p.wallet_id = i.w AND p.state = 'ready'
    ORDER BY p.id
    FOR UPDATE OF p
  ) r;

  RETURN QUERY
  SELECT i.n::integer, CASE WHEN p.id IS NULL THEN 'not_found' ELSE 'current' END, p
  FROM unnest(p_wallet_id, p_payment_id) WITH ORDINALITY AS i(w, id, n)
  LEFT JOIN wallet.payments p ON p.id = i.id AND p.wallet_id = i.w
  WHERE NOT (i.n::integer = ANY (v_go));
  IF cardinality(v_go) = 0 THEN
    RETURN;
  END IF;

  -- The legs of each hold as claim_payment builds them: total off the balance, the amount to the
  -- outgoing account, the fee (if any) to the fees account.
  WITH legs AS (
    SELECT x.pos, p.id, p.wallet_id, e.o, e.acc, e.amt
    FROM unnest(v_go) WITH ORDINALITY AS x(g, pos)
    JOIN wallet.payments p ON p.id = p_payment_id[x.g]
    JOIN wallet.wallets w ON w.id = p.wallet_id
    CROSS JOIN LATERAL (VALUES
      (1, w.account_id, -(p.amount + coalesce(p.fee, 0))),
      (2, w.outgoing_account_id, p.amount),
      (3, w.fees_account_id, coalesce(p.fee, 0))
    ) AS e(o, acc, amt)
    WHERE e.amt <> 0
  ), per AS (
    SELECT l.pos, min(l.id) AS id, min(l.wallet_id) AS wallet_id,
      wallet.hold_hash('wallet.pay', array_agg(l.acc ORDER BY l.o), array_agg(l.amt ORDER BY l.o)) AS hash
    FROM legs l GROUP BY l.pos
  )
  SELECT
    (SELECT array_agg('wallet:pay:' || per.id ORDER BY per.pos) FROM per),
    (SELECT array_agg(per.hash ORDER BY per.pos) FROM per),
    (SELECT array_agg(jsonb_build_object('walletId', per.wallet_id::text, 'paymentId', per.id::text)
       ORDER BY per.pos) FROM per),
    (SELECT array_agg(l.pos::integer ORDER BY l.pos, l.o) FROM legs l),
    (SELECT array_agg(l.acc ORDER BY l.pos, l.o) FROM legs l),
    (SELECT array_agg(l.amt ORDER BY l.pos, l.o) FROM legs l)
  INTO v_keys, v_hashes, v_meta, v_e_item, v_e_acc, v_e_amt;

  SELECT array_agg(h.transfer_id ORDER BY k.pos) INTO v_holds
  FROM ledger.post_transfers(
    v_keys, array_fill('wallet.pay'::text, ARRAY[cardinality(v_go)]), v_hashes,
    array_fill(NULL::text, ARRAY[cardinality(v_go)]), v_meta, v_e_item, v_e_acc, v_e_amt, true, p_hold_expires_at
  ) h
  JOIN unnest(v_keys) WITH ORDINALITY AS k(key, pos) ON k.key = h.idem_key;

  RETURN QUERY
  WITH upd AS (
    UPDATE wallet.payments p SET state = 'paying', hold_id = x.hold, agent_id = p_agent_id[x.g],
      version = p.version + 1
    FROM unnest(v_go, v_holds) AS x(g, hold)
    WHERE p.id = p_payment_id[x.g]
    RETURNING x.g AS n, p AS prow
  )
  SELECT upd.n::integer, 'claimed'::text, upd.prow FROM upd;
END;
$$;

-- The last step of a wallet pay: the processing centre's final answer, in one statement. Only a
-- paying payment is settled (the first final answer wins; nothing comes back otherwise): state
-- finished with its hold posted, or canceled with its hold voided.
CREATE FUNCTION wallet.settle_payment(p_id bigint, p_result integer, p_message text)
RETURNS SETOF wallet.payments
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v wallet.payments;
BEGIN
  UPDATE wallet.payments p SET state = CASE WHEN p_result = 0 THEN 'finished' ELSE 'canceled' END,
    result = p_result, result_message = p_message, processed_at = now(), version = p.version + 1
  WHERE p.id = p_id AND p.state = 'paying'
  RETURNING p.* INTO v;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  PERFORM ledger.settle_hold(v.hold_id, CASE WHEN p_result = 0 THEN 'post' ELSE 'void' END);
  RETURN NEXT v;
END;
$$;

-- settle_payment for many payments at once (batched like claim_payments), in one statement and
-- one commit: the paying rows claimed in one update, then their holds posted or voided one by one
-- in payment id order (the caller sorts). Items are numbered from 1; a payment settled meanwhile
-- is not returned.
CREATE FUNCTION wallet.settle_payments(p_id bigint[], p_result integer[], p_message text[])
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

  FOR i IN 1 .. cardinality(v_items) LOOP
    item := v_items[i];
    payment := v_rows[i];
    PERFORM ledger.settle_hold(payment.hold_id, CASE WHEN payment.result = 0 THEN 'post' ELSE 'void' END);
    RETURN NEXT;
  END LOOP;
END;
$$;
