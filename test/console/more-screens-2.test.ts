import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { upsertPartner, upsertPoint } from '../../src/broker/partners.ts';
import { adminFace } from '../../src/faces/admin/face.ts';
import { enqueue } from '../../src/jobs/queue.ts';
import { addDays, todayMoscow } from '../../src/lending/dates.ts';
import { getLoanState } from '../../src/lending/debt/loan-state.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { createAgent } from '../../src/processing/agents.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
import { getPerson, setPerson } from '../../src/wallet/person.ts';
import { createWallet } from '../../src/wallet/wallets.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { issuedLoan, STAFF, seedProducts } from '../lending/lending-fixtures.ts';
import { type Signed, signIn } from './helpers.ts';

/**
 * Further console screens through the admin API against a real database: rejecting a wallet
 * owner's data (audited, still `data_entered` for the wallet protocol, cleared by corrected
 * data), the loan products list and closing a business date by hand, the broker's partners and
 * points and a form's scans, the BNPL callback log and the undelivered agent webhooks; refusals
 * by role.
 */
describe('admin API: KYC rejection, products, close of business, partners, callbacks, webhooks', () => {
  let db: TestDatabase;
  let app: FaceApp;
  let admin: Signed;
  let accountant: Signed;
  let support: Signed;
  let underwriter: Signed;

  const get = (who: Signed, url: string) =>
    app.inject({ method: 'GET', url: `/admin/api${url}`, headers: who.headers });
  const post = (who: Signed, url: string, payload: unknown) =>
    app.inject({ method: 'POST', url: `/admin/api${url}`, headers: who.headers, payload: payload as object });

  before(async () => {
    db = await testDatabase();
    await withTx(db.ctx.pool, (tx) => staffSeeder.seed(tx, db.ctx));
    await seedProducts(db.ctx);
    app = await buildServer(db.ctx, [adminFace]);
    [admin, accountant, support, underwriter] = await Promise.all([
      signIn(app, 'admin'),
      signIn(app, 'accountant'),
      signIn(app, 'support'),
      signIn(app, 'underwriter'),
    ]);
  });

  after(async () => {
    await app?.close();
    await db?.close();
  });

  it('rejects a wallet owner’s data with a reason, once, audited; corrected data is back in the queue', async () => {
    const wallet = await createWallet(
      db.ctx,
      { phone: '+79260003344', password: 'wallet-pass' },
      { activate: true },
    );
    const person = {
      family_name: 'Отказов',
      given_name: 'Пётр',
      passport_series_number: '4512123456',
      passport_issued_at: '2015-03-01',
    };
    await setPerson(db.ctx, wallet, person);
    const url = `/wallet/wallets/${wallet.id}/reject`;
    assert.equal((await post(accountant, url, { reason: 'нечитаемо' })).statusCode, 403);
    const empty = await post(support, url, { reason: '' });
    assert.ok([400, 422].includes(empty.statusCode), empty.body);
    assert.ok(empty.json().error.message);
    assert.equal((await get(admin, '/wallet/wallets?kyc=rejected')).json().total, 0);

    const answers = await Promise.all(
      [1, 2, 3].map(() => post(support, url, { reason: 'фамилия не совпадает' })),
    );
    assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 409, 409]);
    const rejected = (await get(admin, '/wallet/wallets?kyc=rejected')).json();
    assert.equal(rejected.total, 1);
    assert.equal(rejected.items[0].kyc, 'rejected');
    assert.equal((await get(admin, '/wallet/wallets?kyc=data_entered')).json().total, 0);
    const { rows } = await db.ctx.pool.query(
      `SELECT actor_type, details->>'reason' AS reason FROM audit.log WHERE action = 'wallet.person.reject'`,
    );
    assert.deepEqual(rows, [{ actor_type: 'staff', reason: 'фамилия не совпадает' }]);

    // The wallet protocol still reads data_entered (it knows no rejected state), in production
    // and on a dev server alike: the dev server's automatic check leaves rejected data alone.
    const devMode = db.ctx.config.walletDevMode;
    try {
      for (const dev of [false, true]) {
        (db.ctx.config as { walletDevMode: boolean }).walletDevMode = dev;
        assert.equal((await getPerson(db.ctx, wallet)).status, 'data_entered', `dev mode ${dev}`);
      }
    } finally {
      (db.ctx.config as { walletDevMode: boolean }).walletDevMode = devMode;
    }

    // Corrected data clears the mark: waiting for verification again, and it can be verified.
    await setPerson(db.ctx, wallet, { ...person, family_name: 'Отказова' });
    assert.equal((await get(admin, '/wallet/wallets?kyc=data_entered')).json().total, 1);
    assert.equal((await post(support, `/wallet/wallets/${wallet.id}/verify`, {})).statusCode, 200);
    assert.equal((await post(support, url, { reason: 'поздно' })).statusCode, 409);
    assert.equal((await post(support, '/wallet/wallets/999999/reject', { reason: 'нет' })).statusCode, 409);
  });

  it('lists loan products for a reader', async () => {
    const res = await get(underwriter, '/lending/products');
    assert.equal(res.statusCode, 200, res.body);
    const items = res.json().items as {
      code: string;
      dailyRate: string;
      minAmount: string;
      active: boolean;
    }[];
    const pdl = items.find((p) => p.code === 'PDL30');
    assert.ok(pdl, JSON.stringify(items.map((p) => p.code)));
    assert.equal(pdl.dailyRate, '0.8');
    assert.match(pdl.minAmount, /^\d+\.\d{2}$/);
    assert.equal((await get(support, '/lending/products')).statusCode, 200);
  });

  it('closes a business date for an accountant, audited, once per date; refuses other roles and a running day', async () => {
    const issueDate = addDays(todayMoscow(), -10);
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_234_567n,
      termDays: 30,
      date: issueDate,
    });
    const day1 = addDays(issueDate, 1);
    assert.equal((await post(underwriter, '/lending/cob', { date: day1 })).statusCode, 403);
    assert.equal((await post(support, '/lending/cob', { date: day1 })).statusCode, 403);
    for (const date of ['2026-13-01', 'вчера', todayMoscow(), addDays(todayMoscow(), 1)]) {
      const bad = await post(accountant, '/lending/cob', { date });
      assert.ok([400, 422].includes(bad.statusCode), `${date}: ${bad.statusCode} ${bad.body}`);
      assert.ok(bad.json().error.message, date);
    }

    const first = await post(accountant, '/lending/cob', { date: day1 });
    assert.equal(first.statusCode, 200, first.body);
    const r = first.json();
    assert.equal(r.date, day1);
    assert.equal(r.deals, 1);
    assert.equal(r.interest, '98.77'); // 1 234 567 kopecks x 0.8 % x 1 day, rounded half up
    assert.equal((await getLoanState(db.ctx.pool, id))!.interestAccrued, 9_877n);

    const again = (await post(admin, '/lending/cob', { date: day1 })).json();
    assert.equal(again.deals, 0);
    assert.equal(again.interest, '0.00');
    assert.equal((await getLoanState(db.ctx.pool, id))!.interestAccrued, 9_877n);

    const audit = await db.ctx.pool.query(
      `SELECT actor_type, subject_id FROM audit.log WHERE action = 'lending.cob.run' ORDER BY id`,
    );
    assert.deepEqual(audit.rows, [
      { actor_type: 'staff', subject_id: day1 },
      { actor_type: 'staff', subject_id: day1 },
    ]);
  });

  it('lists broker partners with their points (no token hashes) and shows a form’s scans on its card', async () => {
    const formId = await withTx(db.ctx.pool, async (tx) => {
      const partnerId = await upsertPartner(tx, {
        guid: 'console-partner',
        name: 'Партнёр консоли',
        token: 'console-partner-secret-token',
        offerDeadlineMs: 5000,
      });
      const pointId = await upsertPoint(tx, {
        partnerId,
        code: 'shop-1',
        name: 'Магазин на Ленина',
        kind: 'pos_offline',
        users: [
          { code: 'op-1', name: 'Оператор 1' },
          { code: 'op-2', name: 'Оператор 2' },
        ],
      });
      await upsertPoint(tx, { partnerId, code: 'web', name: 'Сайт', kind: 'bnpl' });
      const form = await tx.query<{ id: bigint }>(
        `INSERT INTO broker.forms (guid, partner_id, point_id, external_id, kind, offline, request_hash, payload_enc,
           phone_enc, amount, status, offer_status, deadline_at)
         VALUES ('00000000-0000-4000-8000-000000000001', $1, $2, 'ext-1', 'pos', true, 'h', $3, $3, 3000000,
           'offer_confirmed', 'done', now()) RETURNING id`,
        [partnerId, pointId, db.ctx.cipher.encrypt('{}')],
      );
      const id = form.rows[0]!.id;
      await tx.query(
        `INSERT INTO broker.scans (form_id, type, status, decline_reason) VALUES
           ($1, 'passport_main', 'CONFIRMED', NULL), ($1, 'selfie', 'RESCAN_NEEDED', 'лицо не видно')`,
        [id],
      );
      return id;
    });
    assert.equal((await get(accountant, '/broker/partners')).statusCode, 403);
    const res = await get(support, '/broker/partners');
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(!res.body.includes('token') && !res.body.includes('console-partner-secret-token'));
    const partner = res.json().items.find((p: { guid: string }) => p.guid === 'console-partner');
    assert.ok(partner, res.body);
    assert.equal(partner.offerDeadlineMs, 5000);
    assert.deepEqual(
      partner.points.map((p: { code: string; kind: string; users: number }) => [p.code, p.kind, p.users]),
      [
        ['shop-1', 'pos_offline', 2],
        ['web', 'bnpl', 0],
      ],
    );

    const card = (await get(underwriter, `/broker/forms/${formId}`)).json();
    assert.deepEqual(
      card.scans.map((x: { type: string; status: string; declineReason: string | null }) => [
        x.type,
        x.status,
        x.declineReason,
      ]),
      [
        ['passport_main', 'CONFIRMED', null],
        ['selfie', 'RESCAN_NEEDED', 'лицо не видно'],
      ],
    );
  });

  it('lists BNPL callbacks by delivery status and the agent webhooks still in the queue', async () => {
    await withTx(db.ctx.pool, async (tx) => {
      const m = await tx.query<{ id: bigint }>(
        `INSERT INTO bnpl.merchants (code, name, token_hash, callback_secret_enc)
         VALUES ('log-shop', 'Магазин журнала', 'hash-log-shop', $1) RETURNING id`,
        [db.ctx.cipher.encrypt('secret')],
      );
      const session = await tx.query<{ id: bigint }>(
        `INSERT INTO bnpl.sessions (merchant_id, order_id, request_hash, request_enc, frame_token, amount, state, step,
           web_mode, success_callback_url, failure_callback_url, redirect_url, refunded_total)
         VALUES ($1, 'order-log-1', 'h', $2, 'frame-log-1', 500000, 'voided', 'done', 'iframe',
           'https://shop.example/ok', 'https://shop.example/fail', 'https://shop.example/back', 0) RETURNING id`,
        [m.rows[0]!.id, db.ctx.cipher.encrypt('{}')],
      );
      await tx.query(
        `INSERT INTO bnpl.callbacks (session_id, kind, url, body, status, attempts, last_http_status, last_error, delivered_at)
         VALUES ($1, 'success', 'https://shop.example/ok', '{"secret":"body"}', 'delivered', 1, 200, NULL, now()),
                ($1, 'failure', 'https://shop.example/fail', '{"secret":"body"}', 'failed', 12, 503, 'HTTP 503', NULL)`,
        [session.rows[0]!.id],
      );
      const agent = await createAgent(
        tx,
        { login: 'low-agent', name: 'Агент с порогом', currency: 'RUB' },
        STAFF,
      );
      await enqueue(tx, 'processing:balance_notification', {
        agentId: agent.id,
        available: 99_950n,
        notification: 100_000n,
        at: '2026-11-23T10:00:00.000Z',
      });
    });
    assert.equal((await get(accountant, '/messages/callbacks')).statusCode, 403);
    const all = await get(underwriter, '/messages/callbacks');
    assert.equal(all.statusCode, 200, all.body);
    assert.equal(all.json().total, 2);
    assert.ok(!all.body.includes('secret'), 'callback bodies are not shown');
    const failed = (await get(underwriter, '/messages/callbacks?status=failed')).json();
    assert.equal(failed.total, 1);
    assert.equal(failed.items[0].merchant, 'log-shop');
    assert.equal(failed.items[0].lastHttpStatus, 503);
    assert.equal((await get(underwriter, '/messages/callbacks?status=lost')).statusCode, 422);

    assert.equal((await get(accountant, '/messages/webhooks')).statusCode, 403);
    const hooks = await get(support, '/messages/webhooks');
    assert.equal(hooks.statusCode, 200, hooks.body);
    const [hook] = hooks.json().items;
    assert.equal(hook.agent, 'low-agent');
    assert.equal(hook.available, '999.50');
    assert.equal(hook.notification, '1000.00');
    assert.equal(hook.state, 'queued');
    assert.equal(hook.attempts, 0);
  });
});
