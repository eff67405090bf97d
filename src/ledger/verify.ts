import type { Queryable } from '../platform/db/pool.ts';

export interface VerifyProblem {
  kind: 'unbalanced_transfer' | 'short_transfer' | 'orphan_entry' | 'balance_mismatch' | 'pending_mismatch';
  subject: string;
  detail: string;
}

export interface VerifyReport {
  ok: boolean;
  accounts: number;
  transfers: number;
  entries: number;
  problems: VerifyProblem[];
}

/**
 * Proves the ledger's invariants from the raw entries: every transfer sums to zero per currency
 * and has at least two legs; every entry belongs to a transfer and an account; every cached balance and reservation equals the sum of its entries.
 */
export async function verifyLedger(db: Queryable, maxProblems = 100): Promise<VerifyReport> {
  const problems: VerifyProblem[] = [];
  const counts = await db.query<{ accounts: bigint; transfers: bigint; entries: bigint }>(
    `SELECT (SELECT count(*) FROM ledger.accounts) AS accounts,
            (SELECT count(*) FROM ledger.transfers) AS transfers,
            (SELECT count(*) FROM ledger.entries) AS entries`,
  );
  const unbalanced = await db.query<{ transfer_id: bigint; currency: string; sum: bigint }>(
    `SELECT e.transfer_id, a.currency, sum(e.amount)::bigint AS sum
     FROM ledger.entries e JOIN ledger.accounts a ON a.id = e.account_id
     GROUP BY e.transfer_id, a.currency HAVING sum(e.amount) <> 0
     ORDER BY e.transfer_id LIMIT $1`,
    [maxProblems],
  );
  for (const r of unbalanced.rows) {
    problems.push({
      kind: 'unbalanced_transfer',
      subject: `transfer ${r.transfer_id}`,
      detail: `${r.currency} sums to ${r.sum}`,
    });
  }
  const short = await db.query<{ id: bigint; legs: bigint }>(
    `SELECT t.id, count(e.id) AS legs FROM ledger.transfers t LEFT JOIN ledger.entries e ON e.transfer_id = t.id
     GROUP BY t.id HAVING count(e.id) < 2 ORDER BY t.id LIMIT $1`,
    [maxProblems],
  );
  for (const r of short.rows) {
    problems.push({ kind: 'short_transfer', subject: `transfer ${r.id}`, detail: `${r.legs} entries` });
  }
  const orphans = await db.query<{ id: bigint; transfer_id: bigint; account_id: bigint }>(
    `SELECT e.id, e.transfer_id, e.account_id FROM ledger.entries e
     WHERE NOT EXISTS (SELECT 1 FROM ledger.transfers t WHERE t.id = e.transfer_id)
        OR NOT EXISTS (SELECT 1 FROM ledger.accounts a WHERE a.id = e.account_id)
     ORDER BY e.id LIMIT $1`,
    [maxProblems],
  );
  for (const r of orphans.rows) {
    problems.push({
      kind: 'orphan_entry',
      subject: `entry ${r.id}`,
      detail: `transfer ${r.transfer_id}, account ${r.account_id}`,
    });
  }
  const mismatched = await db.query<{
    id: bigint;
    code: string;
    balance: bigint;
    posted: bigint;
    pending_debits: bigint;
    held_out: bigint;
    pending_credits: bigint;
    held_in: bigint;
  }>(
    `WITH sums AS (
       SELECT e.account_id,
              coalesce(sum(e.amount) FILTER (WHERE t.status = 'posted'), 0)::bigint AS posted,
              coalesce(sum(-e.amount) FILTER (WHERE t.status = 'pending' AND e.amount < 0), 0)::bigint AS held_out,
              coalesce(sum(e.amount) FILTER (WHERE t.status = 'pending' AND e.amount > 0), 0)::bigint AS held_in
       FROM ledger.entries e JOIN ledger.transfers t ON t.id = e.transfer_id
       GROUP BY e.account_id)
     SELECT a.id, a.code, a.balance, coalesce(s.posted, 0) AS posted,
            a.pending_debits, coalesce(s.held_out, 0) AS held_out,
            a.pending_credits, coalesce(s.held_in, 0) AS held_in
     FROM ledger.accounts a LEFT JOIN sums s ON s.account_id = a.id
     WHERE a.balance <> coalesce(s.posted, 0)
        OR a.pending_debits <> coalesce(s.held_out, 0)
        OR a.pending_credits <> coalesce(s.held_in, 0)
     ORDER BY a.id LIMIT $1`,
    [maxProblems],
  );
  for (const r of mismatched.rows) {
    if (r.balance !== r.posted) {
      problems.push({
        kind: 'balance_mismatch',
        subject: r.code,
        detail: `cached ${r.balance}, entries sum to ${r.posted}`,
      });
    }
    if (r.pending_debits !== r.held_out || r.pending_credits !== r.held_in) {
      problems.push({
        kind: 'pending_mismatch',
        subject: r.code,
        detail: `reserved out ${r.pending_debits}/${r.held_out}, in ${r.pending_credits}/${r.held_in} (cached/entries)`,
      });
    }
  }
  const c = counts.rows[0]!;
  return {
    ok: problems.length === 0,
    accounts: Number(c.accounts),
    transfers: Number(c.transfers),
    entries: Number(c.entries),
    problems,
  };
}
