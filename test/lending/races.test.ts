import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount, verifyLedger } from '../../src/ledger/index.ts';
import { runCob } from '../../src/lending/accrual/cob.ts';
import { addDays } from '../../src/lending/dates.ts';
import { orgBalance } from '../../src/lending/deals/ledger-accounts.ts';
import { getLoanState } from '../../src/lending/debt/loan-state.ts';
import { repay } from '../../src/lending/repayments/repay.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { runScript } from '../helpers/processes.ts';
import { issuedLoan, seedProducts } from './lending-fixtures.ts';

describe('lending under concurrency', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase({ poolSize: 16 });
    await seedProducts(db.ctx);
  });
  after(async () => {
    await db.close();
  });

  it('two processes x 10 parallel repayments on one loan: every payment one transfer, nothing lost', async () => {
    const date0 = '2026-05-04';
    const id = await issuedLoan(db.ctx, { product: 'PDL30', amount: 3_000_000n, termDays: 30, date: date0 });
    const payDate = addDays(date0, 2);
    const startAt = String(Date.now() + 2_000);
    const runs = await Promise.all(
      ['p1', 'p2'].map((tag) =>
        runScript('test/lending/repay-racer.ts', [db.url, String(id), '10', '25000', payDate, startAt, tag]),
      ),
    );
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { created: 10 });
    }
    const transfers = await db.ctx.pool.query<{ n: number; d: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT transfer_id)::int AS d FROM lending.payments WHERE deal_id = $1`,
      [id],
    );
    assert.deepEqual(transfers.rows[0], { n: 20, d: 20 });
    const s = (await getLoanState(db.ctx.pool, id))!;
    // Two days at 0.8 % on 30 000 roubles = 480 roubles, accrued once; 20 x 250 roubles paid.
    assert.equal(s.interestAccrued, 48_000n);
    assert.equal(s.interestPaid + s.principalPaid, 20n * 25_000n);
    assert.equal(s.interestPaid, 48_000n);
    assert.equal((await getAccount(db.ctx.pool, s.principalAccountId)).balance, 3_000_000n - s.principalPaid);
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });

  it('close of business racing repayments of the same loans accrues each day once', async () => {
    const date0 = '2026-05-10';
    const ids: bigint[] = [];
    for (let i = 0; i < 12; i++)
      ids.push(await issuedLoan(db.ctx, { product: 'PDL30', amount: 1_000_000n, termDays: 30, date: date0 }));
    const day = addDays(date0, 3);
    const [cob] = await Promise.all([
      runCob(db.ctx.pool, day),
      ...ids.map((id, i) =>
        withTx(db.ctx.pool, (tx) =>
          repay(
            tx,
            { deal: id, amount: 50_000n, service: 'race-cob', txnId: `c${i}`, date: day },
            {
              type: 'system',
              id: 'test',
            },
          ),
        ),
      ),
    ]);
    // Loans a repayment accrued first are skipped by COB, and the other way round.
    assert.ok(cob.deals <= ids.length + 1, String(cob.deals));
    for (const id of ids) {
      const s = (await getLoanState(db.ctx.pool, id))!;
      // Three days at 0.8 % on 10 000 roubles, whoever accrued it: 240 roubles, once.
      assert.equal(s.interestAccrued, 24_000n, `deal ${id}`);
      assert.equal(s.interestPaid, 24_000n);
      assert.equal(s.principalPaid, 26_000n);
    }
    const sums = (
      await db.ctx.pool.query<{ i: bigint }>(
        'SELECT sum(interest_accrued - interest_paid)::bigint AS i FROM lending.loan_state',
      )
    ).rows[0]!;
    assert.equal(await orgBalance(db.ctx.pool, 'interest_receivable'), sums.i);
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });
});
