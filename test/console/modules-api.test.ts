import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { upsertPartner } from '../../src/broker/partners.ts';
import { adminFace } from '../../src/faces/admin/face.ts';
import { createApplication } from '../../src/lending/deals/applications.ts';
import { signDeal } from '../../src/lending/deals/decisions.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { createAgent } from '../../src/processing/agents.ts';
import { createToken } from '../../src/processing/credentials.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
import { setPerson } from '../../src/wallet/person.ts';
import { createWallet } from '../../src/wallet/wallets.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { clientInput, STAFF, seedProducts } from '../lending/lending-fixtures.ts';
import { type Signed, signIn } from './helpers.ts';

/**
 * The module screens' admin API against a real database: deal search by every key, the deal
 * card's actions (decide, issue, repay with the schedule changing, reverse), the audited
 * passport view, agent tokens, broker registries, the SMS outboxes, and refusals by role.
 */
describe('admin API: module screens', () => {
  let db: TestDatabase;
  let app: FaceApp;
  let admin: Signed;
  let dealNumber = '';
  let clientId = '';
  let agentId = 0n;
  let tokenId = 0n;
  let registryId = 0n;
  const PASSPORT = '45 10 987654';
  const PHONE = '89115551234';

  const get = (who: Signed, url: string) =>
    app.inject({ method: 'GET', url: `/admin/api${url}`, headers: who.headers });
  const post = (who: Signed, url: string, payload: unknown) =>
    app.inject({ method: 'POST', url: `/admin/api${url}`, headers: who.headers, payload: payload as object });

  before(async () => {
    db = await testDatabase();
    await withTx(db.ctx.pool, (tx) => staffSeeder.seed(tx, db.ctx));
    await seedProducts(db.ctx);
    const deal = await withTx(db.ctx.pool, async (tx) => {
      const made = await createApplication(
        tx,
        db.ctx.cipher,
        {
          client: clientInput({ lastName: 'Поисков', firstName: 'Пётр', passport: PASSPORT, phone: PHONE }),
          amount: 1_000_000n,
          termDays: 20,
          autoScore: false,
        },
        STAFF,
      );
      for (let i = 0; i < 3; i++)
        await createApplication(
          tx,
          db.ctx.cipher,
          { client: clientInput(), amount: 500_000n, termDays: 15, autoScore: false },
          STAFF,
        );
      return made.deal;
    });
    dealNumber = deal.number;
    clientId = String(deal.clientId);
    await withTx(db.ctx.pool, async (tx) => {
      const agent = await createAgent(
        tx,
        { login: 'console-agent', name: 'Агент консоли', currency: 'RUB' },
        STAFF,
      );
      agentId = agent.id;
      tokenId = (await createToken(tx, agent, STAFF, { token: 'console-agent-token-1' })).id;
      const partner = await upsertPartner(tx, {
        guid: 'console-partner',
        name: 'Партнёр консоли',
        token: 'p-token-1',
      });
      const reg = await tx.query<{ id: bigint }>(
        `INSERT INTO broker.registries (business_date, owner_type, owner_id, format, file_name, rows, content)
         VALUES ('2026-11-20', 'partner', $1, 'csv', 'реестр-2026-11-20.csv', 1, $2) RETURNING id`,
        [partner, Buffer.from('\uFEFFНомер;Сумма\r\n1;100.00\r\n')],
      );
      registryId = reg.rows[0]!.id;
      await tx.query(
        `INSERT INTO notify.sms_outbox (module, subject_id, purpose, phone_enc, phone_masked, text_enc)
         VALUES ('mymfo', $1, 'cabinet_password', $2, '+7 *** ***-12-34', $3)`,
        [deal.clientId, db.ctx.cipher.encrypt(PHONE), db.ctx.cipher.encrypt('пароль 123456')],
      );
    });
    app = await buildServer(db.ctx, [adminFace]);
    admin = await signIn(app, 'admin');
  });

  after(async () => {
    await app?.close();
    await db?.close();
  });

  it('finds a deal by number prefix, client name, phone and passport (by its keyed hash)', async () => {
    const prefix = dealNumber.slice(0, -1);
    for (const q of [
      dealNumber,
      prefix,
      'поиСКов',
      'поисков  пётр',
      PHONE,
      '+7 (911) 555-12-34',
      PASSPORT,
      '4510987654',
    ]) {
      const res = await get(admin, `/lending/deals?q=${encodeURIComponent(q)}`);
      assert.equal(res.statusCode, 200, q);
      const numbers = res.json().items.map((d: { number: string }) => d.number);
      assert.ok(numbers.includes(dealNumber), `${q}: ${numbers.join(',')}`);
      if (q !== prefix) assert.equal(numbers.length, 1, `${q} matches one deal`);
    }
    const none = await get(admin, `/lending/deals?q=${encodeURIComponent('45 10 000001')}`);
    assert.equal(none.json().total, 0);
    const item = (await get(admin, `/lending/deals?q=${dealNumber}`)).json().items[0];
    assert.equal(item.phone, '***1234', 'phones are masked in lists');
    const byStatus = (await get(admin, '/lending/deals?status=Новый&sort=-amount')).json();
    assert.equal(byStatus.total, 4);
    assert.deepEqual(
      byStatus.items.map((d: { amount: string }) => d.amount),
      ['10000.00', '5000.00', '5000.00', '5000.00'],
    );
    const bad = await get(admin, '/lending/deals?sort=passport');
    assert.equal(bad.statusCode, 422);
  });

  it('shows a deal card without the passport, and the passport only to a role allowed, audited', async () => {
    const card = (await get(admin, `/lending/deals/${encodeURIComponent(dealNumber)}`)).json();
    assert.equal(card.deal.status, 'Новый');
    assert.equal(card.client.passportMasked, '45 10 ******');
    assert.ok(!JSON.stringify(card).includes('987654'));
    assert.deepEqual(card.actions, ['approve', 'decline', 'review']);
    const support = await signIn(app, 'support');
    const refused = await get(support, `/lending/clients/${clientId}/passport`);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'auth.forbidden');
    const shown = await get(admin, `/lending/clients/${clientId}/passport`);
    assert.equal(shown.statusCode, 200);
    assert.equal(shown.json().passport.replace(/\s/g, ''), '4510987654');
    const { rows } = await db.ctx.pool.query(
      `SELECT actor_type, subject_id FROM audit.log WHERE action = 'lending.client.passport_view'`,
    );
    assert.deepEqual(rows, [{ actor_type: 'staff', subject_id: clientId }]);
  });

  it('approves with a reason, issues, registers a payment that changes the debt, reverses it', async () => {
    const url = `/lending/deals/${encodeURIComponent(dealNumber)}`;
    const noReason = await post(admin, `${url}/decision`, { decision: 'approve', reason: '' });
    assert.equal(noReason.statusCode, 422);
    const approved = await post(admin, `${url}/decision`, {
      decision: 'approve',
      reason: 'доход подтверждён',
    });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(approved.json().deal.status, 'Одобрен');
    assert.equal(approved.json().history.at(-1).reason, 'доход подтверждён');
    // The client signs on the site (ASP code): outside the console.
    const dealId = BigInt(approved.json().deal.id);
    await withTx(db.ctx.pool, (tx) => signDeal(tx, dealId, 'asp:test', STAFF));
    const early = await post(admin, `${url}/payments`, { amount: '100.00', service: 'cash', txnId: 'x-0' });
    assert.equal(early.statusCode, 409, 'no payment before issue');
    const issued = await post(admin, `${url}/issue`, { method: 'external', ref: 'КАССА-7' });
    assert.equal(issued.statusCode, 200, issued.body);
    assert.equal(issued.json().deal.status, 'Выдан');
    assert.ok(issued.json().debt);
    const before = issued.json();
    const paid = await post(admin, `${url}/payments`, {
      amount: '3000.00',
      service: 'cash-desk',
      txnId: 'console-1',
    });
    assert.equal(paid.statusCode, 200, paid.body);
    const after = paid.json();
    assert.equal(after.payments.length, 1);
    assert.notEqual(after.debt.totalDebt, before.debt.totalDebt);
    assert.ok(after.actions.includes('reverse'));
    const again = await post(admin, `${url}/payments`, {
      amount: '3000.00',
      service: 'cash-desk',
      txnId: 'console-1',
    });
    assert.equal(again.json().payments.length, 1, 'a retry returns the first payment');
    const other = await post(admin, `${url}/payments`, {
      amount: '10.00',
      service: 'cash-desk',
      txnId: 'console-1',
    });
    assert.equal(other.statusCode, 409);
    const collector = await signIn(app, 'collector');
    const notAllowed = await post(collector, `${url}/payments/${after.payments[0].number}/reverse`, {
      reason: 'ошибка',
    });
    assert.equal(notAllowed.statusCode, 403);
    const reversed = await post(
      admin,
      `${url}/payments/${encodeURIComponent(after.payments[0].number)}/reverse`,
      {
        reason: 'зачислен не на тот договор',
      },
    );
    assert.equal(reversed.statusCode, 200, reversed.body);
    assert.equal(reversed.json().payments[0].reversed, true);
    assert.equal(reversed.json().debt.principalLeft, before.debt.principalLeft);
  });

  it('refuses a role without the right before touching the deal', async () => {
    const support = await signIn(app, 'support');
    const res = await post(support, `/lending/deals/${encodeURIComponent(dealNumber)}/decision`, {
      decision: 'decline',
      reason: 'x',
    });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'auth.forbidden');
    const collector = await signIn(app, 'collector');
    assert.equal((await get(collector, '/processing/agents')).statusCode, 403);
  });

  it('lists agents with their ledger balance and confirms, then revokes, a token', async () => {
    const list = (await get(admin, '/processing/agents?q=console')).json();
    assert.equal(list.total, 1);
    assert.equal(list.items[0].balance, '0.00');
    assert.equal(list.items[0].tokens, 1);
    const support = await signIn(app, 'support');
    const refused = await post(support, `/processing/agents/${agentId}/tokens/${tokenId}`, {
      action: 'confirm',
    });
    assert.equal(refused.statusCode, 403);
    const confirmed = await post(admin, `/processing/agents/${agentId}/tokens/${tokenId}`, {
      action: 'confirm',
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal(confirmed.json().tokens[0].status, 'confirmed');
    const twice = await post(admin, `/processing/agents/${agentId}/tokens/${tokenId}`, { action: 'confirm' });
    assert.equal(twice.statusCode, 409);
    const revoked = await post(admin, `/processing/agents/${agentId}/tokens/${tokenId}`, {
      action: 'revoke',
    });
    assert.equal(revoked.json().tokens[0].status, 'revoked');
    assert.equal((await get(admin, '/processing/payments?final=true')).statusCode, 200);
  });

  it('lists broker registries and downloads one, audited', async () => {
    const list = (await get(admin, '/broker/registries?date=2026-11-20')).json();
    assert.equal(list.total, 1);
    assert.equal(list.items[0].owner, 'Партнёр консоли');
    const file = await get(admin, `/broker/registries/${registryId}/file`);
    assert.equal(file.statusCode, 200);
    assert.match(String(file.headers['content-disposition']), /attachment/);
    assert.match(file.body, /1;100\.00/);
    const { rows } = await db.ctx.pool.query(
      `SELECT 1 FROM audit.log WHERE action = 'broker.registry.download'`,
    );
    assert.equal(rows.length, 1);
    assert.equal((await get(admin, '/broker/forms')).json().total, 0);
  });

  it('shows the SMS outboxes with masked phones and no texts', async () => {
    const res = await get(admin, '/messages/sms');
    assert.equal(res.statusCode, 200);
    const { items } = res.json();
    assert.equal(items.length, 1);
    assert.equal(items[0].module, 'mymfo');
    assert.equal(items[0].outbox, 'mymfo', 'the old field stays');
    assert.ok(!res.body.includes('123456') && !res.body.includes('5551234'));
    // One list filtered by module (the old `outbox` parameter still works), and its CSV.
    assert.equal((await get(admin, '/messages/sms?module=mymfo')).json().total, 1);
    assert.equal((await get(admin, '/messages/sms?module=broker')).json().total, 0);
    assert.equal((await get(admin, '/messages/sms?outbox=bnpl')).json().total, 0);
    assert.equal((await get(admin, '/messages/sms?module=sms')).statusCode, 422);
    const csv = await get(admin, '/messages/sms.csv?module=mymfo');
    assert.equal(csv.statusCode, 200);
    // A cell starting with + is quoted against spreadsheet formulas.
    assert.match(csv.body, /mymfo;cabinet_password;'\+7 \*\*\* \*\*\*-12-34;queued;0;/);
    assert.ok(!csv.body.includes('123456'), 'no texts in the CSV');
    const accountant = await signIn(app, 'accountant');
    assert.equal((await get(accountant, '/messages/sms')).statusCode, 403);
  });

  it('lists wallets by KYC state and verifies one, refusing a second verification and a role without the right', async () => {
    const wallet = await createWallet(
      db.ctx,
      { phone: '+79260001122', password: 'wallet-pass' },
      { activate: true },
    );
    await setPerson(db.ctx, wallet, {
      family_name: 'Кошельков',
      given_name: 'Иван',
      passport_series_number: '4512123456',
      passport_issued_at: '2015-03-01',
    });
    const queue = (await get(admin, '/wallet/wallets?kyc=data_entered')).json();
    assert.equal(queue.total, 1);
    assert.equal(queue.items[0].phone, '***1122');
    assert.equal(queue.items[0].name, 'Кошельков Иван');
    const accountant = await signIn(app, 'accountant');
    const refused = await post(accountant, `/wallet/wallets/${wallet.id}/verify`, {});
    assert.equal(refused.statusCode, 403);
    const support = await signIn(app, 'support');
    const verified = await post(support, `/wallet/wallets/${wallet.id}/verify`, {});
    assert.equal(verified.statusCode, 200, verified.body);
    assert.equal((await get(admin, '/wallet/wallets?kyc=data_entered')).json().total, 0);
    assert.equal((await get(admin, '/wallet/wallets?kyc=data_verified')).json().total, 1);
    const again = await post(support, `/wallet/wallets/${wallet.id}/verify`, {});
    assert.equal(again.statusCode, 409);
    const { rows } = await db.ctx.pool.query(
      `SELECT actor_type FROM audit.log WHERE action = 'wallet.person.verify'`,
    );
    assert.deepEqual(rows, [{ actor_type: 'staff' }]);
    assert.equal((await get(admin, '/bnpl/sessions')).statusCode, 200);
    assert.equal((await get(admin, '/bnpl/sessions/999')).statusCode, 404);
  });

  it('draws the lending widgets on the dashboard', async () => {
    const res = await get(admin, '/dashboard?refresh=1');
    const ids = res.json().widgets.map((w: { id: string }) => w.id);
    for (const id of [
      'lending.portfolio',
      'lending.deals_by_status',
      'processing.per_minute',
      'broker.forms_today',
    ])
      assert.ok(ids.includes(id), id);
    const byStatus = res.json().widgets.find((w: { id: string }) => w.id === 'lending.deals_by_status');
    assert.equal(
      byStatus.series[0].values.reduce((s: number, v: string) => s + Number(v), 0),
      4,
    );
  });
});
