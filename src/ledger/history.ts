import type { Queryable } from '../platform/db/pool.ts';
import type { Kopecks } from '../platform/money.ts';

export interface HistoryEntry {
  entryId: bigint;
  transferId: bigint;
  key: string;
  kind: string;
  status: 'posted' | 'pending' | 'voided' | 'expired';
  amount: Kopecks;
  description: string | null;
  createdAt: Date;
}

/** An account's entries, newest first, keyset-paged by `beforeEntryId`. */
export async function accountHistory(
  db: Queryable,
  accountId: bigint,
  page: { beforeEntryId?: bigint; limit?: number } = {},
): Promise<HistoryEntry[]> {
  const limit = Math.min(Math.max(page.limit ?? 50, 1), 1000);
  const { rows } = await db.query<{
    entry_id: bigint;
    transfer_id: bigint;
    idem_key: string;
    kind: string;
    status: HistoryEntry['status'];
    amount: bigint;
    description: string | null;
    created_at: Date;
  }>(
    `SELECT e.id AS entry_id, t.id AS transfer_id, t.idem_key, t.kind, t.status, e.amount, t.description, t.created_at
     FROM ledger.entries e JOIN ledger.transfers t ON t.id = e.transfer_id
     WHERE e.account_id = $1 AND ($2::bigint IS NULL OR e.id < $2)
     ORDER BY e.id DESC LIMIT $3`,
    [accountId, page.beforeEntryId ?? null, limit],
  );
  return rows.map((r) => ({
    entryId: r.entry_id,
    transferId: r.transfer_id,
    key: r.idem_key,
    kind: r.kind,
    status: r.status,
    amount: r.amount,
    description: r.description,
    createdAt: r.created_at,
  }));
}

/** An account's posted balance as of a moment, from its entries (for statements and reports). */
export async function balanceAt(db: Queryable, accountId: bigint, at: Date): Promise<Kopecks> {
  const { rows } = await db.query<{ sum: bigint | null }>(
    `SELECT sum(e.amount)::bigint AS sum FROM ledger.entries e JOIN ledger.transfers t ON t.id = e.transfer_id
     WHERE e.account_id = $1 AND t.status = 'posted' AND coalesce(t.settled_at, t.created_at) <= $2`,
    [accountId, at],
  );
  return rows[0]?.sum ?? 0n;
}
