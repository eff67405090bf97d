import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyLedger } from '../../src/ledger/index.ts';
import { runCob } from '../../src/lending/accrual/cob.ts';
import { addDays } from '../../src/lending/dates.ts';
import { orgBalance } from '../../src/lending/deals/ledger-accounts.ts';
import { getDeal, getSchedule } from '../../src/lending/deals/repository.ts';
import { getLoanState } from '../../src/lending/debt/loan-state.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { lendingJobs } from '../../src/lending/jobs.ts';
import { repay } from '../../src/lending/repayments/repay.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { issuedLoan, seedProducts } from './lending-fixtures.ts';

/** Principal x rate% x days, rounded half up, in integers: the schedule's and COB's formula. */
function interest(principal: bigint, ratePermille: bigint, days: bigint): bigint {
  // rate given in thousandths of a percent: 0.8 % -> 800
  return (principal * ratePermille * days * 2n + 100_000n) / 200_000n;
}

describe('lending close of business', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
    await seedProducts(db.ctx);
  });
  after(async () => {
    await db.close();
  });

  it('accrues a day of interest once per date: a second run changes nothing', async () => {
    const issueDate = '2026-02-01';
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_234_567n,
      termDays: 30,
      date: issueDate,
    });
    const day1 = addDays(issueDate, 1);
    const first = await runCob(db.ctx.pool, day1);
    assert.ok(first.deals >= 1);
    const expected = interest(1_234_567n, 800n, 1n); // 9 876.536 -> 9 877 kopecks
    assert.equal(expected, 9_877n);
    const state = await getLoanState(db.ctx.pool, id);
    assert.equal(state!.interestAccrued, expected);
    const receivable = await orgBalance(db.ctx.pool, 'interest_receivable');
    const transfers = (await db.ctx.pool.query('SELECT count(*)::int AS n FROM ledger.transfers')).rows[0].n;

    const second = await runCob(db.ctx.pool, day1);
    assert.equal(second.deals, 0);
    assert.equal(second.interest, 0n);
    assert.equal((await getLoanState(db.ctx.pool, id))!.interestAccrued, expected);
    assert.equal(await orgBalance(db.ctx.pool, 'interest_receivable'), receivable);
    assert.equal(
      (await db.ctx.pool.query('SELECT count(*)::int AS n FROM ledger.transfers')).rows[0].n,
      transfers,
    );

    // The debt summary of day 2 shows, before COB, what COB of day 2 then posts.
    const day2 = addDays(issueDate, 2);
    const preview = await debtSummary(db.ctx.pool, id, day2);
    await runCob(db.ctx.pool, day2);
    const posted = await debtSummary(db.ctx.pool, id, day2);
    assert.equal(preview.interest, posted.interest);
    // Rounded cumulatively, not per day: 19 753.072 -> 19 753 (per day it would be 2 x 9 877).
    assert.equal(posted.interest, interest(1_234_567n, 800n, 2n));
    assert.equal(posted.interest, 19_753n);
    assert.equal(posted.totalDebt, 1_234_567n + posted.interest);
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });

  it('nightly accrual reaches the interest of the schedule exactly on the due date, and paying the schedule closes the loan', async () => {
    const issueDate = '2026-07-01';
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_234_567n,
      termDays: 30,
      date: issueDate,
    });
    for (let d = 1; d <= 30; d++) await runCob(db.ctx.pool, addDays(issueDate, d));
    const [line] = await getSchedule(db.ctx.pool, id);
    // 1 234 567 x 0.8 % x 30 = 296 296.08 kopecks, rounded once.
    assert.equal(line!.interest, interest(1_234_567n, 800n, 30n));
    assert.equal((await getLoanState(db.ctx.pool, id))!.interestAccrued, line!.interest);
    await withTx(db.ctx.pool, (tx) =>
      repay(
        tx,
        { deal: id, amount: line!.total, service: 'QIWI', txnId: `sched-${id}`, date: line!.dueDate },
        {
          type: 'system',
          id: 'test',
        },
      ),
    );
    assert.equal((await getDeal(db.ctx.pool, id)).status, 'Оплачен');
  });

  it('an annuity paid by its schedule accrues each instalment interest to the kopeck, never overdue', async () => {
    const issueDate = '2026-01-10';
    const id = await issuedLoan(db.ctx, {
      product: 'ANN6',
      amount: 3_333_333n,
      termDays: 180,
      date: issueDate,
    });
    const lines = await getSchedule(db.ctx.pool, id);
    let d = issueDate;
    for (const line of lines.slice(0, 2)) {
      while (d < line.dueDate) {
        d = addDays(d, 1);
        await runCob(db.ctx.pool, d);
      }
      const s = (await getLoanState(db.ctx.pool, id))!;
      assert.equal(s.interestAccrued - s.interestPaid, line.interest, `line ${line.n}`);
      await withTx(db.ctx.pool, (tx) =>
        repay(
          tx,
          { deal: id, amount: line.total, service: 'QIWI', txnId: `ann-${id}-${line.n}`, date: d },
          {
            type: 'system',
            id: 'test',
          },
        ),
      );
      const after = await debtSummary(db.ctx.pool, id, addDays(d, 1));
      assert.equal(after.daysPastDue, 0);
      assert.equal(after.overdueDue, 0n);
      assert.equal(after.principalLeft, line.principalAfter);
    }
    assert.equal((await getDeal(db.ctx.pool, id)).status, 'Выдан');
  });

  it('the nightly job closes the date it is given, once', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 500_000n,
      termDays: 30,
      date: '2026-09-10',
    });
    const job = lendingJobs(db.ctx).find((j) => j.name === 'lending:cob')!;
    assert.equal(job.cron, '30 21 * * *');
    const context = { attempt: 1, maxAttempts: 25, jobId: '1' };
    await job.handler({ date: '2026-09-11' }, context);
    await job.handler({ date: '2026-09-11' }, context);
    assert.equal((await getLoanState(db.ctx.pool, id))!.interestAccrued, 4_000n); // 5 000 roubles x 0.8 %
    const run = await db.ctx.pool.query(
      `SELECT finished_at IS NOT NULL AS done, runs FROM lending.cob_runs WHERE business_date = '2026-09-11'`,
    );
    assert.deepEqual(run.rows[0], { done: true, runs: 2 });
    const audited = await db.ctx.pool.query(
      `SELECT actor_id FROM audit.log WHERE action = 'lending.cob.run' AND subject_id = '2026-09-11'`,
    );
    assert.equal(audited.rows.length, 2, 'each run is audited');
  });

  it('a rerun of a closed date accrues a loan registered later with an earlier issue date, and only it', async () => {
    const first = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-11-01',
    });
    await runCob(db.ctx.pool, '2026-11-02');
    const late = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 2_000_000n,
      termDays: 30,
      date: '2026-11-01',
    });
    const rerun = await runCob(db.ctx.pool, '2026-11-02');
    assert.equal(rerun.deals, 1);
    assert.equal(rerun.interest, 16_000n);
    assert.equal((await getLoanState(db.ctx.pool, first))!.interestAccrued, 8_000n);
    assert.equal((await getLoanState(db.ctx.pool, late))!.interestAccrued, 16_000n);
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });

  it('stops interest and penalties at the cap of the deal date: 130 % and 100 % side by side', async () => {
    // Signed on the last day of 130 % and the first day of 100 % (cap_rules from 2026-04-01).
    const old = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-03-31',
    });
    const nu = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-04-01',
    });
    const late = '2026-10-01'; // far past the cap: 0.8 %/day for 150+ days is 120 %+, plus penalties
    let date = '2026-04-02';
    // Weekly closes, then one catch-up of a skipped stretch: both must stop at the cap exactly.
    while (date < '2026-06-01') {
      await runCob(db.ctx.pool, date);
      date = addDays(date, 7);
    }
    await runCob(db.ctx.pool, late);
    for (const [id, cap] of [
      [old, 1_300_000n],
      [nu, 1_000_000n],
    ] as const) {
      const s = (await getLoanState(db.ctx.pool, id))!;
      assert.equal(s.interestAccrued + s.penaltyAccrued, cap, `deal ${id}`);
      assert.ok(s.penaltyAccrued > 0n, 'penalties accrued while overdue');
      const summary = await debtSummary(db.ctx.pool, id, late);
      assert.equal(summary.interest + summary.penalties, cap);
      assert.equal(summary.totalDebt, 1_000_000n + cap);
      assert.equal(summary.overduePrincipal, 1_000_000n);
      // Due 2026-04-30 and 2026-05-01; 2026-10-01 is 154 and 153 days later.
      assert.equal(summary.daysPastDue, id === old ? 154 : 153);
    }
    await runCob(db.ctx.pool, addDays(late, 1));
    const capped = (await getLoanState(db.ctx.pool, nu))!;
    assert.equal(capped.interestAccrued + capped.penaltyAccrued, 1_000_000n, 'nothing beyond the cap');
    assert.equal((await getDeal(db.ctx.pool, old)).status, 'Выдан');
    // The aggregated receivables equal the deals' sub-ledgers.
    const sums = (
      await db.ctx.pool.query<{ i: bigint; p: bigint }>(
        `SELECT sum(interest_accrued - interest_paid)::bigint AS i, sum(penalty_accrued - penalty_paid)::bigint AS p
         FROM lending.loan_state`,
      )
    ).rows[0]!;
    assert.equal(await orgBalance(db.ctx.pool, 'interest_receivable'), sums.i);
    assert.equal(await orgBalance(db.ctx.pool, 'penalty_receivable'), sums.p);
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });
});
