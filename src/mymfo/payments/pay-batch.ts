import { orgAccountId, orgAccounts, shardOf } from '../../lending/deals/ledger-accounts.ts';
import {
  type LockedDeal,
  lockDeals,
  type Payment,
  type RepaymentInput,
  repay,
} from '../../lending/repayments/repay.ts';
import { RepayBatchRefused, repayMany } from '../../lending/repayments/repay-many.ts';
import type { Actor } from '../../platform/audit.ts';
import { Batcher } from '../../platform/batcher.ts';
import type { Pool, Queryable } from '../../platform/db/pool.ts';
import { withTx } from '../../platform/db/tx.ts';
import { PerPool } from '../../platform/per-pool.ts';

/**
 * Group commit of pays (docs/mymfo-payments.md, "Group commit"): concurrent pays share one
 * transaction and one commit.
 *
 * - Batchers serve the 16 shards of the lender's accounts (shard % groups, DEFAULT_GROUPS);
 *   with one group (the default) every pay goes to it without looking its deal up. With more,
 *   the shard of a deal number is cached (numbers never change) and misses of the moment are
 *   resolved by one statement. A pay while no other is running goes alone.
 * - A batch first locks all its deals in id order, then posts, so it never waits for a deal
 *   while it holds shard accounts, and takes the shard accounts in one statement in id order: a
 *   lone repayment elsewhere (deal, then shard) or the other batch in flight cannot deadlock
 *   with it. The first pay of each locked deal goes out with the others' (lending repayMany: a
 *   few statements for the whole batch); a deal's later pays, and pays on deals that could not
 *   be locked (not issued, unknown), follow one by one, each under a savepoint.
 * - An error of one pay must not fail the others: a refusal that wrote nothing is that pay's
 *   answer; a refusal after its loan's accrual was written (the limit), or a statement of the
 *   batch failing (a lost race), rolls the whole transaction back and runs it again with a
 *   savepoint before each pay, so that only the failing one is undone. Errors that are not a
 *   pay's own (the database went away) redo every pay alone.
 * - The protocol's rows of the paid ones go in with one statement: before the posting statement
 *   for the pays that go out together, at the end for those paid one by one.
 */

/** One pay: the repayment it makes on deal `account`, and the protocol's answer for it. */
export interface PayWork<O> {
  account: string;
  input: Omit<RepaymentInput, 'deal' | 'locked'>;
  actor: Actor;
  /** The protocol's row, written with the repayment (not with a replay of a stored one). */
  record: TxnRecord;
  /** The answer for the repayment made (or replayed). */
  answer(result: { payment: Payment; replayed: boolean }): O;
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
 * Batchers, each serving the shards `s` with `s % groups` = its index: fewer groups make bigger
 * batches (fewer commits and statements a pay), more make more of them touch disjoint rows at
 * once. Measured on 2 cores (bench/RESULTS.md, session 5): one group with two batches in flight
 * pays the most a second — 1,390/s against 810/s for four groups of one each — since a batch
 * costs a few statements whatever its size (repayMany) and concurrent writers on two cores cost
 * PostgreSQL more CPU a pay than they save. The second batch in flight queues on the shard
 * accounts' row locks behind the first only for its last statement and its commit.
 */
const DEFAULT_GROUPS = 1;
const IN_FLIGHT = 2;
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

const byPool = new PerPool<Shards>();

function shardsOf(pool: Pool): Shards {
  return byPool.of(pool, () => ({
    shared: true,
    batchers: batchersFor(pool, DEFAULT_GROUPS),
    resolver: new Batcher<string, bigint | undefined>({
      many: (numbers) => dealIds(pool, numbers),
      single: async (number) => (await dealIds(pool, [number]))[0],
      oneByOne: () => false,
      maxBatch: 256,
      inFlight: 2,
    }),
    shardOfNumber: new Map(),
    running: 0,
    rerun: 0,
  }));
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
        inFlight: IN_FLIGHT,
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
    // One group serves every shard: no lookup (an unknown deal is refused inside the batch).
    if (shards.batchers.length === 1)
      return (await shards.batchers[0]!.submit({ ...w, shard: known ?? 0 })) as PayResult<O>;
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

/** One pay's repayment in `tx`: the protocol's answer, its row when it paid, and the deal paid. */
async function runOne<O>(
  tx: Queryable,
  work: PayWork<O>,
  locked?: LockedDeal,
): Promise<{ answer: O; record?: TxnRecord; dealId: bigint }> {
  const result = await repay(
    tx,
    { ...work.input, deal: work.account, ...(locked ? { locked } : {}) },
    work.actor,
  );
  return {
    answer: work.answer(result),
    ...(result.replayed ? {} : { record: work.record }),
    dealId: result.payment.dealId,
  };
}

async function payAlone(pool: Pool, work: PayWork<unknown>): Promise<PayResult<unknown>> {
  try {
    const { answer, dealId } = await withTx(pool, async (tx) => {
      const done = await runOne(tx, work);
      if (done.record) await recordTxns(tx, [done.record]);
      return done;
    });
    remember(shardsOf(pool), work.account, dealId);
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
    const results: PayResult<unknown>[] = new Array(items.length);
    const records: TxnRecord[] = [];
    // Optimistic: the first pay of each locked deal together (repayMany: a few statements for all),
    // then the rest one after another (a deal's second pay reads what its first wrote).
    const first: number[] = [];
    const rest: number[] = [];
    const seen = new Set<string>();
    for (const [n, item] of items.entries()) {
      if (!savepoints && locked.has(item.account) && !seen.has(item.account)) first.push(n);
      else rest.push(n);
      seen.add(item.account);
    }
    // Pays run one by one take the lender's accounts statement by statement: with the other batch
    // in flight taking its own in one statement, the two could wait for each other. Such a batch
    // takes every account its deals' repayments may touch first, in one statement in id order.
    if (rest.length > 0) await lockLenderAccounts(tx, [...locked.values()]);
    const rows = new Map(first.map((n) => [n, locked.get(items[n]!.account)!]));
    for (const n of first) locked.delete(items[n]!.account);
    if (first.length > 0) {
      let outcomes: Awaited<ReturnType<typeof repayMany>>;
      try {
        outcomes = await repayMany(
          tx,
          first.map((n) => ({
            ...items[n]!.input,
            deal: items[n]!.account,
            locked: rows.get(n)!,
            actor: items[n]!.actor,
          })),
          // The protocol's rows of the pays about to be posted go in before the posting
          // statement, which locks the lender's accounts until the commit: one round trip less
          // in the stretch the other batch in flight waits for (their key is checked at commit).
          (posted) =>
            recordTxns(
              tx,
              posted.map((k) => items[first[k]!]!.record),
            ),
        );
      } catch (error) {
        throw new PayFailed('a pay of the batch failed', {
          cause: error instanceof RepayBatchRefused ? error.cause : error,
        });
      }
      for (const [k, n] of first.entries()) {
        const outcome = outcomes[k]!;
        results[n] = 'error' in outcome ? { error: outcome.error } : { answer: items[n]!.answer(outcome) };
      }
    }
    for (const n of rest) {
      const item = items[n]!;
      const row = locked.get(item.account);
      locked.delete(item.account);
      // Savepoints are not released: the batch is short (MAX_BATCH) and each RELEASE is a round trip.
      await tx.query(`SAVEPOINT pay_${n}`);
      try {
        const done = await runOne(tx, item, row);
        results[n] = { answer: done.answer };
        if (done.record) records.push(done.record);
      } catch (error) {
        await tx.query(`ROLLBACK TO SAVEPOINT pay_${n}`);
        results[n] = { error };
      }
    }
    if (records.length) await recordTxns(tx, records);
    return results;
  });
}

/** The lender's accounts of the deals' shards and its unsharded receivables, locked in id order. */
async function lockLenderAccounts(tx: Queryable, deals: LockedDeal[]): Promise<void> {
  const ids = new Set<bigint>();
  for (const shard of new Set(deals.map((d) => shardOf(d.row.id as bigint))))
    for (const id of Object.values(await orgAccounts(tx, shard))) ids.add(id);
  for (const kind of ['duty_receivable', 'other_receivable'] as const) ids.add(await orgAccountId(tx, kind));
  await tx.query({
    name: 'mymfo.lock_lender_accounts',
    text: 'SELECT 1 FROM ledger.accounts WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE',
    values: [[...ids].map(String)],
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
