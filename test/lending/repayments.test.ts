import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount, verifyLedger } from '../../src/ledger/index.ts';
import { runCob } from '../../src/lending/accrual/cob.ts';
import { orgAccountCode, orgBalance, shardOf } from '../../src/lending/deals/ledger-accounts.ts';
import { getDeal, getSchedule } from '../../src/lending/deals/repository.ts';
import { getLoanState } from '../../src/lending/debt/loan-state.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { repay } from '../../src/lending/repayments/repay.ts';
import { reversePayment } from '../../src/lending/repayments/reverse.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { issuedLoan, STAFF, seedProducts } from './lending-fixtures.ts';

const PAYER = { type: 'system', id: 'qiwi' } as const;
/** Half-up rounding of a / b for positive integers. */
const div = (a: bigint, b: bigint) => (2n * a + b) / (2n * b);

async function entriesOf(db: TestDatabase, transferId: bigint) {
  return (
    await db.ctx.pool.query<{ code: string; amount: bigint }>(
      `SELECT a.code, e.amount FROM ledger.entries e JOIN ledger.accounts a ON a.id = e.account_id
       WHERE e.transfer_id = $1 ORDER BY a.code`,
      [transferId],
    )
  ).rows;
}

describe('lending repayments', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase({ poolSize: 12 });
    await seedProducts(db.ctx);
  });
  after(async () => {
    await db.close();
  });

  it('allocates overdue interest, overdue principal, penalty, current interest, current principal, then keeps the rest', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'ANN6',
      amount: 5_000_000n,
      termDays: 180,
      date: '2026-01-10',
    });
    const lines = await getSchedule(db.ctx.pool, id);
    const [l1, l2] = [lines[0]!, lines[1]!];
    assert.equal(l1.dueDate, '2026-02-10');
    await runCob(db.ctx.pool, '2026-02-15'); // 36 days after issue, 5 days past the first due date
    const accrued = div(5_000_000n * 3n * 36n, 1_000n); // 0.3 % a day
    const penalty = div(l1.principal * 20n * 5n, 36_500n); // 20 % a year for 5 days on overdue principal
    const s = (await getLoanState(db.ctx.pool, id))!;
    assert.equal(s.interestAccrued, accrued);
    assert.equal(s.penaltyAccrued, penalty);
    const summary = await debtSummary(db.ctx.pool, id, '2026-02-15');
    assert.equal(summary.overdueInterest, l1.interest);
    assert.equal(summary.overduePrincipal, l1.principal);
    assert.equal(summary.daysPastDue, 5);

    const cash0 = await orgBalance(db.ctx.pool, 'cash');
    const firstAmount = l1.interest + l1.principal + penalty + 30_000n;
    const first = await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: id, amount: firstAmount, service: 'QIWI', txnId: 'a1', date: '2026-02-15' }, PAYER),
    );
    assert.deepEqual(first.payment.allocation, {
      overdueInterest: l1.interest,
      overduePrincipal: l1.principal,
      penalty,
      currentInterest: 30_000n,
      currentPrincipal: 0n,
      other: 0n,
      earlyPrincipal: 0n,
      toAdvance: 0n,
    });
    const legs = await entriesOf(db, first.payment.transferId);
    assert.deepEqual(legs, [
      { code: `deal:${id}:principal`, amount: -l1.principal },
      // The deal's shard of the lender's accounts (docs/lending.md, "Lender's accounts").
      { code: orgAccountCode('cash', shardOf(id)), amount: firstAmount },
      { code: orgAccountCode('interest_receivable', shardOf(id)), amount: -(l1.interest + 30_000n) },
      { code: orgAccountCode('penalty_receivable', shardOf(id)), amount: -penalty },
    ]);

    const currentInterestLeft = accrued - l1.interest - 30_000n;
    const secondAmount = currentInterestLeft + l2.principal + 12_345n;
    const second = await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: id, amount: secondAmount, service: 'QIWI', txnId: 'a2', date: '2026-02-15' }, PAYER),
    );
    assert.equal(second.payment.allocation.currentInterest, currentInterestLeft);
    assert.equal(second.payment.allocation.currentPrincipal, l2.principal);
    assert.equal(second.payment.allocation.toAdvance, 12_345n);
    assert.equal((await getDeal(db.ctx.pool, id)).status, 'Внесен аванс');
    const after = await debtSummary(db.ctx.pool, id, '2026-02-15');
    assert.equal(after.accountBalance, 12_345n);
    assert.equal(after.daysPastDue, 0);
    assert.equal(after.principalLeft, 5_000_000n - l1.principal - l2.principal);
    assert.equal(after.payments.length, 2);
    assert.equal(await orgBalance(db.ctx.pool, 'cash'), cash0 + firstAmount + secondAmount);

    // A retry of a payment returns it and moves nothing.
    const retry = await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: id, amount: secondAmount, service: 'QIWI', txnId: 'a2', date: '2026-02-16' }, PAYER),
    );
    assert.equal(retry.replayed, true);
    assert.equal(retry.payment.number, second.payment.number);

    // On the next due date COB takes the interest due from the advance.
    await runCob(db.ctx.pool, l2.dueDate);
    const s2 = (await getLoanState(db.ctx.pool, id))!;
    const accruedSince = s2.interestAccrued - accrued;
    assert.equal(s2.advance, 12_345n > accruedSince ? 12_345n - accruedSince : 0n);
    assert.equal(s2.interestPaid, accrued + (12_345n - s2.advance));
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });

  it('repays later instalments early when asked', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'ANN6',
      amount: 4_000_000n,
      termDays: 180,
      date: '2026-01-20',
    });
    const [l1] = await getSchedule(db.ctx.pool, id);
    const date = '2026-01-30'; // 10 days in: 0.3 % x 10 on 40 000 roubles = 1 200 roubles of interest
    const amount = 120_000n + l1!.principal + 1_000_000n;
    const r = await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: id, amount, service: 'cash', txnId: 'early-1', date, early: true }, STAFF),
    );
    assert.equal(r.payment.allocation.currentInterest, 120_000n);
    assert.equal(r.payment.allocation.currentPrincipal, l1!.principal);
    assert.equal(r.payment.allocation.earlyPrincipal, 1_000_000n);
    assert.equal(r.payment.allocation.toAdvance, 0n);
    const summary = await debtSummary(db.ctx.pool, id, date);
    assert.equal(summary.principalLeft, 4_000_000n - l1!.principal - 1_000_000n);
    assert.equal(summary.accountBalance, 0n);
    assert.equal((await getDeal(db.ctx.pool, id)).status, 'Выдан');
  });

  it('repays early in full: "Оплачен", nothing owed, the receivable at zero', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-03-01',
    });
    const summary = await debtSummary(db.ctx.pool, id, '2026-03-11');
    assert.equal(summary.interest, 80_000n); // 10 days at 0.8 %
    assert.equal(summary.totalDebt, 1_080_000n);
    const r = await withTx(db.ctx.pool, (tx) =>
      repay(
        tx,
        { deal: id, amount: 1_080_000n, service: 'Site/1', txnId: 'full', date: '2026-03-11' },
        PAYER,
      ),
    );
    assert.equal(r.payment.allocation.currentInterest, 80_000n);
    assert.equal(r.payment.allocation.currentPrincipal, 1_000_000n);
    assert.equal((await getDeal(db.ctx.pool, id)).status, 'Оплачен');
    const s = (await getLoanState(db.ctx.pool, id))!;
    assert.equal(s.active, false);
    assert.equal((await getAccount(db.ctx.pool, s.principalAccountId)).balance, 0n);
    await assert.rejects(
      withTx(db.ctx.pool, (tx) =>
        repay(tx, { deal: id, amount: 100n, service: 'Site/1', txnId: 'after', date: '2026-03-12' }, PAYER),
      ),
      /не принимается/,
    );
  });

  it('reverses a payment by staff: opposite transfer, amounts restored, loan reopened, audited', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 500_000n,
      termDays: 30,
      date: '2026-03-01',
    });
    const r = await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: id, amount: 520_000n, service: 'cash', txnId: 'r1', date: '2026-03-06' }, STAFF),
    );
    assert.equal((await getDeal(db.ctx.pool, id)).status, 'Оплачен');
    await withTx(db.ctx.pool, (tx) =>
      reversePayment(tx, r.payment.number, 'платёж зачислен не на тот договор', STAFF, '2026-03-06'),
    );
    const s = (await getLoanState(db.ctx.pool, id))!;
    assert.equal(s.principalPaid, 0n);
    assert.equal(s.interestPaid, 0n);
    assert.equal(s.active, true);
    assert.equal((await getDeal(db.ctx.pool, id)).status, 'Выдан');
    assert.equal((await getAccount(db.ctx.pool, s.principalAccountId)).balance, 500_000n);
    const summary = await debtSummary(db.ctx.pool, id, '2026-03-06');
    assert.equal(summary.payments.length, 0);
    assert.equal(summary.totalDebt, 500_000n + 20_000n);
    const audit = await db.ctx.pool.query(
      `SELECT details->>'reason' AS reason FROM audit.log WHERE action = 'lending.payment.reverse' AND subject_id = $1`,
      [String(id)],
    );
    assert.equal(audit.rows[0]?.reason, 'платёж зачислен не на тот договор');
    await assert.rejects(
      withTx(db.ctx.pool, (tx) => reversePayment(tx, r.payment.number, 'ещё раз', STAFF)),
      /уже сторнирован/,
    );
  });

  it('parallel repayments on one loan: each one transfer, no lost update, a duplicate only once', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-03-01',
    });
    const date = '2026-03-05';
    const amounts = [30_000n, 50_000n, 70_000n, 90_000n, 110_000n, 130_000n, 150_000n, 170_000n];
    const calls = [
      ...amounts.map((amount, i) => ({ amount, txnId: `p${i}` })),
      { amount: 30_000n, txnId: 'p0' }, // a retry racing its first attempt
    ];
    const results = await Promise.all(
      calls.map((c) =>
        withTx(db.ctx.pool, (tx) =>
          repay(tx, { deal: id, amount: c.amount, service: 'QIWI', txnId: c.txnId, date }, PAYER),
        ),
      ),
    );
    assert.equal(results.filter((r) => r.replayed).length, 1);
    const payments = (
      await db.ctx.pool.query('SELECT transfer_id FROM lending.payments WHERE deal_id = $1', [id])
    ).rows;
    assert.equal(payments.length, amounts.length);
    assert.equal(
      new Set(payments.map((p) => String(p.transfer_id))).size,
      amounts.length,
      'one transfer each',
    );
    const total = amounts.reduce((a, b) => a + b, 0n); // 800 000
    const s = (await getLoanState(db.ctx.pool, id))!;
    // 4 days at 0.8 % on 10 000 roubles = 320 roubles of interest, paid first; the rest is principal.
    assert.equal(s.interestAccrued, 32_000n);
    assert.equal(s.interestPaid, 32_000n);
    assert.equal(s.principalPaid, total - 32_000n);
    assert.equal(
      (await getAccount(db.ctx.pool, s.principalAccountId)).balance,
      1_000_000n - (total - 32_000n),
    );
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });

  it("a payment posts its loan's accrual and itself in one ledger call, on the deal's shard; the books agree", async () => {
    const ids = [
      await issuedLoan(db.ctx, { product: 'PDL30', amount: 1_000_000n, termDays: 30, date: '2026-04-01' }),
      await issuedLoan(db.ctx, { product: 'PDL30', amount: 1_000_000n, termDays: 30, date: '2026-04-01' }),
    ];
    assert.notEqual(shardOf(ids[0]!), shardOf(ids[1]!), 'consecutive deals on different shards');
    const date = '2026-04-06';
    const results = await Promise.all(
      ids.map((id) =>
        withTx(db.ctx.pool, (tx) =>
          repay(tx, { deal: id, amount: 50_000n, service: 'QIWI', txnId: `shard-${id}`, date }, PAYER),
        ),
      ),
    );
    for (const [i, id] of ids.entries()) {
      const payment = results[i]!.payment;
      // 5 days at 0.8 % on 10 000 roubles, accrued by the payment itself and paid first.
      assert.equal(payment.allocation.currentInterest, 40_000n);
      assert.equal(payment.allocation.currentPrincipal, 10_000n);
      const accrual = (
        await db.ctx.pool.query<{ id: bigint }>('SELECT id FROM ledger.transfers WHERE idem_key = $1', [
          `lending:accrue:${date}:deal:${id}`,
        ])
      ).rows[0]!;
      assert.equal(accrual.id + 1n, payment.transferId, 'posted together, accrual first');
      const shard = shardOf(id);
      assert.deepEqual(await entriesOf(db, accrual.id), [
        { code: orgAccountCode('interest_income', shard), amount: -40_000n },
        { code: orgAccountCode('interest_receivable', shard), amount: 40_000n },
      ]);
      assert.deepEqual(await entriesOf(db, payment.transferId), [
        { code: `deal:${id}:principal`, amount: -10_000n },
        { code: orgAccountCode('cash', shard), amount: 50_000n },
        { code: orgAccountCode('interest_receivable', shard), amount: -40_000n },
      ]);
      const s = (await getLoanState(db.ctx.pool, id))!;
      assert.equal(s.accruedThrough, date);
      assert.equal(s.interestAccrued, 40_000n);
    }
    // Books: the receivables over all shards equal the loans' accrued less paid.
    const sums = (
      await db.ctx.pool.query<{ i: bigint; p: bigint }>(
        `SELECT coalesce(sum(interest_accrued - interest_paid), 0)::bigint AS i,
                coalesce(sum(penalty_accrued - penalty_paid), 0)::bigint AS p FROM lending.loan_state`,
      )
    ).rows[0]!;
    assert.equal(await orgBalance(db.ctx.pool, 'interest_receivable'), sums.i);
    assert.equal(await orgBalance(db.ctx.pool, 'penalty_receivable'), sums.p);
    // A reversal undoes the payment only: the accrual stays, and the books still agree.
    await withTx(db.ctx.pool, (tx) => reversePayment(tx, results[0]!.payment.number, 'ошибка', STAFF, date));
    const s0 = (await getLoanState(db.ctx.pool, ids[0]!))!;
    assert.equal(s0.interestAccrued - s0.interestPaid, 40_000n);
    const after = (
      await db.ctx.pool.query<{ i: bigint }>(
        'SELECT sum(interest_accrued - interest_paid)::bigint AS i FROM lending.loan_state',
      )
    ).rows[0]!;
    assert.equal(await orgBalance(db.ctx.pool, 'interest_receivable'), after.i);
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });
});
