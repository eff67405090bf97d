import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyLedger } from '../../src/ledger/index.ts';
import { listDeals } from '../../src/lending/deals/repository.ts';
import { lendingDealsSeeder } from '../../src/lending/deals-demo.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { DEAL_STATUSES } from '../../src/lending/types.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { seedProducts } from './lending-fixtures.ts';

describe('lending demo data', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
    await seedProducts(db.ctx);
  });
  after(async () => {
    await db.close();
  });

  it('has deals in every status, decided by the demo rules, and seeds only once', async () => {
    await withTx(db.ctx.pool, (tx) => lendingDealsSeeder.seed(tx, db.ctx));
    const count = async () =>
      (await db.ctx.pool.query('SELECT count(*)::int AS n FROM lending.deals')).rows[0].n;
    const before = await count();
    await withTx(db.ctx.pool, (tx) => lendingDealsSeeder.seed(tx, db.ctx));
    assert.equal(await count(), before, 'seeding twice changes nothing');
    const { rows } = await db.ctx.pool.query<{ status: string; n: number }>(
      'SELECT status, count(*)::int AS n FROM lending.deals GROUP BY status',
    );
    const present = new Set(rows.map((r) => r.status));
    for (const status of DEAL_STATUSES) assert.ok(present.has(status), `no demo deal in «${status}»`);

    const decided = await db.ctx.pool.query<{
      last_name: string;
      status: string;
      reasons: { code: string }[];
    }>(
      `SELECT c.last_name, d.status, d.scoring_reasons AS reasons FROM lending.deals d
       JOIN lending.clients c ON c.id = d.client_id WHERE c.last_name IN ('Иванов', 'Молодой', 'Чернов', 'Запретов')`,
    );
    const by = new Map(decided.rows.map((r) => [r.last_name, r]));
    assert.equal(by.get('Иванов')?.status, 'Одобрен');
    assert.deepEqual(
      by.get('Молодой')?.reasons.map((r) => r.code),
      ['age_under_18'],
    );
    assert.deepEqual(
      by.get('Чернов')?.reasons.map((r) => r.code),
      ['blacklisted'],
    );
    assert.deepEqual(
      by.get('Запретов')?.reasons.map((r) => r.code),
      ['banned'],
    );

    const overdue = await db.ctx.pool.query<{ number: string }>(
      `SELECT d.number FROM lending.deals d JOIN lending.clients c ON c.id = d.client_id WHERE c.last_name = 'Должников'`,
    );
    const s = await debtSummary(db.ctx.pool, overdue.rows[0]!.number);
    assert.equal(s.daysPastDue, 15);
    assert.ok(s.penalties > 0n);
    assert.equal(s.payments.length, 1);
    const overdueNumbers = (await listDeals(db.ctx.pool, { overdue: true })).map((d) => d.number);
    assert.ok(overdueNumbers.includes(overdue.rows[0]!.number));
    assert.ok(overdueNumbers.length >= 12, 'the collection and court loans are past due too');
    const court = await db.ctx.pool.query<{ number: string }>(
      `SELECT number FROM lending.deals WHERE status = 'Оплачена пошлина'`,
    );
    const duty = await debtSummary(db.ctx.pool, court.rows[0]!.number);
    assert.equal(duty.duty, 200_000n, 'the court duty the lender paid is charged to the borrower');
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });
});
