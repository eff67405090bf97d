import { shardOf } from '../../lending/deals/ledger-accounts.ts';
import { type LockedDeal, lockDeals } from '../../lending/repayments/repay.ts';
import type { Pool, Queryable } from '../../platform/db/pool.ts';
import { withTx } from '../../platform/db/tx.ts';
import { Batcher } from '../../processing/batcher.ts';

/**
 * Group commit of pays (docs/mymfo-payments.md, "Group commit"): concurrent pays share one
 * transaction and one commit, grouped by the shard of the lender's accounts their deal posts to.
 *
 * - The 16 shards are split among DEFAULT_GROUPS batchers (shard % groups), one batch in flight
 *   each: two transactions on one shard would queue on its accounts' row locks anyway, and
 *   batchers of different groups never touch the same accounts. The shard of a deal number is
 *   cached (numbers never change); misses of the moment are resolved by one statement. A pay
 *   while no other is running goes alone, without that lookup.
 * - A batch first locks all its deals in id order, then posts its pays in shard order, so it
 *   never waits for a deal while it holds shard accounts, and takes shards in one order: a lone
 *   repayment elsewhere (deal, then shard) cannot deadlock with it. The rows that lock reads are
 *   the first pay of each deal's (it does not lock and read them again).
 * - An error of one pay must not fail the others: the batch runs optimistically, and when a pay
 *   fails (a refusal after the accrual was written, a lost race) the whole transaction is rolled
 *   back and run again with a savepoint before each pay, so that only the failing one is undone.
 *   Errors that are not a pay's own (the database went away) redo every pay alone.
 * - The protocol's rows of the paid ones go in with one statement at the end.
 */

/** What one pay does inside a transaction: its answer, and whether its protocol row is due. */
export interface PayWork<O> {
  account: string;
  /**
   * `locked`: the deal as the batch locked it, when nothing of this transaction has written to
   * it since (the repayment does not lock and read it again). `dealId`: the deal paid (its shard
   * is remembered).
   */
  run(tx: Queryable, locked?: LockedDeal): Promise<{ answer: O; record?: TxnRecord; dealId?: bigint }>;
  /** Set by payShared: the shard of the deal's lender accounts. */
  shard?: number;
}

export interface TxnRecord {
  service: string;
  txnId: string;
  txnDate: string;
  account: string;
  amount: bigint;
}

/** A pay's answer or its own error; an error here never failed the others of its batch. */
export type PayResult<O> = { answer: O } | { error: unknown };

const MAX_BATCH = 32;
/**
 * Batchers, each serving the shards `s` with `s % groups` = its index, one batch at a time:
 * fewer groups make bigger batches (fewer commits), more make more of them run at once.
 */
const DEFAULT_GROUPS = 4;
/** Deal numbers never change: the shard of a number is cached for the life of the process. */
const MAX_CACHED_NUMBERS = 200_000;

interface Shards {
  /** false: every pay in its own transaction, as before group commit (benchmarks' A/B). */
  shared: boolean;
  batchers: Batcher<PayWork<unknown>, PayResult<unknown>>[];
  resolver: Batcher<string, bigint | undefined>;
  shardOfNumber: Map<string, number>;
  /** Pays in progress in this process. */
  running: number;
  /** Batches run again with savepoints (a pay of theirs failed). */
  rerun: number;
}

const byPool = new WeakMap<Pool, Shards>();

function shardsOf(pool: Pool): Shards {
  let shards = byPool.get(pool);
  if (!shards) {
    const resolver = new Batcher<string, bigint | undefined>({
      many: (numbers) => dealIds(pool, numbers),
      single: async (number) => (await dealIds(pool, [number]))[0],
      oneByOne: () => false,
      maxBatch: 256,
      inFlight: 2,
    });
    shards = {
      shared: true,
      batchers: batchersFor(pool, DEFAULT_GROUPS),
      resolver,
      shardOfNumber: new Map(),
      running: 0,
      rerun: 0,
    };
    byPool.set(pool, shards);
  }
  return shards;
}

function batchersFor(pool: Pool, groups: number): Batcher<PayWork<unknown>, PayResult<unknown>>[] {
  return Array.from(
    { length: groups },
    () =>
      new Batcher<PayWork<unknown>, PayResult<unknown>>({
        many: (items) => payMany(pool, items),
        single: (item) => payAlone(pool, item),
        // Nothing of a failed batch was committed: each pay is redone in its own transaction.
        oneByOne: () => true,
        maxBatch: MAX_BATCH,
        inFlight: 1,
      }),
  );
}

/**
 * The shard of a deal by its number; undefined: no such deal. Cached (numbers never change);
 * a miss is resolved together with the other misses of the moment, one statement for all.
 */
export async function shardOfNumber(pool: Pool, account: string): Promise<number | undefined> {
  const shards = shardsOf(pool);
  const cached = shards.shardOfNumber.get(account);
  if (cached !== undefined) return cached;
  const id = await shards.resolver.submit(account);
  return id === undefined ? undefined : remember(shards, account, id);
}

function remember(shards: Shards, account: string, dealId: bigint): number {
  const shard = shardOf(dealId);
  if (shards.shardOfNumber.size >= MAX_CACHED_NUMBERS) shards.shardOfNumber.clear();
  shards.shardOfNumber.set(account, shard);
  return shard;
}

async function dealIds(pool: Pool, numbers: string[]): Promise<(bigint | undefined)[]> {
  const { rows } = await pool.query<{ id: bigint; number: string }>({
    name: 'mymfo.deal_ids_by_number',
    text: 'SELECT id, number FROM lending.deals WHERE number = ANY($1::text[])',
    values: [numbers],
  });
  const ids = new Map(rows.map((r) => [r.number, r.id]));
  return numbers.map((n) => ids.get(n));
}

/**
 * Runs `work` in a transaction shared with the concurrent pays of its deal's shard; alone when
 * no other pay is running and the deal's shard is not known yet (no lookup for a lone pay), or
 * when the deal is unknown (the refusal needs no company).
 */
export async function payShared<O>(pool: Pool, work: PayWork<O>): Promise<PayResult<O>> {
  const shards = shardsOf(pool);
  const w = work as PayWork<unknown>;
  shards.running++;
  try {
    if (!shards.shared) return (await payAlone(pool, w)) as PayResult<O>;
    const known = shards.shardOfNumber.get(work.account);
    if (known === undefined && shards.running === 1) return (await payAlone(pool, w)) as PayResult<O>;
    const shard = known ?? (await shardOfNumber(pool, work.account));
    if (shard === undefined) return (await payAlone(pool, w)) as PayResult<O>;
    const batcher = shards.batchers[shard % shards.batchers.length]!;
    return (await batcher.submit({ ...w, shard })) as PayResult<O>;
  } finally {
    shards.running--;
  }
}

/** Turns group commit off (or back on) for a pool: bench/mymfo/profile.ts compares the two. */
export function sharePays(pool: Pool, shared: boolean, groups = DEFAULT_GROUPS): void {
  const shards = shardsOf(pool);
  shards.shared = shared;
  if (shards.batchers.length !== groups) shards.batchers = batchersFor(pool, groups);
}

/**
 * Batches sent and pays in them, batches redone one by one and batches run again with savepoints
 * (each doubles the wait of its pays), for tests and diagnostics.
 */
export function payBatchStats(pool: Pool): {
  batches: number;
  items: number;
  oneByOne: number;
  rerun: number;
} {
  const shards = shardsOf(pool);
  const sum = { batches: 0, items: 0, oneByOne: 0, rerun: shards.rerun };
  for (const b of shards.batchers) {
    sum.batches += b.stats.batches;
    sum.items += b.stats.items;
    sum.oneByOne += b.stats.oneByOne;
  }
  return sum;
}

async function payAlone(pool: Pool, work: PayWork<unknown>): Promise<PayResult<unknown>> {
  try {
    const { answer, dealId } = await withTx(pool, async (tx) => {
      const done = await work.run(tx);
      if (done.record) await recordTxns(tx, [done.record]);
      return done;
    });
    if (dealId !== undefined) remember(shardsOf(pool), work.account, dealId);
    return { answer };
  } catch (error) {
    return { error };
  }
}

/** A pay of an optimistic batch failed: the batch is rolled back and run with savepoints. */
class PayFailed extends Error {}

async function payMany(pool: Pool, items: PayWork<unknown>[]): Promise<PayResult<unknown>[]> {
  // The shards' accounts are locked in shard order (pays of one shard in their order of arrival).
  const order = items
    .map((_, i) => i)
    .sort((a, b) => (items[a]!.shard ?? 0) - (items[b]!.shard ?? 0) || a - b);
  const sorted = order.map((i) => items[i]!);
  let results: PayResult<unknown>[];
  try {
    results = await runBatch(pool, sorted, false);
  } catch (error) {
    if (!(error instanceof PayFailed)) throw error;
    shardsOf(pool).rerun++;
    results = await runBatch(pool, sorted, true);
  }
  const answers: PayResult<unknown>[] = new Array(items.length);
  for (const [k, i] of order.entries()) answers[i] = results[k]!;
  return answers;
}

async function runBatch(
  pool: Pool,
  items: PayWork<unknown>[],
  savepoints: boolean,
): Promise<PayResult<unknown>[]> {
  return withTx(pool, async (tx) => {
    // Every deal of the batch before any shard account (see above); a missing deal locks nothing.
    // The rows read go to the first pay of each deal; a later one reads what the first wrote.
    const locked = await lockDeals(
      tx,
      items.map((i) => i.account),
    );
    const results: PayResult<unknown>[] = [];
    const records: TxnRecord[] = [];
    for (const [n, item] of items.entries()) {
      const row = locked.get(item.account);
      locked.delete(item.account);
      // Savepoints are not released: the batch is short (MAX_BATCH) and each RELEASE is a round trip.
      if (savepoints) await tx.query(`SAVEPOINT pay_${n}`);
      try {
        const { answer, record } = await item.run(tx, row);
        results.push({ answer });
        if (record) records.push(record);
      } catch (error) {
        if (!savepoints) throw new PayFailed('a pay of the batch failed', { cause: error });
        await tx.query(`ROLLBACK TO SAVEPOINT pay_${n}`);
        results.push({ error });
      }
    }
    if (records.length) await recordTxns(tx, records);
    return results;
  });
}

/** The protocol's rows, one statement; their key references the engine's payments, checked at commit. */
async function recordTxns(db: Queryable, records: TxnRecord[]): Promise<void> {
  await db.query({
    name: 'mymfo.record_txns',
    text: `INSERT INTO mymfo.payment_txns (service, txn_id, txn_date, account, amount)
      SELECT * FROM unnest($1::text[], $2::text[], $3::timestamp[], $4::text[], $5::bigint[])`,
    values: [
      records.map((r) => r.service),
      records.map((r) => r.txnId),
      records.map((r) => r.txnDate),
      records.map((r) => r.account),
      records.map((r) => r.amount.toString()),
    ],
  });
}
