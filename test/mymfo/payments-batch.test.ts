import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyLedger } from '../../src/ledger/index.ts';
import { todayMoscow } from '../../src/lending/dates.ts';
import { shardOf } from '../../src/lending/deals/ledger-accounts.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { handleOsmpRequest, type OsmpOutcome } from '../../src/mymfo/payments/handle.ts';
import type { PayOptions } from '../../src/mymfo/payments/pay.ts';
import { payBatchStats, shardOfNumber } from '../../src/mymfo/payments/pay-batch.ts';
import { loan, type PaymentsWorld, paymentsWorld, TXN_DATE, txn } from './payments-world.ts';

/**
 * Group commit of pays (src/mymfo/payments/pay-batch.ts): pays submitted in one turn of the
 * event loop on deals whose shard is known go out as one transaction with a savepoint each.
 * The burst helpers below submit every pay in the same turn so that they do share it.
 */
const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? String(v) : v));

const QIWI: PayOptions = { service: 'QIWI', online: false };

const pay = (account: string, sum: string, txnId = txn()) => ({
  command: 'pay',
  txn_id: txnId,
  txn_date: TXN_DATE,
  account,
  sum,
});

describe('mymfo: concurrent pays share transactions (group commit)', () => {
  let w: PaymentsWorld;
  before(async () => {
    w = await paymentsWorld();
  });
  after(async () => {
    await w?.close();
  });

  /** Every pay submitted in the same turn, the deals' shards already known. */
  async function burst(queries: ReturnType<typeof pay>[]): Promise<OsmpOutcome[]> {
    for (const q of queries) await shardOfNumber(w.ctx.pool, q.account);
    return Promise.all(queries.map((q) => handleOsmpRequest(w.ctx, q, QIWI)));
  }

  async function count(sql: string, values: unknown[]): Promise<number> {
    const { rows } = await w.ctx.pool.query<{ n: bigint }>(sql, values);
    return Number(rows[0]!.n);
  }

  async function lenderCash(): Promise<bigint> {
    const { rows } = await w.ctx.pool.query<{ s: bigint | null }>(
      `SELECT sum(balance)::bigint AS s FROM ledger.accounts WHERE code LIKE 'mfo:cash:RUB%'`,
    );
    return rows[0]!.s ?? 0n;
  }

  it('N parallel distinct pays on several deals all land exactly: debts, rows, one transfer each, cash, ledger', async () => {
    const deals: string[] = [];
    for (let i = 0; i < 5; i++) deals.push(await loan(w.ctx, 2_000_000n));
    const debtsBefore = await Promise.all(deals.map((d) => debtSummary(w.ctx.pool, d)));
    const cashBefore = await lenderCash();
    const statsBefore = payBatchStats(w.ctx.pool);
    // 6 pays per deal of 100.00 … 600.00: 30 pays, 2 100.00 per deal.
    const queries = deals.flatMap((d) => Array.from({ length: 6 }, (_, k) => pay(d, `${(k + 1) * 100}.00`)));
    const outcomes = await burst(queries);
    assert.deepEqual(
      outcomes.map((o) => o.answer.result),
      outcomes.map(() => 0),
      show(outcomes.filter((o) => o.answer.result !== 0)),
    );
    assert.equal(new Set(outcomes.map((o) => o.answer.prvTxn)).size, queries.length);
    const stats = payBatchStats(w.ctx.pool);
    assert.ok(stats.items - statsBefore.items >= 6, `pays shared transactions: ${show(stats)}`);

    for (const [i, d] of deals.entries()) {
      const summary = await debtSummary(w.ctx.pool, d);
      assert.equal(summary.totalDebt, debtsBefore[i]!.totalDebt - 210_000n, `deal ${d}`);
      assert.equal(summary.payments.length, 6);
    }
    for (const q of queries) {
      assert.equal(
        await count('SELECT count(*)::bigint AS n FROM ledger.transfers WHERE idem_key = $1', [
          `lending:repay:QIWI:${q.txn_id}`,
        ]),
        1,
      );
      const { rows } = await w.ctx.pool.query<{ amount: bigint; account: string }>(
        `SELECT t.amount, t.account FROM mymfo.payment_txns t JOIN lending.payments p USING (service, txn_id)
         WHERE t.service = 'QIWI' AND t.txn_id = $1`,
        [q.txn_id],
      );
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.account, q.account);
    }
    assert.equal(await lenderCash(), cashBefore + 5n * 210_000n);
    assert.equal((await verifyLedger(w.ctx.pool)).ok, true);
  });

  it('parallel repeats of one txn_id give one payment: in one transaction, across transactions, on two deals', async () => {
    const deal = await loan(w.ctx, 2_000_000n);
    const other = await loan(w.ctx, 2_000_000n);
    const before = await debtSummary(w.ctx.pool, deal);
    const txnId = txn();
    // Ten in one turn (one shared transaction), then ten more while nothing else is queued.
    const first = await burst(Array.from({ length: 10 }, () => pay(deal, '300.00', txnId)));
    const second = await Promise.all(
      Array.from({ length: 10 }, () => handleOsmpRequest(w.ctx, pay(deal, '300.00', txnId), QIWI)),
    );
    const all = [...first, ...second];
    assert.deepEqual(
      all.map((o) => o.answer.result),
      all.map(() => 0),
    );
    assert.equal(new Set(all.map((o) => o.answer.prvTxn)).size, 1);
    assert.equal(new Set(all.map((o) => o.answer.receipt)).size, 1);
    assert.equal(
      await count('SELECT count(*)::bigint AS n FROM lending.payments WHERE service = $1 AND txn_id = $2', [
        'QIWI',
        txnId,
      ]),
      1,
    );
    assert.equal(
      await count('SELECT count(*)::bigint AS n FROM mymfo.payment_txns WHERE service = $1 AND txn_id = $2', [
        'QIWI',
        txnId,
      ]),
      1,
    );
    assert.equal((await debtSummary(w.ctx.pool, deal)).totalDebt, before.totalDebt - 30_000n);

    // One txn_id on two deals in one burst: one lands, the rest are refused with 300.
    const shared = txn();
    const raced = await burst(
      Array.from({ length: 6 }, (_, k) => pay(k % 2 ? other : deal, '50.00', shared)),
    );
    const results = raced.map((o) => o.answer.result);
    const winner = raced.find((o) => o.answer.result === 0)!;
    assert.ok(winner, show(raced));
    assert.deepEqual(
      results.sort((a, b) => a - b),
      [0, 0, 0, 300, 300, 300],
    );
    assert.equal(
      await count('SELECT count(*)::bigint AS n FROM lending.payments WHERE service = $1 AND txn_id = $2', [
        'QIWI',
        shared,
      ]),
      1,
    );
    assert.equal((await verifyLedger(w.ctx.pool)).ok, true);
  });

  it('one invalid pay in a concurrent burst fails alone; its accrual is rolled back with it, the others post theirs', async () => {
    // Never paid: the first pay on it accrues interest to today (a write) before the limit check.
    const deal = await loan(w.ctx, 1_000_000n, 12);
    const dealId = (
      await w.ctx.pool.query<{ id: bigint }>('SELECT id FROM lending.deals WHERE number = $1', [deal])
    ).rows[0]!.id;
    const before = await debtSummary(w.ctx.pool, deal);
    const reused = txn();
    await handleOsmpRequest(w.ctx, pay(await loan(w.ctx, 1_000_000n), '10.00', reused), QIWI);
    const accrualKey = `lending:accrue:${todayMoscow()}:deal:${dealId}`;
    assert.equal(
      await count('SELECT count(*)::bigint AS n FROM ledger.transfers WHERE idem_key = $1', [accrualKey]),
      0,
    );
    const statsBefore = payBatchStats(w.ctx.pool);
    const outcomes = await burst([
      pay(deal, '599999.00'), // above the debt: 242, after the accrual was written
      pay(deal, '100.00'),
      pay(deal, '10.00', reused), // the txn_id of a payment on another deal: 300
      pay(deal, '200.00'),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.answer.result),
      [242, 0, 300, 0],
      show(outcomes),
    );
    assert.equal(payBatchStats(w.ctx.pool).items - statsBefore.items, 4, 'the four went out together');
    assert.equal(
      await count('SELECT count(*)::bigint AS n FROM ledger.transfers WHERE idem_key = $1', [accrualKey]),
      1,
      "the accrual is posted once, by the first valid pay (the refused one's was rolled back)",
    );
    const summary = await debtSummary(w.ctx.pool, deal);
    assert.equal(summary.totalDebt, before.totalDebt - 30_000n);
    assert.equal(summary.payments.length, 2);
    assert.equal((await verifyLedger(w.ctx.pool)).ok, true);
  });

  /** Never-paid deals whose shards share one batcher (shard % 4), so a burst on them is one batch. */
  async function dealsOfOneBatch(n: number): Promise<string[]> {
    const byGroup = new Map<number, string[]>();
    for (;;) {
      const number = await loan(w.ctx, 1_000_000n, 12);
      const { rows } = await w.ctx.pool.query<{ id: bigint }>(
        'SELECT id FROM lending.deals WHERE number = $1',
        [number],
      );
      const group = shardOf(rows[0]!.id) % 4;
      const list = [...(byGroup.get(group) ?? []), number];
      if (list.length === n) return list;
      byGroup.set(group, list);
    }
  }

  it('first pays on distinct deals go out together (repayMany); a refusal that wrote nothing stays its own, one after an accrual reruns the batch', async () => {
    const [a, b, c, d, e] = await dealsOfOneBatch(5);
    const elsewhere = await loan(w.ctx, 1_000_000n);
    const reused = txn();
    await handleOsmpRequest(w.ctx, pay(elsewhere, '10.00', reused), QIWI);
    const replayed = txn();
    const earlier = await handleOsmpRequest(w.ctx, pay(e!, '70.00', replayed), QIWI);
    const before = await Promise.all([a, b, c].map((x) => debtSummary(w.ctx.pool, x!)));
    const accrualKey = async (number: string) => {
      const { rows } = await w.ctx.pool.query<{ id: bigint }>(
        'SELECT id FROM lending.deals WHERE number = $1',
        [number],
      );
      return `lending:accrue:${todayMoscow()}:deal:${rows[0]!.id}`;
    };
    const transfersKeyed = async (key: string) =>
      count('SELECT count(*)::bigint AS n FROM ledger.transfers WHERE idem_key = $1', [key]);

    // Only refusals that wrote nothing: another deal's txn_id (found before any accrual) and a replay.
    let stats = payBatchStats(w.ctx.pool);
    let outcomes = await burst([pay(a!, '100.00'), pay(d!, '10.00', reused), pay(e!, '70.00', replayed)]);
    assert.deepEqual(
      outcomes.map((o) => o.answer.result),
      [0, 300, 0],
      show(outcomes),
    );
    assert.equal(outcomes[2]!.answer.prvTxn, earlier.answer.prvTxn, 'the replay answers the first payment');
    assert.equal(payBatchStats(w.ctx.pool).items - stats.items, 3, 'the three went out together');
    assert.equal(payBatchStats(w.ctx.pool).rerun, stats.rerun, 'nothing to undo: no rerun');
    assert.equal(await transfersKeyed(await accrualKey(d!)), 0, 'the refused deal accrued nothing');

    // A refusal after its accrual (above the debt): the batch reruns, only that pay is undone.
    stats = payBatchStats(w.ctx.pool);
    outcomes = await burst([pay(b!, '200.00'), pay(c!, '599999.00'), pay(a!, '300.00')]);
    assert.deepEqual(
      outcomes.map((o) => o.answer.result),
      [0, 242, 0],
      show(outcomes),
    );
    assert.equal(payBatchStats(w.ctx.pool).rerun, stats.rerun + 1);
    assert.equal(await transfersKeyed(await accrualKey(b!)), 1);
    assert.equal(await transfersKeyed(await accrualKey(c!)), 0, "the refused pay's accrual was rolled back");
    const after = await Promise.all([a, b, c].map((x) => debtSummary(w.ctx.pool, x!)));
    assert.equal(after[0]!.totalDebt, before[0]!.totalDebt - 40_000n);
    assert.equal(after[1]!.totalDebt, before[1]!.totalDebt - 20_000n);
    assert.equal(after[2]!.payments.length, 0);
    assert.equal(
      await count(
        `SELECT count(*)::bigint AS n FROM mymfo.payment_txns t JOIN lending.payments p USING (service, txn_id)
         WHERE p.deal_id IN (SELECT id FROM lending.deals WHERE number = ANY($1::text[]))`,
        [[a, b, c]],
      ),
      3,
      'a protocol row for each payment made',
    );
    assert.equal((await verifyLedger(w.ctx.pool)).ok, true);
  });
});
