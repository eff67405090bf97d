-- Double-entry ledger: the only place where balances change.
-- An entry's amount is signed: negative takes money out of the account, positive puts it in.
-- Every transfer's entries sum to zero per currency; cached balances equal the sum of the
-- entries of posted transfers (checked by `kopek ledger verify`).

CREATE SCHEMA ledger;

CREATE TABLE ledger.accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE,
  owner_type text NOT NULL,
  owner_id text NOT NULL,
  kind text NOT NULL,
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- NULL: unbounded. 0: may not go negative. -X: overdraft of X.
  lower_bound bigint,
  upper_bound bigint,
  balance bigint NOT NULL DEFAULT 0,
  -- Funds reserved by pending transfers (holds), out and in.
  pending_debits bigint NOT NULL DEFAULT 0 CHECK (pending_debits >= 0),
  pending_credits bigint NOT NULL DEFAULT 0 CHECK (pending_credits >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (lower_bound IS NULL OR upper_bound IS NULL OR lower_bound <= upper_bound)
);
CREATE INDEX accounts_owner_idx ON ledger.accounts (owner_type, owner_id);

CREATE TABLE ledger.transfers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  idem_key text NOT NULL UNIQUE,
  kind text NOT NULL,
  -- Hash of what the transfer moves; a retry with the same key must carry the same content.
  content_hash text NOT NULL,
  status text NOT NULL CHECK (status IN ('posted', 'pending', 'voided', 'expired')),
  description text,
  metadata jsonb,
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  settled_at timestamptz
);
CREATE INDEX transfers_pending_expiry_idx ON ledger.transfers (expires_at) WHERE status = 'pending';

CREATE TABLE ledger.entries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- No foreign keys: only the ledger functions write entries, after checking both (see below);
  -- `kopek ledger verify` reports any orphan.
  transfer_id bigint NOT NULL,
  account_id bigint NOT NULL,
  amount bigint NOT NULL CHECK (amount <> 0)
);
CREATE INDEX entries_account_idx ON ledger.entries (account_id, id);
CREATE INDEX entries_transfer_idx ON ledger.entries (transfer_id);

-- Errors raised here carry their own SQLSTATEs, translated once in src/ledger/errors.ts:
--   KL001 lower bound crossed, KL002 upper bound crossed, KL003 idempotency key reused with
--   other content, KL004 unbalanced transfer, KL005 unknown account, KL006 hold not pending,
--   KL007 malformed call.

-- Posts (or, with p_pending, reserves) a batch of transfers atomically in one round trip.
-- Transfers whose key exists already are replays: same content returns the first id, other
-- content raises KL003. Accounts are locked in id order, so concurrent batches cannot deadlock.
-- Bounds are checked on each account's state after the whole batch. Set-based throughout:
-- a single transfer and a batch of thousands take the same few statements.
CREATE FUNCTION ledger.post_transfers(
  p_keys text[],
  p_kinds text[],
  p_hashes text[],
  p_descriptions text[],
  p_metadata jsonb[],
  p_entry_transfer int[],
  p_entry_account bigint[],
  p_entry_amount bigint[],
  p_pending boolean,
  p_expires_at timestamptz
) RETURNS TABLE (idem_key text, transfer_id bigint, replayed boolean)
LANGUAGE plpgsql
-- Plan each statement once per session: re-planning them on every call cost a quarter of a
-- single transfer's time (measured in bench/ledger).
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_n int := cardinality(p_keys);
  v_new_idx int[];
  v_new_ids bigint[];
  v_old_idx int[] := '{}';
  v_old_ids bigint[] := '{}';
  v_conflict text;
  v_bad record;
  v_accounts bigint[];
BEGIN
  IF v_n IS DISTINCT FROM cardinality(p_hashes)
     OR cardinality(p_entry_transfer) IS DISTINCT FROM cardinality(p_entry_account)
     OR cardinality(p_entry_transfer) IS DISTINCT FROM cardinality(p_entry_amount) THEN
    RAISE EXCEPTION USING ERRCODE = 'KL007', MESSAGE = 'array arguments differ in length';
  END IF;
  IF v_n > 1 AND (SELECT count(DISTINCT k) FROM unnest(p_keys) k) <> v_n THEN
    RAISE EXCEPTION USING ERRCODE = 'KL007', MESSAGE = 'the same idempotency key twice in one batch';
  END IF;

  WITH ins AS (
    INSERT INTO ledger.transfers AS t (idem_key, kind, content_hash, status, description, metadata, expires_at)
    SELECT i.key, i.kind, i.hash, CASE WHEN p_pending THEN 'pending' ELSE 'posted' END, i.description, i.metadata,
           CASE WHEN p_pending THEN p_expires_at END
    FROM unnest(p_keys, p_kinds, p_hashes, p_descriptions, p_metadata) AS i(key, kind, hash, description, metadata)
    ON CONFLICT ON CONSTRAINT transfers_idem_key_key DO NOTHING
    RETURNING t.id, t.idem_key
  )
  SELECT coalesce(array_agg(k.idx::int ORDER BY k.idx), '{}'), coalesce(array_agg(ins.id ORDER BY k.idx), '{}')
  INTO v_new_idx, v_new_ids
  FROM ins JOIN unnest(p_keys) WITH ORDINALITY AS k(key, idx) ON k.key = ins.idem_key;

  IF cardinality(v_new_idx) < v_n THEN
    -- Replays must carry the content of the first request.
    SELECT array_agg(k.idx::int ORDER BY k.idx), array_agg(t.id ORDER BY k.idx),
           min(t.idem_key) FILTER (WHERE t.content_hash <> k.hash)
    INTO v_old_idx, v_old_ids, v_conflict
    FROM unnest(p_keys, p_hashes) WITH ORDINALITY AS k(key, hash, idx)
    JOIN ledger.transfers t ON t.idem_key = k.key
    WHERE NOT EXISTS (SELECT 1 FROM unnest(v_new_idx) AS n(idx) WHERE n.idx = k.idx);
    IF v_conflict IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'KL003', MESSAGE = 'idempotency key reused with different content',
        DETAIL = v_conflict;
    END IF;
    IF coalesce(cardinality(v_old_idx), 0) + cardinality(v_new_idx) < v_n THEN
      -- The first request is not visible to this snapshot (a caller in REPEATABLE READ).
      RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'concurrent first request not visible; retry';
    END IF;
  END IF;

  IF cardinality(v_new_idx) > 0 THEN
    -- Lock every touched account in id order before changing any.
    -- (Joins, not `= ANY (array)`: that is a linear scan per row, quadratic for big batches.)
    SELECT array_agg(DISTINCT e.account ORDER BY e.account) INTO v_accounts
    FROM unnest(p_entry_transfer, p_entry_account) AS e(idx, account)
    JOIN unnest(v_new_idx) AS n(idx) ON n.idx = e.idx;
    PERFORM 1 FROM ledger.accounts a WHERE a.id = ANY (v_accounts) ORDER BY a.id FOR NO KEY UPDATE;

    -- Apply the deltas, then look at the result in the same statement: an unknown account,
    -- a transfer that does not balance per currency, a bound crossed.
    WITH e AS (
      SELECT x.idx, x.account, x.amount
      FROM unnest(p_entry_transfer, p_entry_account, p_entry_amount) AS x(idx, account, amount)
      JOIN unnest(v_new_idx) AS n(idx) ON n.idx = x.idx
    ), d AS (
      SELECT account, sum(amount) AS delta, sum(greatest(-amount, 0)) AS debits, sum(greatest(amount, 0)) AS credits
      FROM e GROUP BY account
    ), u AS (
      UPDATE ledger.accounts a
      SET balance = a.balance + CASE WHEN p_pending THEN 0 ELSE d.delta END,
          pending_debits = a.pending_debits + CASE WHEN p_pending THEN d.debits ELSE 0 END,
          pending_credits = a.pending_credits + CASE WHEN p_pending THEN d.credits ELSE 0 END
      FROM d WHERE a.id = d.account
      RETURNING a.id, a.code, a.currency, a.balance, a.pending_debits, a.pending_credits, a.lower_bound, a.upper_bound,
                d.delta, d.debits, d.credits
    )
    SELECT
      (SELECT min(account) FROM d WHERE account NOT IN (SELECT id FROM u)) AS unknown_account,
      (SELECT min(e.idx) FROM e JOIN u ON u.id = e.account GROUP BY e.idx, u.currency HAVING sum(e.amount) <> 0
        ORDER BY 1 LIMIT 1) AS unbalanced_idx,
      -- Only a movement in the bound's direction is refused: a credit to an account already
      -- below a raised lower bound still goes through.
      (SELECT min(code) FROM u WHERE lower_bound IS NOT NULL
         AND (CASE WHEN p_pending THEN debits > 0 ELSE delta < 0 END)
         AND balance - pending_debits < lower_bound) AS below_lower,
      (SELECT min(code) FROM u WHERE upper_bound IS NOT NULL
         AND (CASE WHEN p_pending THEN credits > 0 ELSE delta > 0 END)
         AND balance + pending_credits > upper_bound) AS above_upper
    INTO v_bad;

    IF v_bad.unknown_account IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'KL005', MESSAGE = 'unknown account', DETAIL = v_bad.unknown_account::text;
    END IF;
    IF v_bad.unbalanced_idx IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'KL004', MESSAGE = 'transfer does not balance', DETAIL = p_keys[v_bad.unbalanced_idx];
    END IF;
    IF v_bad.below_lower IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'KL001', MESSAGE = 'insufficient funds', DETAIL = v_bad.below_lower;
    END IF;
    IF v_bad.above_upper IS NOT NULL THEN
      RAISE EXCEPTION USING ERRCODE = 'KL002', MESSAGE = 'upper bound exceeded', DETAIL = v_bad.above_upper;
    END IF;

    -- Entries last. The function is the only writer of entries and has just checked every
    -- account, so entries carry no foreign keys: their checks would cost a lookup and a
    -- KEY SHARE lock per row, and such locks on hot accounts turn into multixacts.
    INSERT INTO ledger.entries (transfer_id, account_id, amount)
    SELECT n.id, e.account, e.amount
    FROM unnest(p_entry_transfer, p_entry_account, p_entry_amount) AS e(idx, account, amount)
    JOIN unnest(v_new_idx, v_new_ids) AS n(idx, id) ON n.idx = e.idx;
  END IF;

  RETURN QUERY
  SELECT p_keys[r.idx], r.id, r.replayed
  FROM (
    SELECT n.idx, n.id, false AS replayed FROM unnest(v_new_idx, v_new_ids) AS n(idx, id)
    UNION ALL
    SELECT o.idx, o.id, true FROM unnest(v_old_idx, v_old_ids) AS o(idx, id)
  ) r
  ORDER BY r.idx;
END;
$$;

-- Settles a pending transfer (hold): 'post' moves the reserved amounts into the balances,
-- 'void' and 'expire' release them. Settling again to the same end is a no-op; any other
-- change of a settled hold raises KL006. Posting after expires_at is refused.
CREATE FUNCTION ledger.settle_hold(p_transfer_id bigint, p_action text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v_transfer record;
  v_target text := CASE p_action WHEN 'post' THEN 'posted' WHEN 'void' THEN 'voided' WHEN 'expire' THEN 'expired' END;
  v_acc record;
BEGIN
  IF v_target IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'KL007', MESSAGE = 'action must be post, void or expire';
  END IF;
  SELECT t.status, t.expires_at INTO v_transfer FROM ledger.transfers t WHERE t.id = p_transfer_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'KL006', MESSAGE = 'hold not found', DETAIL = p_transfer_id::text;
  END IF;
  IF v_transfer.status = v_target THEN
    RETURN v_target;
  END IF;
  IF v_transfer.status <> 'pending' THEN
    RAISE EXCEPTION USING ERRCODE = 'KL006', MESSAGE = 'hold is ' || v_transfer.status, DETAIL = p_transfer_id::text;
  END IF;
  IF p_action = 'post' AND v_transfer.expires_at IS NOT NULL AND v_transfer.expires_at <= now() THEN
    RAISE EXCEPTION USING ERRCODE = 'KL006', MESSAGE = 'hold has expired', DETAIL = p_transfer_id::text;
  END IF;

  FOR v_acc IN
    SELECT e.account_id AS account, sum(e.amount) AS delta,
           sum(greatest(-e.amount, 0)) AS debits, sum(greatest(e.amount, 0)) AS credits
    FROM ledger.entries e WHERE e.transfer_id = p_transfer_id
    GROUP BY e.account_id ORDER BY e.account_id
  LOOP
    UPDATE ledger.accounts a
    SET balance = a.balance + CASE WHEN p_action = 'post' THEN v_acc.delta ELSE 0 END,
        pending_debits = a.pending_debits - v_acc.debits,
        pending_credits = a.pending_credits - v_acc.credits
    WHERE a.id = v_acc.account;
  END LOOP;

  UPDATE ledger.transfers SET status = v_target, settled_at = now() WHERE id = p_transfer_id;
  RETURN v_target;
END;
$$;
