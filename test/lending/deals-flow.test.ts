import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount, verifyLedger } from '../../src/ledger/index.ts';
import { findClientByPassport } from '../../src/lending/clients/repository.ts';
import { createApplication } from '../../src/lending/deals/applications.ts';
import { decideDeal, signDeal } from '../../src/lending/deals/decisions.ts';
import { listFiles } from '../../src/lending/deals/files.ts';
import { dealHistory, moveDeal } from '../../src/lending/deals/history.ts';
import { dealPrincipalAccount, orgBalance } from '../../src/lending/deals/ledger-accounts.ts';
import {
  dealsByPassport,
  getDeal,
  getSchedule,
  statusesByNumbers,
} from '../../src/lending/deals/repository.ts';
import { startCardPayoutSimulator } from '../../src/lending/issue/card-payout-simulator.ts';
import { createHttpCardPayoutGateway } from '../../src/lending/issue/http-card-gateway.ts';
import {
  completePayout,
  exportBankRegistry,
  issueToCard,
  registerExternalIssue,
  startPayout,
} from '../../src/lending/issue/issue.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { AppError } from '../../src/platform/errors.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { clientInput, STAFF, seedProducts } from './lending-fixtures.ts';

const TODAY = '2026-03-10';
const refused = (e: unknown) => e instanceof AppError && e.code === 'lending.transition_refused';

describe('lending deals: applications, scoring, transitions, issue', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
    await seedProducts(db.ctx);
  });
  after(async () => {
    await db.close();
  });

  const apply = (client: Parameters<typeof clientInput>[0], amount = 1_000_000n, termDays = 30) =>
    withTx(db.ctx.pool, (tx) =>
      createApplication(
        tx,
        db.ctx.cipher,
        { client: clientInput(client), product: 'PDL30', amount, termDays, today: TODAY },
        STAFF,
      ),
    );

  it('approves a clean adult first-time client automatically, numbers deals per organisation', async () => {
    const first = await apply({});
    const second = await apply({});
    assert.equal(first.scoring?.decision, 'approve');
    assert.equal(first.deal.status, 'Одобрен');
    assert.match(first.deal.number, /^ТСК\d{6}$/);
    assert.equal(Number(second.deal.number.slice(3)), Number(first.deal.number.slice(3)) + 1);
    const lines = await getSchedule(db.ctx.pool, first.deal.id);
    // 10 000 roubles, 30 days at 0.8 % a day: 2 400 roubles of interest, due in 30 days.
    assert.deepEqual(
      lines.map((l) => [l.dueDate, l.principal, l.interest]),
      [['2026-04-09', 1_000_000n, 240_000n]],
    );
    const history = await dealHistory(db.ctx.pool, first.deal.id);
    assert.deepEqual(
      history.map((h) => [h.from, h.to, h.actor.id]),
      [
        [null, 'Новый', STAFF.id],
        ['Новый', 'Одобрен', 'scoring'],
      ],
    );
  });

  it('declines a minor, a blacklisted and a banned client with the reason', async () => {
    const minor = await apply({ birthDate: '2010-01-01' });
    const black = await apply({ blacklisted: true });
    const banned = await apply({ bannedUntil: '2026-12-31' });
    for (const [r, code] of [
      [minor, 'age_under_18'],
      [black, 'blacklisted'],
      [banned, 'banned'],
    ] as const) {
      assert.equal(r.deal.status, 'Отказ');
      assert.ok(
        r.scoring!.reasons.some((x) => x.code === code),
        code,
      );
      assert.deepEqual(
        r.deal.scoringReasons.map((x) => x.code),
        r.scoring!.reasons.map((x) => x.code),
      );
      const last = (await dealHistory(db.ctx.pool, r.deal.id)).at(-1)!;
      assert.equal(last.to, 'Отказ');
      assert.ok(last.reason && last.reason.length > 0);
    }
  });

  it('refuses transitions the table does not allow, and changes nothing', async () => {
    const declined = await apply({ blacklisted: true });
    await assert.rejects(
      withTx(db.ctx.pool, (tx) => signDeal(tx, declined.deal.id, 'asp', STAFF, TODAY)),
      refused,
    );
    await assert.rejects(
      withTx(db.ctx.pool, (tx) => decideDeal(tx, declined.deal.id, 'approve', 'передумали', STAFF)),
      refused,
    );
    const fresh = await apply({});
    await assert.rejects(
      withTx(db.ctx.pool, (tx) => moveDeal(tx, fresh.deal.id, 'Выдан', STAFF, 'сразу выдать')),
      refused,
    );
    // Approved but not signed: no issue.
    await assert.rejects(
      withTx(db.ctx.pool, (tx) =>
        registerExternalIssue(tx, fresh.deal.id, { ref: 'x', issueDate: TODAY }, STAFF),
      ),
      refused,
    );
    assert.equal((await getDeal(db.ctx.pool, declined.deal.id)).status, 'Отказ');
    assert.equal((await getDeal(db.ctx.pool, fresh.deal.id)).status, 'Одобрен');
    assert.equal((await dealHistory(db.ctx.pool, fresh.deal.id)).length, 2);
  });

  it('manual decision needs a reason and is audited', async () => {
    const r = await apply({}, 2_000_000n, 30);
    const reviewed = await withTx(db.ctx.pool, (tx) =>
      moveDeal(tx, r.deal.id, 'Отменен', STAFF, 'клиент передумал'),
    );
    assert.equal(reviewed, 'Одобрен');
    const other = await apply({ monthlyIncome: null }, 2_000_000n, 30);
    assert.equal(other.deal.status, 'На рассмотрении');
    await assert.rejects(
      withTx(db.ctx.pool, (tx) => decideDeal(tx, other.deal.id, 'approve', ' ', STAFF)),
      (e: unknown) => e instanceof AppError && e.code === 'lending.reason_required',
    );
    await withTx(db.ctx.pool, (tx) =>
      decideDeal(tx, other.deal.id, 'approve', 'доход подтверждён справкой', STAFF),
    );
    const { rows } = await db.ctx.pool.query(
      `SELECT actor_id, details->>'to' AS to FROM audit.log WHERE subject_type = 'lending.deal' AND subject_id = $1`,
      [String(other.deal.id)],
    );
    assert.ok(rows.some((r) => r.actor_id === STAFF.id && r.to === 'Одобрен'));
  });

  it('keeps extra application fields as JSON and attached files', async () => {
    const r = await withTx(db.ctx.pool, (tx) =>
      createApplication(
        tx,
        db.ctx.cipher,
        {
          client: clientInput(),
          product: 'PDL30',
          amount: 1_000_000n,
          termDays: 30,
          today: TODAY,
          extra: { car_model: 'Тойота Камри', car_vin: 'GDRT2890JH23GFDV22' },
          files: [
            { kind: 'passport_page', filename: 'Паспорт_страница_1', content: Buffer.from('Тест1') },
            { kind: 'car_pledge', filename: 'ПТС', content: Buffer.from('ПТС 34 4321м') },
          ],
        },
        STAFF,
      ),
    );
    assert.equal(r.deal.extra.car_vin, 'GDRT2890JH23GFDV22');
    const files = await listFiles(db.ctx.pool, r.deal.id);
    assert.deepEqual(
      files.map((f) => [f.kind, f.filename, f.size]),
      [
        ['passport_page', 'Паспорт_страница_1', Buffer.byteLength('Тест1')],
        ['car_pledge', 'ПТС', Buffer.byteLength('ПТС 34 4321м')],
      ],
    );
  });

  it('finds a client and their deals by passport, statuses by numbers', async () => {
    const passport = '4510 123456';
    const r = await apply({ passport });
    const client = await findClientByPassport(db.ctx.pool, db.ctx.cipher, '4510123456');
    assert.equal(client?.id, r.deal.clientId);
    assert.equal(client?.passport, '4510123456');
    const stored = await db.ctx.pool.query('SELECT passport_enc FROM lending.clients WHERE id = $1', [
      client!.id,
    ]);
    assert.ok(!String(stored.rows[0].passport_enc).includes('123456'), 'passport encrypted at rest');
    const deals = await dealsByPassport(db.ctx.pool, db.ctx.cipher, '45 10 123456');
    assert.deepEqual(
      deals.map((d) => d.number),
      [r.deal.number],
    );
    const statuses = await statusesByNumbers(db.ctx.pool, [r.deal.number, 'НЕТ000000']);
    assert.deepEqual(
      statuses.map((s) => [s.number, s.status]),
      [[r.deal.number, 'Одобрен']],
    );
  });

  it('issues to a card through the payout simulator and records principal out in the ledger', async () => {
    const simulator = await startCardPayoutSimulator();
    after(() => simulator.close());
    const gateway = createHttpCardPayoutGateway({ baseUrl: simulator.url });
    const ok = await apply({});
    await withTx(db.ctx.pool, (tx) => signDeal(tx, ok.deal.id, 'asp:1', STAFF, TODAY));
    const cashBefore = await orgBalance(db.ctx.pool, 'cash');
    const issued = await issueToCard(db.ctx.pool, ok.deal.id, 'tok-4242', gateway, STAFF, TODAY);
    assert.equal(issued.status, 'Выдан');
    assert.equal(issued.issueDate, TODAY);
    assert.deepEqual(
      [...simulator.paid.values()].map((p) => [p.deal, p.amount]),
      [[ok.deal.number, 1_000_000n]],
    );
    const principal = await dealPrincipalAccount(db.ctx.pool, ok.deal.id);
    assert.equal((await getAccount(db.ctx.pool, principal.id)).balance, 1_000_000n);
    assert.equal(await orgBalance(db.ctx.pool, 'cash'), cashBefore - 1_000_000n);
    const history = (await dealHistory(db.ctx.pool, ok.deal.id)).map((h) => h.to);
    assert.deepEqual(history.slice(-3), ['Подписан (дистанционно)', 'Ожидает списания с р/с', 'Выдан']);

    const declined = await apply({});
    await withTx(db.ctx.pool, (tx) => signDeal(tx, declined.deal.id, 'asp:2', STAFF, TODAY));
    const back = await issueToCard(db.ctx.pool, declined.deal.id, 'tok-0000', gateway, STAFF, TODAY);
    assert.equal(back.status, 'Подписан (дистанционно)');
    assert.equal(await orgBalance(db.ctx.pool, 'cash'), cashBefore - 1_000_000n, 'no money moved');

    // The service unreachable: the outcome is unknown, so the payout stays open for staff.
    const unknown = await apply({});
    await withTx(db.ctx.pool, (tx) => signDeal(tx, unknown.deal.id, 'asp:3', STAFF, TODAY));
    const down = createHttpCardPayoutGateway({ baseUrl: 'http://127.0.0.1:9/', timeoutMs: 2_000 });
    await assert.rejects(
      issueToCard(db.ctx.pool, unknown.deal.id, 'tok-1', down, STAFF, TODAY),
      (e: unknown) => e instanceof AppError && e.kind === 'unavailable',
    );
    assert.equal((await getDeal(db.ctx.pool, unknown.deal.id)).status, 'Ожидает списания с р/с');
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });

  it('exports pending bank payouts once as a registry and issues on confirmation', async () => {
    const r = await apply({ lastName: 'Банковский' });
    await withTx(db.ctx.pool, async (tx) => {
      await signDeal(tx, r.deal.id, 'asp:3', STAFF, TODAY);
      await startPayout(tx, r.deal.id, 'bank', { bik: '044525225', account: '40817810099910004312' }, STAFF);
    });
    const first = await withTx(db.ctx.pool, (tx) => exportBankRegistry(tx, STAFF));
    assert.equal(first.count, 1);
    const line = first.csv.split('\r\n')[1]!.split(';');
    assert.equal(line[1], r.deal.number);
    assert.equal(line[2], 'Банковский Тест Тестович');
    assert.equal(line[5], '10000.00');
    const again = await withTx(db.ctx.pool, (tx) => exportBankRegistry(tx, STAFF));
    assert.equal(again.count, 0, 'not exported twice');
    const issued = await withTx(db.ctx.pool, (tx) => completePayout(tx, r.deal.id, 'п/п 17', STAFF, TODAY));
    assert.equal(issued.status, 'Выдан');
  });
});
