import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { mymfoFace } from '../../src/faces/mymfo/face.ts';
import { verifyLedger } from '../../src/ledger/index.ts';
import { createApplication } from '../../src/lending/deals/applications.ts';
import { getDeal } from '../../src/lending/deals/repository.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { formatRoubles } from '../../src/platform/money.ts';
import { clientInput, STAFF } from '../lending/lending-fixtures.ts';
import {
  BASE,
  basic,
  loan,
  osmp,
  type PaymentsWorld,
  paymentsWorld,
  readOsmp,
  TXN_DATE,
  txn,
} from './payments-world.ts';

async function paymentsOf(w: PaymentsWorld, service: string, txnId: string) {
  return (
    await w.ctx.pool.query<{ id: bigint; amount: bigint; online: boolean; transfer_id: bigint }>(
      'SELECT id, amount, online, transfer_id FROM lending.payments WHERE service = $1 AND txn_id = $2',
      [service, txnId],
    )
  ).rows;
}

async function transfersOf(w: PaymentsWorld, service: string, txnId: string): Promise<number> {
  const { rows } = await w.ctx.pool.query<{ n: bigint }>(
    'SELECT count(*)::bigint AS n FROM ledger.transfers WHERE idem_key = $1',
    [`lending:repay:${service}:${txnId}`],
  );
  return Number(rows[0]!.n);
}

async function paymentCount(w: PaymentsWorld): Promise<number> {
  const { rows } = await w.ctx.pool.query<{ n: bigint }>(
    'SELECT count(*)::bigint AS n FROM lending.payments',
  );
  return Number(rows[0]!.n);
}

const pay = (account: string, sum: string, txnId = txn()) => ({
  command: 'pay',
  txn_id: txnId,
  txn_date: TXN_DATE,
  account,
  sum,
});

describe('mymfo: Payment/<PayService> (QIWI/OSMP)', () => {
  let w: PaymentsWorld;
  before(async () => {
    w = await paymentsWorld();
  });
  after(async () => {
    await w.close();
  });

  it('check shows the deal, the masked name and the debt, and writes nothing', async () => {
    const deal = await loan(w.ctx);
    const before = await paymentCount(w);
    const r = await osmp(w.app, 'QIWI', { command: 'check', txn_id: txn(), account: deal, sum: '100' });
    assert.equal(r.status, 200);
    assert.match(r.contentType, /^application\/xml/);
    assert.equal(r.result, 0);
    assert.equal(r.response.sum, '100.00');
    assert.equal(r.response.prv_txn, '');
    const summary = await debtSummary(w.ctx.pool, deal);
    assert.ok(summary.interest > 0n, 'ten days of interest are due');
    assert.equal(r.fields.deal, deal);
    assert.equal(r.fields.fio, 'Тест Тестович Т.');
    assert.equal(r.fields.debt, formatRoubles(summary.totalDebt));
    assert.equal(await paymentCount(w), before);
    // Without a sum the check only looks the deal up.
    const bare = await osmp(w.app, 'QIWI', { command: 'check', txn_id: txn(), account: deal });
    assert.equal(bare.result, 0);
    assert.equal(bare.fields.debt, formatRoubles(summary.totalDebt));
  });

  it("the document's examples, verbatim: Payment/QIWI and Payment/Site pay 2200 on deal 1_1000089", async () => {
    // The examples' deal number: a test loan renumbered to it (the numbering series issues ТСК…).
    const deal = await loan(w.ctx, 1_000_000n);
    await w.ctx.pool.query(`UPDATE lending.deals SET number = '1_1000089' WHERE number = $1`, [deal]);
    const example = 'command=pay&txn_id=4431523121&txn_date=20170825120133&account=1_1000089&sum=2200';
    for (const [path, auth, service] of [
      ['QIWI', 'qiwi', 'QIWI'],
      ['Site/site-pay', 'site-pay', 'Site/site-pay'],
    ] as const) {
      const res = await w.app.inject({
        method: 'GET',
        url: `${BASE}/Payment/${path}/?${example}`,
        headers: {
          authorization: basic(auth),
          'user-agent': 'АдресСервера',
          'content-type': 'application/xml',
        },
      });
      const r = readOsmp(res.statusCode, res.body, String(res.headers['content-type']));
      assert.equal(r.status, 200);
      assert.match(r.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<response>/);
      assert.equal(r.response.osmp_txn_id, '4431523121');
      assert.equal(r.response.sum, '2200.00');
      assert.equal(r.result, 0, r.body);
      const rows = await paymentsOf(w, service, '4431523121');
      assert.equal(r.response.prv_txn, String(rows[0]!.id));
      assert.equal(rows[0]!.amount, 220_000n);
    }
  });

  it('pay runs the engine: allocation, one ledger transfer, the payment in PS/deal; a repeat returns the same prv_txn and moves nothing', async () => {
    const deal = await loan(w.ctx);
    const before = await debtSummary(w.ctx.pool, deal);
    const txnId = txn();
    const first = await osmp(w.app, 'QIWI', pay(deal, '500.00', txnId));
    assert.equal(first.result, 0, first.body);
    assert.equal(first.response.osmp_txn_id, txnId);
    assert.equal(first.response.sum, '500.00');
    assert.equal(first.response.comment, '');
    const rows = await paymentsOf(w, 'QIWI', txnId);
    assert.equal(rows.length, 1);
    assert.equal(first.response.prv_txn, String(rows[0]!.id));
    assert.equal(rows[0]!.amount, 50_000n);
    assert.equal(rows[0]!.online, false);
    const after = await debtSummary(w.ctx.pool, deal);
    assert.equal(after.totalDebt, before.totalDebt - 50_000n);
    assert.deepEqual(
      after.payments.map((p) => [p.amount, p.online]),
      [[50_000n, false]],
    );
    // Interest first (353-FZ): 500.00 is less than the accrued interest, principal is untouched.
    assert.equal(after.principalLeft, before.principalLeft);
    assert.equal(first.fields.receipt, after.payments[0]!.number);
    const txnRow = await w.ctx.pool.query<{ txn_date: string; account: string }>(
      `SELECT to_char(txn_date, 'YYYY-MM-DD HH24:MI:SS') AS txn_date, account FROM mymfo.payment_txns
       WHERE service = 'QIWI' AND txn_id = $1`,
      [txnId],
    );
    assert.deepEqual(txnRow.rows[0], { txn_date: '2026-08-25 12:01:33', account: deal });

    const again = await osmp(w.app, 'QIWI', pay(deal, '500.00', txnId));
    assert.equal(again.result, 0);
    assert.equal(again.response.prv_txn, first.response.prv_txn);
    assert.equal((await paymentsOf(w, 'QIWI', txnId)).length, 1);
    assert.equal(await transfersOf(w, 'QIWI', txnId), 1);
    assert.equal((await debtSummary(w.ctx.pool, deal)).totalDebt, after.totalDebt);
    assert.equal((await verifyLedger(w.ctx.pool)).ok, true);
  });

  it('the same txn_id with another sum or another deal is refused with 300 and moves nothing', async () => {
    const deal = await loan(w.ctx);
    const other = await loan(w.ctx);
    const txnId = txn();
    assert.equal((await osmp(w.app, 'QIWI', pay(deal, '100.00', txnId))).result, 0);
    const count = await paymentCount(w);
    const otherSum = await osmp(w.app, 'QIWI', pay(deal, '100.01', txnId));
    assert.equal(otherSum.result, 300);
    assert.match(String(otherSum.response.comment), /txn_id уже использован/);
    assert.equal(otherSum.response.prv_txn, '');
    const otherDeal = await osmp(w.app, 'QIWI', pay(other, '100.00', txnId));
    assert.equal(otherDeal.result, 300);
    assert.equal(await paymentCount(w), count);
    // Another service has its own txn_id space.
    const zk = await osmp(w.app, 'ZK', pay(deal, '100.00', txnId), { auth: basic('zk') });
    assert.equal(zk.result, 0);
    assert.notEqual(zk.response.prv_txn, otherSum.response.prv_txn);
  });

  it('parallel duplicate pays over real HTTP: one payment, one transfer; parallel distinct pays all land', async () => {
    const deal = await loan(w.ctx, 2_000_000n);
    const server = await buildServer(w.ctx, [mymfoFace]);
    await server.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (server.server.address() as AddressInfo).port;
      const get = async (params: Record<string, string>) => {
        const res = await fetch(
          `http://127.0.0.1:${port}${BASE}/Payment/QIWI/?${new URLSearchParams(params).toString()}`,
          { headers: { authorization: basic('qiwi') } },
        );
        return readOsmp(res.status, await res.text(), res.headers.get('content-type') ?? '');
      };
      const before = await debtSummary(w.ctx.pool, deal);
      const txnId = txn();
      const same = await Promise.all(Array.from({ length: 12 }, () => get(pay(deal, '300.00', txnId))));
      assert.deepEqual(
        same.map((r) => r.result),
        same.map(() => 0),
      );
      assert.equal(new Set(same.map((r) => r.response.prv_txn)).size, 1);
      assert.equal((await paymentsOf(w, 'QIWI', txnId)).length, 1);
      assert.equal(await transfersOf(w, 'QIWI', txnId), 1);

      const distinct = await Promise.all(Array.from({ length: 8 }, () => get(pay(deal, '100.00'))));
      assert.deepEqual(
        distinct.map((r) => r.result),
        distinct.map(() => 0),
      );
      assert.equal(new Set(distinct.map((r) => r.response.prv_txn)).size, 8);
      const after = await debtSummary(w.ctx.pool, deal);
      assert.equal(after.totalDebt, before.totalDebt - 30_000n - 8n * 10_000n);
      assert.equal(after.payments.length, 9);

      // One txn_id on two deals at once: one lands, the other is refused (the unique key decides).
      const other = await loan(w.ctx, 2_000_000n);
      const shared = txn();
      const raced = await Promise.all(
        Array.from({ length: 6 }, (_, k) => get(pay(k % 2 === 0 ? deal : other, '50.00', shared))),
      );
      const results = raced.map((r) => r.result).sort((a, b) => a - b);
      assert.deepEqual(results, [0, 0, 0, 300, 300, 300], raced.map((r) => r.body).join('\n'));
      assert.equal((await paymentsOf(w, 'QIWI', shared)).length, 1);
      assert.equal(await transfersOf(w, 'QIWI', shared), 1);
      assert.equal((await verifyLedger(w.ctx.pool)).ok, true);
    } finally {
      await server.close();
    }
  });

  it('amount limits: below 1.00 is 241, above the debt or 600 000.00 is 242; the exact debt pays the loan off, then 79', async () => {
    const deal = await loan(w.ctx);
    const count = await paymentCount(w);
    for (const sum of ['0.99', '0', '-5']) {
      const r = await osmp(w.app, 'QIWI', pay(deal, sum));
      assert.equal(r.result, 241, `${sum}: ${r.body}`);
      assert.match(String(r.response.comment), /меньше минимальной/);
    }
    const tooLarge = await osmp(w.app, 'QIWI', pay(deal, '600000.01'));
    assert.equal(tooLarge.result, 242);
    assert.equal(tooLarge.response.sum, '600000.01');
    const check7 = await osmp(w.app, 'QIWI', { command: 'check', txn_id: txn(), account: deal, sum: '7' });
    assert.equal(check7.response.sum, '7.00');
    const debt = (await debtSummary(w.ctx.pool, deal)).totalDebt;
    const above = await osmp(w.app, 'QIWI', pay(deal, formatRoubles(debt + 1n)));
    assert.equal(above.result, 242);
    assert.match(
      String(above.response.comment),
      new RegExp(`больше задолженности по договору \\(${formatRoubles(debt)}\\)`),
    );
    const checkAbove = await osmp(w.app, 'QIWI', {
      command: 'check',
      txn_id: txn(),
      account: deal,
      sum: formatRoubles(debt + 1n),
    });
    assert.equal(checkAbove.result, 242);
    assert.equal(await paymentCount(w), count);

    const full = await osmp(w.app, 'QIWI', pay(deal, formatRoubles(debt)));
    assert.equal(full.result, 0, full.body);
    assert.equal((await getDeal(w.ctx.pool, deal)).status, 'Оплачен');
    const closed = await osmp(w.app, 'QIWI', pay(deal, '10.00'));
    assert.equal(closed.result, 79);
    assert.match(String(closed.response.comment), /Оплачен/);
    assert.equal((await osmp(w.app, 'QIWI', { command: 'check', txn_id: txn(), account: deal })).result, 79);
  });

  it('account: bad format is 4, unknown deal 5, a deal not issued 79', async () => {
    for (const account of ['ТСК 000001', '', '<script>', 'x'.repeat(41)]) {
      const r = await osmp(w.app, 'QIWI', pay(account, '10.00'));
      assert.equal(r.result, 4, `${account}: ${r.body}`);
    }
    assert.equal((await osmp(w.app, 'QIWI', pay('ТСК999999', '10.00'))).result, 5);
    assert.equal((await osmp(w.app, 'QIWI', { command: 'check', txn_id: txn(), account: 'НЕТ1' })).result, 5);
    const fresh = await withTx(w.ctx.pool, (tx) =>
      createApplication(
        tx,
        w.ctx.cipher,
        { client: clientInput(), product: 'PDL30', amount: 500_000n, termDays: 20, autoScore: false },
        STAFF,
      ),
    );
    const r = await osmp(w.app, 'QIWI', pay(fresh.deal.number, '10.00'));
    assert.equal(r.result, 79);
    assert.match(String(r.response.comment), /Новый/);
  });

  it('malformed requests are 300 with a Russian comment, HTTP 200, well-formed XML that echoes txn_id escaped', async () => {
    const deal = await loan(w.ctx);
    const count = await paymentCount(w);
    const cases: [Record<string, string>, RegExp][] = [
      [{ txn_id: txn(), account: deal, sum: '10' }, /command/],
      [{ command: 'refund', txn_id: txn(), account: deal, sum: '10' }, /command/],
      [{ command: 'pay', account: deal, sum: '10', txn_date: TXN_DATE }, /txn_id/],
      [{ command: 'pay', txn_id: txn(), account: deal, sum: '10' }, /txn_date/],
      [{ command: 'pay', txn_id: txn(), account: deal, sum: '10', txn_date: '20261301000000' }, /txn_date/],
      [{ command: 'pay', txn_id: txn(), account: deal, sum: '10', txn_date: '2026-08-25' }, /txn_date/],
      [{ command: 'pay', txn_id: txn(), account: deal, txn_date: TXN_DATE }, /sum/],
      [{ command: 'pay', txn_id: txn(), account: deal, sum: '12.345', txn_date: TXN_DATE }, /sum/],
      [{ command: 'pay', txn_id: txn(), account: deal, sum: 'abc', txn_date: TXN_DATE }, /sum/],
    ];
    for (const [params, comment] of cases) {
      const r = await osmp(w.app, 'QIWI', params);
      assert.equal(r.status, 200);
      assert.equal(r.result, 300, `${JSON.stringify(params)}: ${r.body}`);
      assert.match(String(r.response.comment), comment);
      assert.equal(r.response.СообщениеОбОшибке, r.response.comment);
    }
    const evil = await osmp(w.app, 'QIWI', { command: 'pay', txn_id: 'a<b&"c', account: deal, sum: '1' });
    assert.equal(evil.result, 300);
    assert.equal(evil.response.osmp_txn_id, 'a<b&"c');
    assert.equal(await paymentCount(w), count);
  });

  it('credentials: none or wrong is 401 without a body; another service or address is 403 without a body', async () => {
    const deal = await loan(w.ctx);
    const params = new URLSearchParams(pay(deal, '10.00')).toString();
    const get = (path: string, headers: Record<string, string>, remoteAddress?: string) =>
      w.app.inject({
        method: 'GET',
        url: `${BASE}/Payment/${path}/?${params}`,
        headers,
        ...(remoteAddress ? { remoteAddress } : {}),
      });
    const none = await get('QIWI', {});
    assert.equal(none.statusCode, 401);
    assert.equal(none.body, '');
    assert.match(String(none.headers['www-authenticate']), /^Basic/);
    const wrong = await get('QIWI', { authorization: basic('qiwi', 'nope-nope') });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.body, '');
    const otherService = await get('QIWI', { authorization: basic('zk') });
    assert.equal(otherService.statusCode, 403);
    assert.equal(otherService.body, '');
    const site = await get('QIWI', { authorization: basic('site') });
    assert.equal(site.statusCode, 403);
    const outside = await get('MKB', { authorization: basic('mkb') }, '192.0.2.7');
    assert.equal(outside.statusCode, 403);
    assert.equal(outside.body, '');
    assert.equal(await paymentCount(w).then((n) => n >= 0), true);
    assert.equal((await paymentsOf(w, 'MKB', new URLSearchParams(params).get('txn_id')!)).length, 0);
    const inside = await get('MKB', { authorization: basic('mkb') }, '10.1.2.3');
    assert.equal(inside.statusCode, 200);
    assert.equal(readOsmp(200, inside.body, '').result, 0);
  });

  it('Payment/Site/<IDPayService>: the site reports an acquiring payment, marked online, in its own txn_id space', async () => {
    const deal = await loan(w.ctx);
    const txnId = txn();
    const r = await osmp(w.app, 'Site/site-pay', pay(deal, '250.00', txnId), { auth: basic('site-pay') });
    assert.equal(r.result, 0, r.body);
    const rows = await paymentsOf(w, 'Site/site-pay', txnId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.online, true);
    assert.equal(r.response.prv_txn, String(rows[0]!.id));
    const summary = await debtSummary(w.ctx.pool, deal);
    assert.deepEqual(
      summary.payments.map((p) => [p.amount, p.online]),
      [[25_000n, true]],
    );
    const again = await osmp(w.app, 'Site/site-pay', pay(deal, '250.00', txnId), { auth: basic('site-pay') });
    assert.equal(again.response.prv_txn, r.response.prv_txn);
    // The same txn_id from QIWI is another payment.
    assert.equal((await osmp(w.app, 'QIWI', pay(deal, '250.00', txnId))).result, 0);
    assert.equal((await paymentsOf(w, 'QIWI', txnId)).length, 1);
    const foreign = await w.app.inject({
      method: 'GET',
      url: `${BASE}/Payment/Site/site-pay/?${new URLSearchParams(pay(deal, '1.00')).toString()}`,
      headers: { authorization: basic('qiwi') },
    });
    assert.equal(foreign.statusCode, 403);
    const check = await osmp(
      w.app,
      'Site/site-pay',
      { command: 'check', txn_id: txn(), account: deal },
      {
        auth: basic('site-pay'),
      },
    );
    assert.equal(check.result, 0);
  });

  it('a database that cannot be reached is the temporary code 1: the service repeats', async () => {
    const deal = await loan(w.ctx);
    // The credential is verified (and remembered) first; then the same face on a dead pool.
    assert.equal((await osmp(w.app, 'QIWI', { command: 'check', txn_id: txn(), account: deal })).result, 0);
    const dead = createPool('postgres://kopek:x@127.0.0.1:1/none', 2);
    const app = await buildServer({ ...w.ctx, pool: dead }, [mymfoFace]);
    try {
      const r = await osmp(app, 'QIWI', pay(deal, '10.00'));
      assert.equal(r.result, 1, r.body);
      assert.match(String(r.response.comment), /недоступна/);
    } finally {
      await app.close();
      await dead.end();
    }
  });
});
