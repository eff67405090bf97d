import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { upsertLender } from '../../src/broker/partners.ts';
import { adminFace } from '../../src/faces/admin/face.ts';
import { denimhubFace } from '../../src/faces/denimhub/face.ts';
import { hold, move, transfer } from '../../src/ledger/index.ts';
import { settlementAccount } from '../../src/ledger/system-accounts.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
import { rejectPerson } from '../../src/wallet/kyc-review.ts';
import { setPerson } from '../../src/wallet/person.ts';
import { createWallet } from '../../src/wallet/wallets.ts';
import { posForm } from '../broker/harness.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { type Signed, signIn } from './helpers.ts';

/**
 * The console's broker configuration and wallet payments through the admin API against a real
 * database: a partner and its point created from the console, whose token then works on the
 * partner API; refusals with their messages; permissions; audit records; double submits; the
 * wallet payments list (filters, sorting, CSV) and the wallet card behind its deep link.
 */
describe('admin API: broker partners and points, wallet payments', () => {
  let db: TestDatabase;
  let app: FaceApp;
  let admin: Signed;
  let support: Signed;
  let accountant: Signed;

  const get = (who: Signed, url: string) =>
    app.inject({ method: 'GET', url: `/admin/api${url}`, headers: who.headers });
  const send = (who: Signed, method: 'POST' | 'PATCH', url: string, payload: unknown) =>
    app.inject({ method, url: `/admin/api${url}`, headers: who.headers, payload: payload as object });
  const post = (who: Signed, url: string, payload: unknown) => send(who, 'POST', url, payload);
  const dp = async (method: string, token: string, body: Record<string, unknown>) => {
    const res = await app.inject({
      method: 'POST',
      url: `/dp/${method}`,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: JSON.stringify(body),
    });
    return {
      http: res.statusCode,
      ...(res.json() as { status: string; error_code?: number; data: Record<string, unknown> }),
    };
  };
  const auditRows = async (action: string) =>
    (
      await db.ctx.pool.query<{ actor_type: string; subject_id: string; details: Record<string, unknown> }>(
        'SELECT actor_type, subject_id, details FROM audit.log WHERE action = $1 ORDER BY id',
        [action],
      )
    ).rows;

  before(async () => {
    db = await testDatabase();
    await withTx(db.ctx.pool, (tx) => staffSeeder.seed(tx, db.ctx));
    app = await buildServer(db.ctx, [adminFace, denimhubFace]);
    [admin, support, accountant] = await Promise.all([
      signIn(app, 'admin'),
      signIn(app, 'support'),
      signIn(app, 'accountant'),
    ]);
  });

  after(async () => {
    await app?.close();
    await db?.close();
  });

  it('creates a partner and a point whose token then files a form on the partner API', async () => {
    const key = randomUUID();
    const body = { guid: 'shop-42', name: 'Магазин «Техника»', offerDeadlineMs: 5000, key };
    // A double click: two requests of the same form at once create one partner, one token.
    const [a, b] = await Promise.all([
      post(admin, '/broker/partners', body),
      post(admin, '/broker/partners', body),
    ]);
    assert.deepEqual([a.statusCode, b.statusCode], [200, 200], `${a.body} ${b.body}`);
    const answers = [a.json(), b.json()];
    const first = answers.find((x) => x.created)!;
    const repeat = answers.find((x) => !x.created)!;
    assert.ok(first && repeat, JSON.stringify(answers));
    assert.match(first.token, /^[A-Za-z0-9_-]{40,}$/);
    assert.equal(repeat.token, null);
    assert.equal(repeat.card.partner.id, first.card.partner.id);
    const partnerId = first.card.partner.id as string;
    const stored = await db.ctx.pool.query<{ token_hash: string }>(
      'SELECT token_hash FROM broker.partners WHERE guid = $1',
      ['shop-42'],
    );
    assert.equal(stored.rows.length, 1);
    assert.notEqual(stored.rows[0]!.token_hash, first.token, 'the token is stored hashed');
    const created = await auditRows('broker.partner.create');
    assert.equal(created.length, 1);
    assert.equal(created[0]!.actor_type, 'staff');
    assert.equal(created[0]!.subject_id, partnerId);
    assert.ok(!JSON.stringify(created).includes(first.token), 'the token never reaches the audit log');

    // Another form with a taken guid is a conflict, not a silent token rotation.
    const taken = await post(admin, '/broker/partners', { ...body, key: randomUUID() });
    assert.equal(taken.statusCode, 409, taken.body);
    assert.equal(taken.json().error.code, 'broker.partner_exists');

    // A point with an operator; the same form twice (parallel) is one point.
    const point = {
      code: 'store-1',
      name: 'г. Москва, ул. Тверская, 7',
      kind: 'pos_online',
      users: [{ code: 'op-1', name: 'Петрова Анна Сергеевна' }],
    };
    const points = await Promise.all([
      post(admin, `/broker/partners/${partnerId}/points`, point),
      post(admin, `/broker/partners/${partnerId}/points`, point),
    ]);
    assert.deepEqual(
      points.map((p) => p.statusCode),
      [200, 200],
      points.map((p) => p.body).join(' '),
    );
    const card = points[1]!.json();
    assert.equal(card.points.length, 1);
    assert.deepEqual(card.points[0].users, [{ code: 'op-1', name: 'Петрова Анна Сергеевна' }]);
    assert.equal((await auditRows('broker.point.create')).length, 1);
    const other = await post(admin, `/broker/partners/${partnerId}/points`, { ...point, kind: 'bnpl' });
    assert.equal(other.statusCode, 409, other.body);
    assert.equal(other.json().error.code, 'broker.point_exists');

    // The token works for create_form at that point (no lender routed: accepted, closed at once).
    const form = await dp('create_form', first.token, posForm('shop-42', 'store-1'));
    assert.equal(form.status, 'success', JSON.stringify(form));
    assert.ok(form.data.form_guid);
    // An operator the point does not know is refused by the partner API.
    const stranger = await dp(
      'create_form',
      first.token,
      posForm('shop-42', 'store-1', { point_user_code: 'op-9' }),
    );
    assert.equal(stranger.error_code, 2000, JSON.stringify(stranger));
    // Registering the operator from the console lets it file forms.
    const op = await post(admin, `/broker/points/${card.points[0].id}/users`, {
      code: 'op-9',
      name: 'Сидоров Олег',
    });
    assert.equal(op.statusCode, 200, op.body);
    const withOp = await dp(
      'create_form',
      first.token,
      posForm('shop-42', 'store-1', { point_user_code: 'op-9' }),
    );
    assert.equal(withOp.status, 'success', JSON.stringify(withOp));

    // A deactivated point takes no new forms; a new token replaces the old one at once.
    const off = await send(admin, 'PATCH', `/broker/points/${card.points[0].id}`, { active: false });
    assert.equal(off.statusCode, 200, off.body);
    assert.equal(off.json().points[0].active, false);
    const closed = await dp('create_form', first.token, posForm('shop-42', 'store-1'));
    assert.equal(closed.error_code, 2000, JSON.stringify(closed));
    await send(admin, 'PATCH', `/broker/points/${card.points[0].id}`, { active: true });
    const rotateKey = randomUUID();
    const rotated = await post(admin, `/broker/partners/${partnerId}/token`, { key: rotateKey });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const newToken = rotated.json().token as string;
    assert.ok(newToken && newToken !== first.token);
    const again = await post(admin, `/broker/partners/${partnerId}/token`, { key: rotateKey });
    assert.equal(again.json().token, null, 'a repeat of the same rotation rotates nothing');
    assert.equal((await dp('create_form', first.token, posForm('shop-42', 'store-1'))).error_code, 1001);
    assert.equal((await dp('create_form', newToken, posForm('shop-42', 'store-1'))).status, 'success');

    // A deactivated partner is refused on the partner API.
    const partnerOff = await send(admin, 'PATCH', `/broker/partners/${partnerId}`, {
      active: false,
      name: 'Техника',
    });
    assert.equal(partnerOff.statusCode, 200, partnerOff.body);
    assert.equal(partnerOff.json().partner.name, 'Техника');
    assert.equal((await dp('create_form', newToken, posForm('shop-42', 'store-1'))).error_code, 1001);
    const updates = await auditRows('broker.partner.update');
    assert.deepEqual(updates.at(-1)!.details.changes, {
      active: { from: true, to: false },
      name: { from: 'Магазин «Техника»', to: 'Техника' },
    });
    assert.equal((await auditRows('broker.partner.token')).length, 1);
    assert.equal((await auditRows('broker.point.update')).length, 2);
    assert.equal((await auditRows('broker.point.user_set')).length, 1);

    // The partners list shows the partner and its point; the card is readable with broker.read.
    const list = (await get(support, '/broker/partners')).json();
    const listed = list.items.find((p: { guid: string }) => p.guid === 'shop-42');
    assert.equal(listed.points[0].users, 2);
    assert.equal((await get(support, `/broker/partners/${partnerId}`)).statusCode, 200);
    assert.equal((await get(support, '/broker/partners/999999')).statusCode, 404);
  });

  it('refuses invalid input with a message naming the field, and changes nothing', async () => {
    const before = await db.ctx.pool.query('SELECT count(*)::int AS n FROM broker.partners');
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ guid: 'плохой guid', name: 'X' }, /partner_guid/],
      [{ guid: 'ok-guid', name: '   ' }, /название партнёра/],
      [{ guid: 'ok-guid', name: 'X', offerDeadlineMs: 5 }, /срок сбора предложений/],
      [{ guid: 'ok-guid', name: 'X', registryUrl: 'ftp://x' }, /адрес для реестров/],
    ];
    for (const [body, message] of cases) {
      const res = await post(admin, '/broker/partners', { key: randomUUID(), ...body });
      assert.equal(res.statusCode, 422, `${JSON.stringify(body)}: ${res.body}`);
      assert.match(res.json().error.message, message);
    }
    const missing = await post(admin, '/broker/partners', { guid: 'x1' });
    assert.equal(missing.statusCode, 422, missing.body);
    assert.ok(missing.json().error.message);
    const after = await db.ctx.pool.query('SELECT count(*)::int AS n FROM broker.partners');
    assert.deepEqual(after.rows, before.rows);

    const created = await post(admin, '/broker/partners', {
      guid: 'valid-1',
      name: 'Валид',
      key: randomUUID(),
    });
    const id = created.json().card.partner.id;
    const badKind = await post(admin, `/broker/partners/${id}/points`, {
      code: 'p1',
      name: 'Точка',
      kind: 'shop',
    });
    assert.equal(badKind.statusCode, 422);
    assert.match(badKind.json().error.message, /вид точки/);
    const badUsers = await post(admin, `/broker/partners/${id}/points`, {
      code: 'p1',
      name: 'Точка',
      kind: 'pos_offline',
      users: [
        { code: 'u1', name: 'А' },
        { code: 'u1', name: 'Б' },
      ],
    });
    assert.equal(badUsers.statusCode, 422);
    assert.match(badUsers.json().error.message, /не должны повторяться/);
    assert.equal(
      (await db.ctx.pool.query('SELECT 1 FROM broker.points WHERE code = $1', ['p1'])).rowCount,
      0,
    );
    const noLender = await post(admin, `/broker/partners/${id}/routes`, {
      lender: 'nobody',
      kind: 'pos',
      enabled: true,
    });
    assert.equal(noLender.statusCode, 404);
    const badRoute = await post(admin, `/broker/partners/${id}/routes`, {
      lender: 'nobody',
      kind: 'cash',
      enabled: true,
    });
    assert.equal(badRoute.statusCode, 422);
    assert.equal((await send(admin, 'PATCH', '/broker/points/999999', { active: false })).statusCode, 404);
  });

  it('denies the changes to roles without broker.partners.write', async () => {
    const body = { guid: 'nope', name: 'Нет', key: randomUUID() };
    for (const who of [support, accountant]) {
      const res = await post(who, '/broker/partners', body);
      assert.equal(res.statusCode, 403, res.body);
      assert.equal(res.json().error.code, 'auth.forbidden');
      assert.match(res.json().error.message, /broker\.partners\.write/);
    }
    const { rows } = await db.ctx.pool.query<{ id: string }>(
      "SELECT id::text FROM broker.partners WHERE guid = 'shop-42'",
    );
    const id = rows[0]!.id;
    assert.equal((await send(support, 'PATCH', `/broker/partners/${id}`, { active: true })).statusCode, 403);
    assert.equal(
      (await post(support, `/broker/partners/${id}/token`, { key: randomUUID() })).statusCode,
      403,
    );
    assert.equal(
      (await post(support, `/broker/partners/${id}/points`, { code: 'x', name: 'x', kind: 'bnpl' }))
        .statusCode,
      403,
    );
    assert.equal((await get(accountant, `/broker/partners/${id}`)).statusCode, 403, 'no broker.read');
    assert.equal((await db.ctx.pool.query("SELECT 1 FROM broker.partners WHERE guid = 'nope'")).rowCount, 0);
  });

  it('routes a partner’s forms to a lender and back off, keeping the route’s mapping', async () => {
    await upsertLender(db.ctx.pool, db.ctx.cipher, {
      code: 'bank-x',
      name: 'Банк X',
      adapter: 'http',
      baseUrl: 'http://127.0.0.1:1',
      secret: 'bank-x-secret',
    });
    const { rows } = await db.ctx.pool.query<{ id: string }>(
      "SELECT id::text FROM broker.partners WHERE guid = 'valid-1'",
    );
    const id = rows[0]!.id;
    const on = await post(admin, `/broker/partners/${id}/routes`, {
      lender: 'bank-x',
      kind: 'pos',
      enabled: true,
    });
    assert.equal(on.statusCode, 200, on.body);
    assert.deepEqual(
      on.json().routes.find((r: { lender: string }) => r.lender === 'bank-x'),
      { lender: 'bank-x', lenderName: 'Банк X', lenderActive: true, pos: true, bnpl: null },
    );
    await db.ctx.pool.query(
      `UPDATE broker.routes SET mapping = '{"omit": ["email"]}' WHERE partner_id = $1`,
      [id],
    );
    const off = await post(admin, `/broker/partners/${id}/routes`, {
      lender: 'bank-x',
      kind: 'pos',
      enabled: false,
    });
    assert.equal(off.json().routes.find((r: { lender: string }) => r.lender === 'bank-x').pos, false);
    const route = await db.ctx.pool.query(
      'SELECT mapping, enabled FROM broker.routes WHERE partner_id = $1',
      [id],
    );
    assert.deepEqual(route.rows, [{ mapping: { omit: ['email'] }, enabled: false }]);
    assert.equal((await auditRows('broker.partner.route')).length, 2);
  });

  describe('wallet payments', () => {
    let walletA: bigint;
    let walletB: bigint;

    before(async () => {
      const a = await createWallet(
        db.ctx,
        { phone: '+79265550101', password: 'wallet-pass' },
        { activate: true },
      );
      const b = await createWallet(
        db.ctx,
        { phone: '+79265550202', password: 'wallet-pass' },
        { activate: true },
      );
      walletA = a.id;
      walletB = b.id;
      await withTx(db.ctx.pool, async (tx) => {
        const settlement = await settlementAccount(tx, 'RUB');
        await transfer(tx, {
          key: 'test:fund:a',
          kind: 'test.fund',
          entries: move(settlement.id, a.accountId, 500_000n),
        });
        await hold(tx, {
          key: 'test:hold:a',
          kind: 'wallet.pay',
          entries: move(a.accountId, a.outgoingAccountId, 12_345n),
          expiresAt: new Date(Date.now() + 3_600_000),
        });
      });
      await setPerson(db.ctx, a, {
        family_name: 'Кошельков',
        given_name: 'Иван',
        passport_series_number: '4512123456',
        passport_issued_at: '2015-03-01',
      });
      await rejectPerson(db.ctx, a.id, 'паспорт нечитаем', { type: 'staff', id: '1' });
      // Payments as the wallet module stores them: 3 of A over three days, 1 of B.
      await db.ctx.pool.query(
        `INSERT INTO wallet.payments (wallet_id, client_payment_id, request_hash, service_id, service_name, amount, fee,
                                      state, parameters, result, created_at)
         VALUES ($1, gen_random_uuid(), 'h', 'mts', 'МТС', 10000, 100, 'finished', '[]', 0, '2026-03-01T09:00:00Z'),
                ($1, gen_random_uuid(), 'h', 'beeline', 'Билайн', 30000, 0, 'canceled', '[]', 7, '2026-03-02T09:00:00Z'),
                ($2, gen_random_uuid(), 'h', 'mts', 'МТС', 5000, NULL, 'checking', '[]', NULL, '2026-03-02T12:00:00Z'),
                ($1, gen_random_uuid(), 'h', 'mts', 'МТС', 20000, 200, 'paying', '[]', NULL, '2026-03-03T09:00:00Z')`,
        [walletA, walletB],
      );
    });

    it('lists, filters, sorts and exports wallet payments', async () => {
      const all = (await get(support, '/wallet/payments')).json();
      assert.equal(all.total, 4);
      assert.deepEqual(
        all.items.map((p: { amount: string }) => p.amount),
        ['200.00', '50.00', '300.00', '100.00'],
        'newest id first',
      );
      assert.match(all.items[0].phone, /^\*\*\*\d{4}$/);
      const ofA = (await get(support, `/wallet/payments?wallet=${walletA}&sort=amount`)).json();
      assert.deepEqual(
        ofA.items.map((p: { amount: string }) => p.amount),
        ['100.00', '200.00', '300.00'],
      );
      const mts = (await get(support, '/wallet/payments?service=mts&sort=-createdAt')).json();
      assert.deepEqual(
        mts.items.map((p: { createdAt: string }) => p.createdAt),
        ['2026-03-03T09:00:00.000Z', '2026-03-02T12:00:00.000Z', '2026-03-01T09:00:00.000Z'],
      );
      assert.equal((await get(support, '/wallet/payments?state=canceled')).json().items[0].result, 7);
      // Moscow dates, inclusive: 2 March (Moscow) holds the two payments of that day.
      const day = (await get(support, '/wallet/payments?from=2026-03-02&to=2026-03-02')).json();
      assert.equal(day.total, 2);
      assert.equal((await get(support, '/wallet/payments?state=bogus')).statusCode, 422);
      assert.equal((await get(support, '/wallet/payments?sort=phone')).statusCode, 422);
      assert.equal((await get(admin, '/wallet/payments?wallet=x')).statusCode, 422);

      // CSV with the same filters; needs export.csv (support lacks it).
      assert.equal((await get(support, `/wallet/payments.csv?wallet=${walletA}`)).statusCode, 403);
      const csv = await get(admin, `/wallet/payments.csv?wallet=${walletA}&sort=amount`);
      assert.equal(csv.statusCode, 200, csv.body);
      const lines = csv.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      assert.equal(lines.length, 4);
      assert.match(lines[0]!, /^Платёж;Кошелёк;Телефон;Услуга/);
      assert.match(lines[1]!, /;МТС;100\.00;1\.00;finished;0;/);
      assert.ok(!csv.body.includes('79265550101'), 'phones are masked in the export');
      const exports = await auditRows('console.export');
      assert.equal(exports.at(-1)!.subject_id, '/wallet/payments');
    });

    it('shows a wallet card: balance, holds, KYC with the rejection reason, latest payments', async () => {
      const res = await get(support, `/wallet/wallets/${walletA}`);
      assert.equal(res.statusCode, 200, res.body);
      const card = res.json();
      // A dev server credits every new wallet with 10 000 roubles (docs/wallet.md).
      const dev = db.ctx.config.walletDevMode;
      assert.equal(card.balance, dev ? '15000.00' : '5000.00');
      assert.equal(card.holds, '123.45');
      assert.equal(card.available, dev ? '14876.55' : '4876.55');
      assert.deepEqual(
        { state: card.kyc.state, name: card.kyc.name, reason: card.kyc.rejectReason },
        { state: 'rejected', name: 'Кошельков Иван', reason: 'паспорт нечитаем' },
      );
      assert.equal(card.payments.total, 3);
      assert.deepEqual(
        card.payments.latest.map((p: { service: string; state: string }) => `${p.service}:${p.state}`),
        ['mts:paying', 'beeline:canceled', 'mts:finished'],
      );
      const b = (await get(support, `/wallet/wallets/${walletB}`)).json();
      assert.equal(b.kyc.state, null);
      assert.equal(b.payments.total, 1);
      assert.equal((await get(support, '/wallet/wallets/999999')).statusCode, 404);
      assert.equal((await get(support, '/wallet/wallets/abc')).statusCode, 422);
      // Underwriters and collectors see no wallets.
      const collector = await signIn(app, 'collector');
      assert.equal((await get(collector, `/wallet/wallets/${walletA}`)).statusCode, 403);
      assert.equal((await get(collector, '/wallet/payments')).statusCode, 403);
    });
  });
});
