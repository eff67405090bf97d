import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { summaryReadStats } from '../../src/mymfo/deals.ts';
import { handleOsmpRequest } from '../../src/mymfo/payments/handle.ts';
import { BASE, basic, loan, type PaymentsWorld, paymentsWorld } from './payments-world.ts';

/**
 * Concurrent PS/deal reads share one statement (src/mymfo/deals.ts, lending
 * debtSummariesOf): each request must still get exactly the answer it gets alone —
 * its own deal's figures, "not found" for another client's passport or an unknown number.
 */
const show = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? String(v) : v));

describe('mymfo: concurrent debt-summary reads (PS/deal, payment check) share a statement', () => {
  let w: PaymentsWorld;
  before(async () => {
    w = await paymentsWorld();
  });
  after(async () => {
    await w?.close();
  });

  const get = (deal: string, passport: string) =>
    w.app.inject({
      method: 'GET',
      url: `${BASE}/PS/deal/${encodeURIComponent(deal)}/${passport}`,
      headers: { authorization: basic('site') },
    });

  it('a burst of mixed questions gets, for each, the answer it gets alone', async () => {
    const passports = ['4510000101', '4510000202', '4510000303', '4510000404'];
    const deals: { number: string; passport: string }[] = [];
    for (const [k, passport] of passports.entries())
      deals.push({
        number: await loan(w.ctx, BigInt(1_000_000 + k * 250_000), 5 + k * 7, passport),
        passport,
      });
    const asks = [
      ...deals,
      ...deals.map((d, k) => ({ number: d.number, passport: passports[(k + 1) % passports.length]! })),
      { number: 'НЕТ-ТАКОГО-1', passport: passports[0]! },
      ...deals,
    ];
    // Alone first: one request at a time never waits for a batch.
    const alone: string[] = [];
    for (const a of asks) alone.push((await get(a.number, a.passport)).body);
    const before = summaryReadStats(w.ctx.pool);
    const burst = await Promise.all(asks.map((a) => get(a.number, a.passport)));
    const stats = summaryReadStats(w.ctx.pool);
    assert.ok(
      stats.items - before.items >= asks.length - 2,
      `requests shared statements: ${JSON.stringify(stats)}`,
    );
    assert.deepEqual(
      burst.map((r) => r.body),
      alone,
    );
    const bodies = burst.map((r) => r.json());
    for (const [k, a] of asks.entries()) {
      const own = deals.some((d) => d.number === a.number && d.passport === a.passport);
      if (own) {
        assert.equal(bodies[k].НомерДоговора, a.number);
        assert.equal(bodies[k].СообщениеОбОшибке, '');
      } else assert.match(bodies[k].СообщениеОбОшибке, /не найден/, JSON.stringify(a));
    }
    // Different loans, different figures: an answer given to the wrong request would show.
    assert.equal(new Set(bodies.slice(0, 4).map((b) => b.ОбщийДолгНаТекДату)).size, 4);
  });

  it('a burst of payment checks gets, for each, the answer it gets alone', async () => {
    const deals: string[] = [];
    for (let k = 0; k < 3; k++) deals.push(await loan(w.ctx, BigInt(700_000 + k * 300_000), 3 + k * 9));
    const check = (account: string, sum?: string) =>
      handleOsmpRequest(
        w.ctx,
        { command: 'check', txn_id: '1', account, ...(sum ? { sum } : {}) },
        { service: 'QIWI', online: false },
      );
    const asks: [string, string?][] = [
      ...deals.map((d): [string] => [d]),
      [deals[0]!, '1.00'],
      [deals[1]!, '99999.00'],
      ['НЕТ-ТАКОГО-2'],
      ...deals.map((d): [string] => [d]),
    ];
    const alone: string[] = [];
    for (const [account, sum] of asks) alone.push(show((await check(account, sum)).answer));
    const before = summaryReadStats(w.ctx.pool);
    const burst = await Promise.all(asks.map(([account, sum]) => check(account, sum)));
    assert.ok(summaryReadStats(w.ctx.pool).items - before.items >= asks.length - 2);
    assert.deepEqual(
      burst.map((o) => show(o.answer)),
      alone,
    );
    assert.deepEqual(
      burst.map((o) => o.answer.result),
      [0, 0, 0, 0, 242, 5, 0, 0, 0],
    );
    // Each deal's own debt, not another's.
    const debts = burst.slice(0, 3).map((o) => o.answer.fields?.find((f) => f.name === 'debt')?.value);
    assert.equal(new Set(debts).size, 3);
  });
});
