import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { mymfoFace } from '../../src/faces/mymfo/face.ts';
import { processingFace } from '../../src/faces/processing/face.ts';
import { getAccount, verifyLedger } from '../../src/ledger/index.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { addCredential, findActiveCredential } from '../../src/mymfo/credentials.ts';
import {
  DEMO_RUB_AGENT_LOGIN,
  mymfoPaymentsSeeder,
  PROCESSING_LOGIN,
  PROCESSING_PASSWORD,
  PROCESSING_PAY_SERVICE,
  REPAYMENT_SERVICE_ID,
  registerRepaymentService,
  startProcessingLink,
} from '../../src/mymfo/payments/processing-link.ts';
import { verifyPassword } from '../../src/platform/crypto.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { formatRoubles } from '../../src/platform/money.ts';
import { findAgent } from '../../src/processing/agents.ts';
import { findService } from '../../src/processing/catalog.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { STAFF } from '../lending/lending-fixtures.ts';
import { call, payBody, type TestAgent, testAgent } from '../processing/helpers.ts';
import { BASE, basic, loan, type PaymentsWorld, paymentsWorld } from './payments-world.ts';

describe('mymfo: the loan repayment as a service of Kopek’s processing centre', () => {
  let w: PaymentsWorld;
  let agent: TestAgent;
  before(async () => {
    w = await paymentsWorld([processingFace, mymfoFace]);
    // Real HTTP: the processing centre calls the face's Payment/KOPEK/ over loopback.
    await w.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (w.app.server.address() as AddressInfo).port;
    await withTx(w.ctx.pool, async (tx) => {
      await addCredential(
        tx,
        {
          login: PROCESSING_LOGIN,
          password: PROCESSING_PASSWORD,
          kind: 'payment',
          paymentService: PROCESSING_PAY_SERVICE,
          ipAllowlist: ['127.0.0.0/8', '::1'],
        },
        STAFF,
      );
      await registerRepaymentService(
        tx,
        `http://127.0.0.1:${port}${BASE}/Payment/${PROCESSING_PAY_SERVICE}/`,
      );
    });
    agent = await testAgent(w.ctx, { currency: 'RUB', balance: 10_000_000n });
  });
  after(async () => {
    await w.close();
  });

  it('an agent checks a deal number (sees the debt) and pays it: the loan is repaid through OSMP, PS/deal shows it, the ledger verifies', async () => {
    const passport = `45 11 ${String(Date.now() % 1_000_000).padStart(6, '0')}`;
    const deal = await loan(w.ctx, 1_000_000n, 10, passport);
    const debt = (await debtSummary(w.ctx.pool, deal)).totalDebt;
    const amount = '700.00';
    const check = await call(
      w.app,
      agent.token,
      'check',
      payBody({ serviceId: REPAYMENT_SERVICE_ID, account: deal, amountTo: amount, amountFrom: amount }),
    );
    assert.equal(check.json.result, 0, check.text);
    const displays = check.json.displays as Record<string, string>;
    assert.equal(displays.deal, deal);
    assert.equal(displays.debt, formatRoubles(debt));
    assert.equal(displays.fio, 'Тест Тестович Т.');

    const balance0 = (await getAccount(w.ctx.pool, agent.agent.accountId)).balance;
    const body = payBody({
      serviceId: REPAYMENT_SERVICE_ID,
      account: deal,
      amountTo: amount,
      amountFrom: amount,
    });
    const paid = await call(w.app, agent.token, 'pay', body);
    assert.equal(paid.json.result, 0, paid.text);
    const transactionId = String(paid.json.transactionId);

    const { rows } = await w.ctx.pool.query<{ amount: bigint; txn_id: string }>(
      `SELECT amount, txn_id FROM lending.payments WHERE service = $1`,
      [PROCESSING_PAY_SERVICE],
    );
    assert.deepEqual(rows, [{ amount: 70_000n, txn_id: transactionId }]);
    const summary = await debtSummary(w.ctx.pool, deal);
    assert.equal(summary.totalDebt, debt - 70_000n);
    assert.deepEqual(
      summary.payments.map((p) => p.amount),
      [70_000n],
    );
    // The cabinet's PS/deal shows the payment.
    const ps = await w.app.inject({
      method: 'GET',
      url: `${BASE}/PS/deal/${encodeURIComponent(deal)}/${passport.replaceAll(' ', '')}`,
      headers: { authorization: basic('site') },
    });
    assert.equal(ps.statusCode, 200, ps.body);
    const psJson = ps.json() as {
      ОбщийДолгНаТекДату: number;
      Оплаты: { СуммаОплаты: number; НомерПриходника: string }[];
    };
    assert.deepEqual(
      psJson.Оплаты.map((p) => [p.СуммаОплаты, p.НомерПриходника]),
      [[700, summary.payments[0]!.number]],
    );
    assert.equal(psJson.ОбщийДолгНаТекДату, Number(formatRoubles(summary.totalDebt)));
    // The agent paid amountTo less its commission (0.50 %).
    const balance1 = (await getAccount(w.ctx.pool, agent.agent.accountId)).balance;
    assert.equal(balance0 - balance1, 70_000n - 350n);

    // The agent repeats its pay: the stored answer, nothing moves twice.
    const again = await call(w.app, agent.token, 'pay', body);
    assert.equal(again.json.result, 0);
    assert.equal(String(again.json.transactionId), transactionId);
    assert.equal((await debtSummary(w.ctx.pool, deal)).payments.length, 1);
    assert.equal((await getAccount(w.ctx.pool, agent.agent.accountId)).balance, balance1);
    const report = await verifyLedger(w.ctx.pool);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
  });

  it('the face’s refusals reach the agent: unknown deal 5, more than the debt 242, bad number format 4 (by the catalogue)', async () => {
    const deal = await loan(w.ctx);
    const debt = (await debtSummary(w.ctx.pool, deal)).totalDebt;
    const unknown = await call(
      w.app,
      agent.token,
      'pay',
      payBody({
        serviceId: REPAYMENT_SERVICE_ID,
        account: 'ТСК999999',
        amountTo: '10.00',
        amountFrom: '10.00',
      }),
    );
    assert.equal(unknown.json.result, 5, unknown.text);
    const tooMuch = formatRoubles(debt + 100n);
    const above = await call(
      w.app,
      agent.token,
      'pay',
      payBody({ serviceId: REPAYMENT_SERVICE_ID, account: deal, amountTo: tooMuch, amountFrom: tooMuch }),
    );
    assert.equal(above.json.result, 242, above.text);
    const bad = await call(
      w.app,
      agent.token,
      'check',
      payBody({ serviceId: REPAYMENT_SERVICE_ID, account: '12 34', amountTo: '10.00', amountFrom: '10.00' }),
    );
    assert.equal(bad.json.result, 4);
    assert.equal((await debtSummary(w.ctx.pool, deal)).payments.length, 0);
    assert.equal((await verifyLedger(w.ctx.pool)).ok, true);
  });
});

describe('mymfo: demo wiring of the processing centre', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
  });
  after(async () => {
    await db.close();
  });

  it('the seeder adds the credential, the service at this server’s own URL and a rouble agent, idempotently; development start re-points the port', async () => {
    await withTx(db.ctx.pool, (tx) => mymfoPaymentsSeeder.seed(tx, db.ctx));
    await withTx(db.ctx.pool, (tx) => mymfoPaymentsSeeder.seed(tx, db.ctx));
    const service = (await findService(db.ctx.pool, REPAYMENT_SERVICE_ID))!;
    assert.equal(service.currency, 'RUB');
    assert.equal(service.provider.url, `http://127.0.0.1:${db.ctx.config.port}/MeMFOWork/hs/Payment/KOPEK/`);
    assert.equal(service.provider.login, PROCESSING_LOGIN);
    const credential = (await findActiveCredential(db.ctx.pool, PROCESSING_LOGIN))!;
    assert.equal(credential.paymentService, PROCESSING_PAY_SERVICE);
    assert.equal(await verifyPassword(PROCESSING_PASSWORD, credential.passwordHash), true);
    assert.ok(new RegExp(service.inputs[0]!.regexp).test('ТСК000001'));
    const agent = await findAgent(db.ctx.pool, DEMO_RUB_AGENT_LOGIN);
    assert.equal(agent.currency, 'RUB');
    assert.equal((await getAccount(db.ctx.pool, agent.accountId)).balance, 100_000_000n);

    const dev = {
      ...db.ctx,
      config: { ...db.ctx.config, mode: 'development' as const, port: 18_123, host: '0.0.0.0' },
    };
    await startProcessingLink(dev);
    const moved = (await findService(db.ctx.pool, REPAYMENT_SERVICE_ID))!;
    assert.equal(moved.provider.url, 'http://127.0.0.1:18123/MeMFOWork/hs/Payment/KOPEK/');
    assert.equal(moved.provider.password, PROCESSING_PASSWORD);
  });
});
