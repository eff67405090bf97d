import type { Queryable } from '../platform/db/pool.ts';

/** Rows one statement copies at most: a refresh after a busy minute must not be one long burst. */
const CHUNK = 1_000;

/**
 * Copies each changed balance to `sort_balance`, the column the console sorts accounts by
 * (migration 0033): job `ledger:refresh_sort_balances`, every minute. The sort is therefore up to
 * a minute behind the balances, which are always shown as they are; an index on the balance
 * itself would make every posting's balance update rewrite all the table's indexes. Chunks of
 * `chunk` rows in id order, each its own statement, so that no refresh holds many accounts at
 * once against the postings; an account a posting holds is skipped (SKIP LOCKED) and copied by a
 * later refresh, so the refresh never waits for a posting, nor ever deadlocks with one. Returns
 * the rows refreshed.
 */
export async function refreshSortBalances(db: Queryable, chunk = CHUNK): Promise<number> {
  let total = 0;
  let after = 0n;
  for (;;) {
    const { rows } = await db.query<{ n: bigint; last: bigint | null }>(
      `WITH changed AS (
         SELECT id FROM ledger.accounts
         WHERE id > $1 AND sort_balance <> balance ORDER BY id LIMIT $2
         FOR NO KEY UPDATE SKIP LOCKED
       ), done AS (
         UPDATE ledger.accounts a SET sort_balance = a.balance
         FROM changed c WHERE a.id = c.id
         RETURNING a.id
       )
       SELECT count(*)::bigint AS n, max(id) AS last FROM done`,
      [after, chunk],
    );
    const { n, last } = rows[0]!;
    total += Number(n);
    if (last === null || n < BigInt(chunk)) return total;
    after = last;
  }
}
