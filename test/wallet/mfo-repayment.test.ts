import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { mymfoFace } from '../../src/faces/mymfo/face.ts';
import { walletFace } from '../../src/faces/wallet/face.ts';
import { getAccount, verifyLedger } from '../../src/ledger/index.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { addCredential } from '../../src/mymfo/credentials.ts';
import {
  PROCESSING_LOGIN,
  PROCESSING_PASSWORD,
  PROCESSING_PAY_SERVICE,
  REPAYMENT_SERVICE_ID,
  registerRepaymentService,
} from '../../src/mymfo/payments/processing-link.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { ensureWalletAgents } from '../../src/wallet/demo.ts';
import { STAFF } from '../lending/lending-fixtures.ts';
import { BASE, loan, basic as mfoBasic, type PaymentsWorld, paymentsWorld } from '../mymfo/payments-world.ts';
import { activeWallet, basic, call } from './helpers.ts';

/** The requirement: a wallet payment to the MFO's repayment service reaches the loan, with no code of its own. */
describe('wallet: paying a loan of the MFO through the processing centre', () => {
  let w: PaymentsWorld;
  before(async () => {
    w = await paymentsWorld([walletFace, mymfoFace]);
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
      await ensureWalletAgents(tx, w.ctx.config.walletAgentLogin);
    });
  });
  after(() => w.close());

  it('the deal number as the account: check shows the debt, pay repays the loan, PS/deal shows the payment', async () => {
    const passport = `45 12 ${String(Date.now() % 1_000_000).padStart(6, '0')}`;
    const deal = await loan(w.ctx, 1_000_000n, 10, passport);
    const debt = (await debtSummary(w.ctx.pool, deal)).totalDebt;
    const a = await activeWallet(w.ctx);
    const auth = basic(a.phone, a.password);

    const services = await call(w.app, 'GET', '/v1/services', { auth });
    const mfo = (services.json.data as { id: unknown; parameters: { code: string }[] }[]).find(
      (s) => s.id === REPAYMENT_SERVICE_ID,
    );
    assert.deepEqual(
      mfo?.parameters.map((p) => p.code),
      ['account'],
    );

    const created = await call(w.app, 'POST', '/v1/payments', {
      auth,
      body: {
        type: 'out',
        client_payment_id: randomUUID(),
        amount: 700,
        service: REPAYMENT_SERVICE_ID,
        parameters: { account: deal },
      },
    });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json.meta.next_action, 'get', 'the provider shows the debt first');
    const id = (created.json.data as { id: number }).id;
    const ready = await call(w.app, 'GET', `/v1/payments/${id}`, { auth });
    assert.equal(ready.json.meta.next_action, 'pay', ready.text);
    const shown = Object.fromEntries(
      (ready.json.meta.current_parameters as { code: string; value: string }[]).map((c) => [c.code, c.value]),
    );
    assert.equal(shown.deal, deal);
    assert.equal(Number(shown.debt) * 100, Number(debt));

    const paid = await call(w.app, 'POST', `/v1/payments/${id}/pay`, { auth });
    assert.equal(paid.status, 200, paid.text);
    assert.equal((paid.json.data as { status: string }).status, 'finished', paid.text);
    const summary = await debtSummary(w.ctx.pool, deal);
    assert.equal(summary.totalDebt, debt - 70_000n);
    assert.equal((await getAccount(w.ctx.pool, a.wallet.accountId)).balance, 1_000_000n - 70_000n);

    const ps = await w.app.inject({
      method: 'GET',
      url: `${BASE}/PS/deal/${encodeURIComponent(deal)}/${passport.replaceAll(' ', '')}`,
      headers: { authorization: mfoBasic('site') },
    });
    assert.equal(ps.statusCode, 200, ps.body);
    const psJson = ps.json() as { Оплаты: { СуммаОплаты: number }[] };
    assert.deepEqual(
      psJson.Оплаты.map((p) => p.СуммаОплаты),
      [700],
    );
    const report = await verifyLedger(w.ctx.pool);
    assert.equal(report.ok, true, JSON.stringify(report.problems));
  });
});
