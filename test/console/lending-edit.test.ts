import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { adminFace } from '../../src/faces/admin/face.ts';
import { getAccount, verifyLedger } from '../../src/ledger/index.ts';
import { startLendingCardPayout } from '../../src/lending/card-payout-demo.ts';
import { createApplication } from '../../src/lending/deals/applications.ts';
import { decideDeal, signDeal } from '../../src/lending/deals/decisions.ts';
import { clientBalanceAccount } from '../../src/lending/deals/ledger-accounts.ts';
import { getDeal } from '../../src/lending/deals/repository.ts';
import {
  type CardPayoutSimulator,
  startCardPayoutSimulator,
} from '../../src/lending/issue/card-payout-simulator.ts';
import { cardPayoutGateway } from '../../src/lending/issue/configured-gateway.ts';
import { getProduct } from '../../src/lending/products/repository.ts';
import { repay } from '../../src/lending/repayments/repay.ts';
import { attachCard } from '../../src/mymfo/cards.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { clientInput, issuedLoan, STAFF, seedProducts } from '../lending/lending-fixtures.ts';
import { type Signed, signIn } from './helpers.ts';

/**
 * Lending from the console through the admin API against a real database: products created and
 * edited within the caps (out-of-cap values refused with the module's Russian message, pricing
 * fields of a product deals use fixed, permission, audit), and card payouts through the HTTP
 * adapter against the loopback simulator (issue, refund of money left on account, a declined
 * card, no final answer leaving the payout pending, no service configured).
 */
describe('admin API: products editing and card payouts', () => {
  let db: TestDatabase;
  let app: FaceApp;
  let admin: Signed;
  let accountant: Signed;
  let underwriter: Signed;
  let sim: CardPayoutSimulator;

  const post = (who: Signed, url: string, payload: unknown) =>
    app.inject({ method: 'POST', url: `/admin/api${url}`, headers: who.headers, payload: payload as object });
  const patch = (who: Signed, url: string, payload: unknown) =>
    app.inject({
      method: 'PATCH',
      url: `/admin/api${url}`,
      headers: who.headers,
      payload: payload as object,
    });
  const audits = async (action: string, subject: string) =>
    (
      await db.ctx.pool.query<{ actor_type: string; actor_id: string; details: Record<string, unknown> }>(
        'SELECT actor_type, actor_id, details FROM audit.log WHERE action = $1 AND subject_id = $2 ORDER BY id',
        [action, subject],
      )
    ).rows;

  const product = (overrides: Record<string, unknown> = {}) => ({
    code: 'CONSOLE30',
    name: 'Займ из консоли',
    kind: 'single',
    period: null,
    minAmount: '1000',
    maxAmount: '30000.00',
    maxAmountNew: '15000',
    maxAmountRepeat: '30000',
    minTermDays: 7,
    maxTermDays: 30,
    dailyRate: '0.8',
    penaltyRateYear: '20',
    pskCategory: 'до 30 дней до 30 тыс. руб. без обеспечения',
    interestAfterTerm: true,
    active: true,
    ...overrides,
  });

  /** A signed deal of a client with one attached card (token ending as given). */
  const signedWithCard = async (token: string) =>
    withTx(db.ctx.pool, async (tx) => {
      const { deal } = await createApplication(
        tx,
        db.ctx.cipher,
        { client: clientInput(), product: 'PDL30', amount: 1_000_000n, termDays: 30 },
        STAFF,
      );
      if (deal.status !== 'Одобрен') await decideDeal(tx, deal.id, 'approve', 'проверено', STAFF);
      await signDeal(tx, deal.id, 'asp:test', STAFF);
      return deal;
    }).then(async (deal) => {
      const card = await attachCard(
        db.ctx,
        { clientId: deal.clientId },
        {
          token,
          number: `427600******${token.slice(-4)}`,
          holder: 'TEST TESTOV',
          validity: '122030',
          service: 'sim',
        },
        STAFF,
      );
      return { deal, cardId: String(card.id) };
    });

  before(async () => {
    db = await testDatabase();
    await withTx(db.ctx.pool, (tx) => staffSeeder.seed(tx, db.ctx));
    await seedProducts(db.ctx);
    sim = await startCardPayoutSimulator();
    app = await buildServer(db.ctx, [adminFace]);
    [admin, accountant, underwriter] = await Promise.all([
      signIn(app, 'admin'),
      signIn(app, 'accountant'),
      signIn(app, 'underwriter'),
    ]);
  });

  after(async () => {
    await app?.close();
    await sim?.close();
    await db?.close();
  });

  it('creates a product within the caps, audited with the staff member', async () => {
    const res = await post(admin, '/lending/products', product());
    assert.equal(res.statusCode, 200, res.body);
    const item = res.json();
    assert.equal(item.code, 'CONSOLE30');
    assert.equal(item.maxAmount, '30000.00');
    assert.equal(item.maxAmountNew, '15000.00');
    assert.equal((await getProduct(db.ctx.pool, 'CONSOLE30')).minAmount, 100_000n);
    const rows = await audits('lending.product.create', 'CONSOLE30');
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.actor_type, 'staff');
    const again = await post(admin, '/lending/products', product());
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'lending.product_exists');
  });

  it('refuses out-of-cap and inconsistent values with a Russian message, writing nothing', async () => {
    const rate = await post(admin, '/lending/products', product({ code: 'CONSOLE_HI', dailyRate: '0.9' }));
    assert.equal(rate.statusCode, 422, rate.body);
    assert.equal(rate.json().error.code, 'lending.cap.daily_rate');
    assert.match(rate.json().error.message, /ставка 0\.9% в день выше предельной 0\.8%/);
    const penalty = await post(
      admin,
      '/lending/products',
      product({ code: 'CONSOLE_PEN', penaltyRateYear: '25' }),
    );
    assert.equal(penalty.statusCode, 422);
    assert.match(penalty.json().error.message, /неустойка 25% годовых выше предельной 20%/);
    const amount = await post(
      admin,
      '/lending/products',
      product({ code: 'CONSOLE_AM', maxAmount: 'много' }),
    );
    assert.equal(amount.statusCode, 422);
    assert.match(amount.json().error.message, /максимальная сумма: рубли/);
    const ranges = await post(admin, '/lending/products', product({ code: 'CONSOLE_R', maxTermDays: 3 }));
    assert.equal(ranges.statusCode, 422);
    assert.match(ranges.json().error.message, /максимальный срок меньше минимального/);
    const edit = await patch(admin, '/lending/products/CONSOLE30', { dailyRate: '1' });
    assert.equal(edit.statusCode, 422);
    assert.equal((await getProduct(db.ctx.pool, 'CONSOLE30')).dailyRate, '0.8', 'refused edit not written');
    const { rows } = await db.ctx.pool.query(
      `SELECT 1 FROM lending.products WHERE code IN ('CONSOLE_HI', 'CONSOLE_PEN', 'CONSOLE_AM', 'CONSOLE_R')`,
    );
    assert.equal(rows.length, 0);
  });

  it('edits a product; a product with deals keeps its pricing, its other fields change', async () => {
    const free = await patch(admin, '/lending/products/CONSOLE30', { dailyRate: '0.5', name: 'Новое имя' });
    assert.equal(free.statusCode, 200, free.body);
    assert.equal(free.json().dailyRate, '0.5');
    assert.deepEqual((await audits('lending.product.update', 'CONSOLE30'))[0]!.details, {
      name: { from: 'Займ из консоли', to: 'Новое имя' },
      dailyRate: { from: '0.8', to: '0.5' },
    });

    await issuedLoan(db.ctx, { product: 'CONSOLE30', amount: 1_000_000n, termDays: 30, date: '2026-11-02' });
    const pricing = await patch(admin, '/lending/products/CONSOLE30', { dailyRate: '0.4' });
    assert.equal(pricing.statusCode, 409, pricing.body);
    assert.equal(pricing.json().error.code, 'lending.product_in_use');
    assert.match(pricing.json().error.message, /создайте новый продукт/);
    assert.equal((await getProduct(db.ctx.pool, 'CONSOLE30')).dailyRate, '0.5');
    const limits = await patch(admin, '/lending/products/CONSOLE30', {
      maxAmountNew: '20000',
      dailyRate: '0.5',
      active: false,
    });
    assert.equal(limits.statusCode, 200, limits.body);
    assert.equal(limits.json().maxAmountNew, '20000.00');
    assert.equal(limits.json().active, false);
  });

  it('refuses a role without lending.products.write', async () => {
    for (const who of [accountant, underwriter]) {
      const create = await post(who, '/lending/products', product({ code: 'CONSOLE_NO' }));
      assert.equal(create.statusCode, 403);
      assert.equal(create.json().error.code, 'auth.forbidden');
      assert.equal((await patch(who, '/lending/products/CONSOLE30', { name: 'x' })).statusCode, 403);
    }
    assert.equal((await getProduct(db.ctx.pool, 'CONSOLE30')).name, 'Новое имя');
  });

  it('without a configured payout service a card issue is refused and nothing is written', async () => {
    const { deal, cardId } = await signedWithCard('tok-nc-4242');
    const res = await post(accountant, `/lending/deals/${encodeURIComponent(deal.number)}/issue`, {
      method: 'card',
      card: cardId,
    });
    assert.equal(res.statusCode, 503, res.body);
    assert.equal(res.json().error.code, 'lending.payout_not_configured');
    assert.equal((await getDeal(db.ctx.pool, deal.id)).status, 'Подписан (дистанционно)');
  });

  it('issues to a card through the simulator: Выдан, masked card, ledger balanced, audited history', async () => {
    db.ctx.config.lendingCardPayoutUrl = sim.url.replace(/\/$/, '');
    const { deal, cardId } = await signedWithCard('tok-card-4242');
    const url = `/lending/deals/${encodeURIComponent(deal.number)}/issue`;
    const card0 = await app.inject({
      method: 'GET',
      url: `/admin/api${url.replace('/issue', '')}`,
      headers: accountant.headers,
    });
    assert.deepEqual(card0.json().cards, [{ id: cardId, masked: '427600******4242', holder: 'TEST TESTOV' }]);
    assert.ok(!card0.body.includes('tok-card-4242'), 'the token never leaves the server');
    assert.ok(card0.json().actions.includes('issue'));

    const res = await post(accountant, url, { method: 'card', card: cardId });
    assert.equal(res.statusCode, 200, res.body);
    const card = res.json();
    assert.equal(card.deal.status, 'Выдан');
    assert.equal(card.payouts.length, 1);
    assert.equal(card.payouts[0].status, 'done');
    assert.equal(card.payouts[0].card, '427600******4242');
    assert.match(card.payouts[0].ref, /^SIM-/);
    assert.ok(!res.body.includes('tok-card-4242'));
    assert.deepEqual(
      [...sim.paid.values()].filter((p) => p.deal === deal.number).map((p) => p.amount),
      [1_000_000n],
    );
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
    const { rows } = await db.ctx.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ledger.transfers WHERE idem_key = $1`,
      [`lending:issue:${deal.id}`],
    );
    assert.equal(rows[0]!.n, 1);
    const history = card.history as { to: string; actor: string }[];
    assert.ok(history.some((h) => h.to === 'Выдан' && h.actor.startsWith('staff:')));

    const foreign = await signedWithCard('tok-other-5555');
    const wrong = await post(accountant, `/lending/deals/${encodeURIComponent(foreign.deal.number)}/issue`, {
      method: 'card',
      card: cardId,
    });
    assert.equal(wrong.statusCode, 422, 'a card of another client is not used');
  });

  it('a declined card returns the deal to signed; no final answer leaves the payout pending', async () => {
    const declined = await signedWithCard('tok-bad-0000');
    const res = await post(accountant, `/lending/deals/${encodeURIComponent(declined.deal.number)}/issue`, {
      method: 'card',
      card: declined.cardId,
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().deal.status, 'Подписан (дистанционно)');
    assert.equal(res.json().payouts[0].status, 'failed');
    assert.match(res.json().payouts[0].error, /отклонена/);

    const down = createServer((_req, r) => {
      r.writeHead(502).end('bad gateway');
    });
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => down.close(() => resolve())));
    db.ctx.config.lendingCardPayoutUrl = `http://127.0.0.1:${(down.address() as AddressInfo).port}`;
    try {
      const pending = await signedWithCard('tok-wait-4343');
      const answer = await post(
        accountant,
        `/lending/deals/${encodeURIComponent(pending.deal.number)}/issue`,
        {
          method: 'card',
          card: pending.cardId,
        },
      );
      assert.equal(answer.statusCode, 200, answer.body);
      assert.equal(answer.json().deal.status, 'Ожидает списания с р/с');
      assert.equal(answer.json().payouts[0].status, 'pending');
      assert.equal(answer.json().actions.includes('issue'), false);
    } finally {
      db.ctx.config.lendingCardPayoutUrl = sim.url.replace(/\/$/, '');
    }
  });

  it('the demo companion installs the loopback simulator in development only', async () => {
    const log = { info: () => undefined } as unknown as typeof db.ctx.log;
    const config = { ...db.ctx.config, lendingCardPayoutUrl: undefined };
    assert.equal(await startLendingCardPayout({ ...db.ctx, log, config }), undefined, 'not in test mode');
    const dev = { ...db.ctx, log, config: { ...config, mode: 'development' as const } };
    assert.equal(
      await startLendingCardPayout({ ...dev, config: { ...dev.config, lendingCardPayoutUrl: sim.url } }),
      undefined,
      'a configured service wins',
    );
    const companion = await startLendingCardPayout(dev);
    assert.ok(companion);
    try {
      const answer = await cardPayoutGateway(config).payout({
        payoutId: 990_001n,
        dealNumber: 'DEMO-1',
        amount: 100n,
        cardToken: 'tok-demo-4242',
      });
      assert.equal(answer.ok, true);
    } finally {
      await companion.close();
    }
    assert.throws(() => cardPayoutGateway(config), /LENDING_CARD_PAYOUT_URL/);
  });

  it('refunds the money left on a paid-off loan to the client’s card', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 500_000n,
      termDays: 30,
      date: '2026-04-01',
    });
    await withTx(db.ctx.pool, (tx) =>
      repay(
        tx,
        { deal: id, amount: 530_000n, service: 'cash', txnId: 'console-refund-1', date: '2026-04-06' },
        STAFF,
      ),
    );
    const deal = await getDeal(db.ctx.pool, id);
    const card = await attachCard(
      db.ctx,
      { clientId: deal.clientId },
      {
        token: 'tok-ref-4747',
        number: '427600******4747',
        holder: 'TEST TESTOV',
        validity: '122030',
        service: 'sim',
      },
      STAFF,
    );
    const url = `/lending/deals/${encodeURIComponent(deal.number)}`;
    const before0 = await app.inject({ method: 'GET', url: `/admin/api${url}`, headers: accountant.headers });
    assert.ok(before0.json().actions.includes('refund'), before0.body);
    assert.equal(
      (await post(underwriter, `${url}/refund`, { card: String(card.id), reason: 'заявление' })).statusCode,
      403,
    );
    const res = await post(accountant, `${url}/refund`, {
      card: String(card.id),
      reason: 'заявление клиента',
    });
    assert.equal(res.statusCode, 200, res.body);
    const refund = res.json().payouts.find((p: { purpose: string }) => p.purpose === 'refund');
    assert.equal(refund.status, 'done');
    assert.equal(refund.amount, '100.00');
    assert.equal(refund.card, '427600******4747');
    assert.equal(res.json().actions.includes('refund'), false);
    const client = await clientBalanceAccount(db.ctx.pool, deal.clientId);
    assert.equal((await getAccount(db.ctx.pool, client.id)).balance, 0n);
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
    const again = await post(accountant, `${url}/refund`, { card: String(card.id), reason: 'ещё раз' });
    assert.equal(again.statusCode, 409);
    assert.match(again.json().error.message, /нет остатка/);
    const rows = await audits('lending.refund.start', String(id));
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.actor_type, 'staff');
  });
});
