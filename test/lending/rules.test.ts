import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount, verifyLedger } from '../../src/ledger/index.ts';
import { runCob } from '../../src/lending/accrual/cob.ts';
import { capsOn } from '../../src/lending/caps.ts';
import { chargeDeal, listCharges } from '../../src/lending/charges/charges.ts';
import { addDays, daysBetween } from '../../src/lending/dates.ts';
import { createApplication } from '../../src/lending/deals/applications.ts';
import { cancelDeal } from '../../src/lending/deals/decisions.ts';
import {
  clientBalanceAccount,
  orgAccountCode,
  orgBalance,
  shardOf,
} from '../../src/lending/deals/ledger-accounts.ts';
import { getDeal, getSchedule } from '../../src/lending/deals/repository.ts';
import { getLoanState } from '../../src/lending/debt/loan-state.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { startCardPayoutSimulator } from '../../src/lending/issue/card-payout-simulator.ts';
import { createHttpCardPayoutGateway } from '../../src/lending/issue/http-card-gateway.ts';
import { exportBankRegistry } from '../../src/lending/issue/issue.ts';
import { createProduct, getProduct } from '../../src/lending/products/repository.ts';
import { completeRefund, listRefunds, refundToCard, startRefund } from '../../src/lending/refunds/refund.ts';
import { repay } from '../../src/lending/repayments/repay.ts';
import { reversePayment } from '../../src/lending/repayments/reverse.ts';
import { listScheduleVersions } from '../../src/lending/repayments/schedule-versions.ts';
import { interestFor } from '../../src/lending/schedule.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { clientInput, issuedLoan, STAFF, seedProducts } from './lending-fixtures.ts';

const PAYER = { type: 'system', id: 'qiwi' } as const;

async function receivablesAgree(db: TestDatabase): Promise<void> {
  const sums = (
    await db.ctx.pool.query<{ i: bigint; p: bigint; d: bigint; o: bigint }>(
      `SELECT coalesce(sum(interest_accrued - interest_paid), 0)::bigint AS i,
              coalesce(sum(penalty_accrued - penalty_paid), 0)::bigint AS p,
              coalesce(sum(duty_accrued - duty_paid), 0)::bigint AS d,
              coalesce(sum(other_accrued - other_paid), 0)::bigint AS o
       FROM lending.loan_state`,
    )
  ).rows[0]!;
  assert.equal(await orgBalance(db.ctx.pool, 'interest_receivable'), sums.i);
  assert.equal(await orgBalance(db.ctx.pool, 'penalty_receivable'), sums.p);
  assert.equal(await orgBalance(db.ctx.pool, 'duty_receivable'), sums.d);
  assert.equal(await orgBalance(db.ctx.pool, 'other_receivable'), sums.o);
  assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
}

describe('lending: penalty of 0.1 % a day once interest no longer accrues', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
    await seedProducts(db.ctx);
    const pdl = await getProduct(db.ctx.pool, 'PDL30');
    const { id: _id, active: _active, ...input } = pdl;
    await withTx(db.ctx.pool, (tx) =>
      createProduct(
        tx,
        { ...input, code: 'PDLSTOP', name: 'Проценты только в срок', interestAfterTerm: false },
        STAFF,
      ),
    );
  });
  after(async () => {
    await db.close();
  });

  it('stops interest at the term and charges 0.1 % a day on the overdue debt; a product that keeps interest gets 20 % a year', async () => {
    const stop = await issuedLoan(db.ctx, {
      product: 'PDLSTOP',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-05-01',
    });
    const keep = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-05-01',
    });
    // Nightly closes through ten days past the due date (2026-05-31).
    for (let d = '2026-05-02'; d <= '2026-06-10'; d = addDays(d, 1)) await runCob(db.ctx.pool, d);
    const s = (await getLoanState(db.ctx.pool, stop))!;
    assert.equal(s.interestAccrued, 240_000n, 'interest for the 30 days of the term only');
    // 0.1 % a day of the overdue debt (10 000 principal + 2 400 interest) = 12.40 roubles, 10 days.
    assert.equal(s.penaltyAccrued, 10n * 1_240n);
    const k = (await getLoanState(db.ctx.pool, keep))!;
    assert.equal(k.interestAccrued, interestFor(1_000_000n, '0.8', 40));
    // 20 % a year on overdue principal, a day at a time: round(10 000 00 × 20 / 36 500) = 548 kopecks.
    assert.equal(k.penaltyAccrued, 10n * 548n);
    const summary = await debtSummary(db.ctx.pool, stop, '2026-06-10');
    assert.equal(summary.penalties, 12_400n);
    assert.equal(summary.totalDebt, 1_000_000n + 240_000n + 12_400n);
    await receivablesAgree(db);
  });

  it('a catch-up run over the days after the term gives the same figures', async () => {
    const stop = await issuedLoan(db.ctx, {
      product: 'PDLSTOP',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-07-01',
    });
    // Shown before COB posts it: the debt summary runs the same SQL.
    const preview = await debtSummary(db.ctx.pool, stop, '2026-08-10');
    assert.equal(preview.interest, 240_000n);
    assert.equal(preview.penalties, 12_400n);
    await runCob(db.ctx.pool, '2026-08-10');
    const s = (await getLoanState(db.ctx.pool, stop))!;
    assert.equal(s.interestAccrued, 240_000n);
    assert.equal(s.penaltyAccrued, 12_400n);
    // The regime is the deal's: signed under the cap rule of 0.1 % a day, snapshotted.
    const row = (
      await db.ctx.pool.query<{ a: boolean; p: string }>(
        'SELECT interest_after_term AS a, penalty_after_daily::text AS p FROM lending.loan_state WHERE deal_id = $1',
        [stop],
      )
    ).rows[0]!;
    assert.deepEqual([row.a, Number(row.p)], [false, 0.1]);
    await receivablesAgree(db);
  });
});

describe('lending: duty and other charges', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
    await seedProducts(db.ctx);
  });
  after(async () => {
    await db.close();
  });

  it('charges duty outside the cap and other fees inside it, idempotently by key, audited', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-05-01',
    });
    const date = '2026-05-10'; // 9 days: 720 roubles of interest
    const cash0 = await orgBalance(db.ctx.pool, 'cash');
    const duty = await withTx(db.ctx.pool, (tx) =>
      chargeDeal(
        tx,
        { deal: id, kind: 'duty', amount: 500_000n, reason: 'госпошлина, судебный приказ', date, key: 'd1' },
        STAFF,
      ),
    );
    assert.equal(duty.replayed, false);
    const again = await withTx(db.ctx.pool, (tx) =>
      chargeDeal(tx, { deal: id, kind: 'duty', amount: 500_000n, reason: 'повтор', date, key: 'd1' }, STAFF),
    );
    assert.equal(again.replayed, true);
    assert.equal(again.charge.id, duty.charge.id);
    await assert.rejects(
      withTx(db.ctx.pool, (tx) =>
        chargeDeal(tx, { deal: id, kind: 'duty', amount: 1n, reason: 'другое', date, key: 'd1' }, STAFF),
      ),
      /ключ уже использован/,
    );
    await withTx(db.ctx.pool, (tx) =>
      chargeDeal(
        tx,
        { deal: id, kind: 'other', amount: 50_000n, reason: 'SMS-информирование', date, key: 'o1' },
        STAFF,
      ),
    );
    // Cap 100 % (signed 2026-05-01): 10 000 − 720 interest − 500 other leaves 8 780 roubles of room.
    await assert.rejects(
      withTx(db.ctx.pool, (tx) =>
        chargeDeal(tx, { deal: id, kind: 'other', amount: 878_001n, reason: 'сверх предела', date }, STAFF),
      ),
      (e: Error & { code?: string }) => e.code === 'lending.cap.overpayment',
    );
    assert.equal((await listCharges(db.ctx.pool, id)).length, 2, 'the refused charge left nothing');
    assert.equal(await orgBalance(db.ctx.pool, 'cash'), cash0 - 500_000n, 'the lender paid the duty');
    const summary = await debtSummary(db.ctx.pool, id, date);
    assert.equal(summary.duty, 500_000n);
    assert.equal(summary.other, 50_000n);
    assert.equal(summary.totalDebt, 1_000_000n + 72_000n + 550_000n);
    const audits = await db.ctx.pool.query(
      `SELECT count(*)::int AS n FROM audit.log WHERE action = 'lending.charge.create' AND subject_id = $1`,
      [String(id)],
    );
    assert.equal(audits.rows[0]?.n, 2);
    await receivablesAgree(db);

    // Other payments come last, duty before other fees.
    const first = await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: id, amount: 1_200_000n, service: 'cash', txnId: 'c1', date }, PAYER),
    );
    assert.equal(first.payment.allocation.currentInterest, 72_000n);
    assert.equal(first.payment.allocation.currentPrincipal, 1_000_000n);
    assert.equal(first.payment.allocation.other, 128_000n);
    const legs = (
      await db.ctx.pool.query<{ code: string; amount: bigint }>(
        `SELECT a.code, e.amount FROM ledger.entries e JOIN ledger.accounts a ON a.id = e.account_id
         WHERE e.transfer_id = $1 AND a.code LIKE 'mfo:%_receivable:RUB%' ORDER BY a.code`,
        [first.payment.transferId],
      )
    ).rows;
    assert.deepEqual(legs, [
      { code: 'mfo:duty_receivable:RUB', amount: -128_000n },
      // The deal's shard of the lender's accounts (duty receivable is not sharded).
      { code: orgAccountCode('interest_receivable', shardOf(id)), amount: -72_000n },
    ]);
    assert.equal((await getDeal(db.ctx.pool, id)).status, 'Выдан', 'charges still owed');
    const s1 = (await getLoanState(db.ctx.pool, id))!;
    assert.deepEqual([s1.dutyPaid, s1.otherPaid], [128_000n, 0n]);
    const last = await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: id, amount: 422_000n, service: 'cash', txnId: 'c2', date }, PAYER),
    );
    assert.equal((await getDeal(db.ctx.pool, id)).status, 'Оплачен');
    const s2 = (await getLoanState(db.ctx.pool, id))!;
    assert.deepEqual([s2.dutyPaid, s2.otherPaid], [500_000n, 50_000n]);
    await receivablesAgree(db);
    await withTx(db.ctx.pool, (tx) =>
      reversePayment(tx, last.payment.number, 'ошибочный платёж', STAFF, date),
    );
    const s3 = (await getLoanState(db.ctx.pool, id))!;
    assert.deepEqual([s3.dutyPaid, s3.otherPaid], [128_000n, 0n]);
    assert.equal((await getDeal(db.ctx.pool, id)).status, 'Выдан');
    await receivablesAgree(db);
  });

  it('parallel retries of one charge write it once', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-05-01',
    });
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        withTx(db.ctx.pool, (tx) =>
          chargeDeal(
            tx,
            { deal: id, kind: 'duty', amount: 300_000n, reason: 'пошлина', date: '2026-05-05', key: 'same' },
            STAFF,
          ),
        ),
      ),
    );
    assert.equal(results.filter((r) => !r.replayed).length, 1);
    assert.equal(new Set(results.map((r) => String(r.charge.id))).size, 1);
    assert.equal((await getLoanState(db.ctx.pool, id))!.dutyAccrued, 300_000n);
    await receivablesAgree(db);
  });

  it('an advance on account pays charges on the next close of business', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'ANN6',
      amount: 3_000_000n,
      termDays: 180,
      date: '2026-06-01',
    });
    const [l1] = await getSchedule(db.ctx.pool, id);
    // The first instalment's principal is current; what is paid beyond it waits on account.
    await withTx(db.ctx.pool, (tx) =>
      repay(
        tx,
        { deal: id, amount: l1!.principal + 30_000n, service: 'cash', txnId: 'adv', date: '2026-06-01' },
        PAYER,
      ),
    );
    assert.equal((await getLoanState(db.ctx.pool, id))!.advance, 30_000n);
    await withTx(db.ctx.pool, (tx) =>
      chargeDeal(
        tx,
        { deal: id, kind: 'other', amount: 10_000n, reason: 'справка', date: '2026-06-02' },
        STAFF,
      ),
    );
    await runCob(db.ctx.pool, '2026-06-02');
    const s = (await getLoanState(db.ctx.pool, id))!;
    assert.equal(s.otherPaid, 10_000n);
    assert.equal(s.advance, 20_000n);
    await receivablesAgree(db);
  });
});

describe('lending: partial early repayment re-computes the schedule', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
    await seedProducts(db.ctx);
  });
  after(async () => {
    await db.close();
  });

  async function earlyPay(mode: 'reduce_payment' | 'shorten_term', txnId: string) {
    const id = await issuedLoan(db.ctx, {
      product: 'ANN6',
      amount: 4_000_000n,
      termDays: 180,
      date: '2026-01-20',
    });
    const original = await getSchedule(db.ctx.pool, id);
    const date = '2026-01-30'; // 10 days: 1 200 roubles of interest
    const amount = 120_000n + original[0]!.principal + 1_000_000n;
    const r = await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: id, amount, service: 'cash', txnId, date, early: true, earlyMode: mode }, STAFF),
    );
    assert.equal(r.payment.allocation.earlyPrincipal, 1_000_000n);
    return { id, original, date, left: 4_000_000n - original[0]!.principal - 1_000_000n };
  }

  it('keeps the term with smaller instalments by default, keeps the old schedule as a version, stores the new ПСК', async () => {
    const { id, original, date, left } = await earlyPay('reduce_payment', 'e1');
    const lines = await getSchedule(db.ctx.pool, id);
    assert.equal(lines.length, original.length + 1, 'the payment line and every original due date');
    assert.equal(lines[0]!.dueDate, date);
    assert.equal(lines[0]!.principal, 4_000_000n - left);
    assert.equal(lines[0]!.interest, 120_000n);
    assert.equal(lines.at(-1)!.dueDate, original.at(-1)!.dueDate, 'same term');
    assert.equal(
      lines.reduce((a, l) => a + l.principal, 0n),
      4_000_000n,
    );
    // Independent annuity: r = 0.3 % × days to the end / 6 periods.
    const rest = lines.slice(1);
    const r = (0.003 * daysBetween(date, rest.at(-1)!.dueDate)) / rest.length;
    const expected = (Number(left) * r * (1 + r) ** rest.length) / ((1 + r) ** rest.length - 1);
    for (const l of rest.slice(0, -1))
      assert.ok(Math.abs(Number(l.total) - expected) <= 1, `${l.total} ≈ ${expected}`);
    assert.ok(rest[0]!.total < original[1]!.total, 'smaller instalment');
    assert.equal(rest[0]!.interest, interestFor(left, '0.3', daysBetween(date, rest[0]!.dueDate)));
    const versions = await listScheduleVersions(db.ctx.pool, id);
    assert.deepEqual(
      versions.map((v) => v.reason),
      ['issue', 'reduce_payment'],
    );
    assert.deepEqual(versions[0]!.lines, original);
    const deal = await getDeal(db.ctx.pool, id);
    assert.equal(versions[0]!.pskPercent, deal.pskPercent);
    assert.notEqual(versions[1]!.pskPercent, deal.pskPercent);
    assert.equal(
      versions[1]!.pskAmount,
      lines.reduce((a, l) => a + l.interest, 0n),
    );
    const stored = (
      await db.ctx.pool.query<{ v: number }>(
        'SELECT schedule_version AS v FROM lending.payments WHERE txn_id = $1',
        ['e1'],
      )
    ).rows[0]!;
    assert.equal(stored.v, 2);
    // Daily accrual on the smaller principal reaches the new line's interest exactly on its date.
    const due = rest[0]!.dueDate;
    for (let d = addDays(date, 1); d <= due; d = addDays(d, 1)) await runCob(db.ctx.pool, d);
    const paid = await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: id, amount: rest[0]!.total, service: 'cash', txnId: 'e1-2', date: due }, STAFF),
    );
    assert.equal(paid.payment.allocation.toAdvance, 0n);
    await runCob(db.ctx.pool, addDays(due, 1));
    const summary = await debtSummary(db.ctx.pool, id, addDays(due, 1));
    assert.equal(summary.daysPastDue, 0);
    assert.equal(summary.principalLeft, left - rest[0]!.principal);
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });

  it('shortens the term with the same instalments when the borrower chooses; a reversal brings the old schedule back', async () => {
    const { id, original, date, left } = await earlyPay('shorten_term', 'e2');
    const lines = await getSchedule(db.ctx.pool, id);
    const rest = lines.slice(1);
    assert.ok(rest.length < original.length, 'fewer instalments');
    assert.ok(rest.at(-1)!.dueDate < original.at(-1)!.dueDate, 'ends sooner');
    for (const [i, l] of rest.slice(0, -1).entries())
      assert.equal(l.total, original[i]!.total, 'same instalment');
    assert.ok(rest.at(-1)!.total <= original[rest.length - 1]!.total);
    assert.equal(
      rest.reduce((a, l) => a + l.principal, 0n),
      left,
    );
    assert.equal((await getLoanState(db.ctx.pool, id))!.lastDueDate, rest.at(-1)!.dueDate);
    const payment = (
      await db.ctx.pool.query<{ number: string }>('SELECT number FROM lending.payments WHERE txn_id = $1', [
        'e2',
      ])
    ).rows[0]!;
    await withTx(db.ctx.pool, (tx) => reversePayment(tx, payment.number, 'возврат банком', STAFF, date));
    assert.deepEqual(await getSchedule(db.ctx.pool, id), original);
    assert.equal((await getLoanState(db.ctx.pool, id))!.lastDueDate, original.at(-1)!.dueDate);
    assert.deepEqual(
      (await listScheduleVersions(db.ctx.pool, id)).map((v) => v.reason),
      ['issue', 'shorten_term', 'reversal'],
    );
  });
});

describe('lending: reversal re-accrues, refunds of money left on account', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
    await seedProducts(db.ctx);
  });
  after(async () => {
    await db.close();
  });

  it('a reversed payoff reopens the loan and accrues the days it was closed; a reversed partial payment adds the interest the smaller principal missed', async () => {
    const closed = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 500_000n,
      termDays: 30,
      date: '2026-03-01',
    });
    const partial = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-03-01',
    });
    const payoff = await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: closed, amount: 520_000n, service: 'cash', txnId: 'x1', date: '2026-03-06' }, PAYER),
    );
    const part = await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: partial, amount: 540_000n, service: 'cash', txnId: 'x2', date: '2026-03-06' }, PAYER),
    );
    assert.equal((await getDeal(db.ctx.pool, closed)).status, 'Оплачен');
    for (let d = '2026-03-07'; d <= '2026-03-16'; d = addDays(d, 1)) await runCob(db.ctx.pool, d);
    assert.equal(
      (await getLoanState(db.ctx.pool, closed))!.interestAccrued,
      20_000n,
      'COB skipped the closed loan',
    );
    await withTx(db.ctx.pool, (tx) =>
      reversePayment(tx, payoff.payment.number, 'платёж отозван', STAFF, '2026-03-16'),
    );
    await withTx(db.ctx.pool, (tx) =>
      reversePayment(tx, part.payment.number, 'платёж отозван', STAFF, '2026-03-16'),
    );
    const c = (await getLoanState(db.ctx.pool, closed))!;
    assert.equal(c.active, true);
    assert.equal(c.accruedThrough, '2026-03-16');
    assert.equal(c.interestAccrued, interestFor(500_000n, '0.8', 15));
    const p = (await getLoanState(db.ctx.pool, partial))!;
    assert.equal(p.interestAccrued, interestFor(1_000_000n, '0.8', 15));
    // The night's COB finds nothing more to add.
    await runCob(db.ctx.pool, '2026-03-16');
    assert.equal((await getLoanState(db.ctx.pool, closed))!.interestAccrued, 60_000n);
    assert.equal((await debtSummary(db.ctx.pool, closed, '2026-03-16')).totalDebt, 560_000n);
    await receivablesAgree(db);
  });

  it('refunds the rest of a paid-off loan to a card or by the bank registry; a failed refund puts it back', async () => {
    const simulator = await startCardPayoutSimulator();
    after(() => simulator.close());
    const gateway = createHttpCardPayoutGateway({ baseUrl: simulator.url });
    const loan = async (txnId: string) => {
      const id = await issuedLoan(db.ctx, {
        product: 'PDL30',
        amount: 500_000n,
        termDays: 30,
        date: '2026-04-01',
      });
      await withTx(db.ctx.pool, (tx) =>
        repay(tx, { deal: id, amount: 530_000n, service: 'cash', txnId, date: '2026-04-06' }, PAYER),
      );
      return id; // 5 days: 200 roubles of interest, 100 roubles left on account
    };
    const a = await loan('r1');
    const deal = await getDeal(db.ctx.pool, a);
    assert.equal(deal.status, 'Оплачен');
    const client = await clientBalanceAccount(db.ctx.pool, deal.clientId);
    assert.equal((await getAccount(db.ctx.pool, client.id)).balance, -10_000n);
    const cash0 = await orgBalance(db.ctx.pool, 'cash');
    const done = await refundToCard(db.ctx.pool, a, 'tok-4242', gateway, 'заявление клиента', STAFF);
    assert.equal(done.status, 'done');
    assert.equal(done.amount, 10_000n);
    assert.equal((await getAccount(db.ctx.pool, client.id)).balance, 0n);
    assert.equal(await orgBalance(db.ctx.pool, 'cash'), cash0 - 10_000n);
    assert.equal(await orgBalance(db.ctx.pool, 'refunds_payable'), 0n);
    assert.equal((await getLoanState(db.ctx.pool, a))!.advance, 0n);
    assert.equal((await debtSummary(db.ctx.pool, a, '2026-04-07')).accountBalance, 0n);
    assert.deepEqual(
      [...simulator.paid.values()].map((p) => [p.deal, p.amount]),
      [[deal.number, 10_000n]],
    );
    await assert.rejects(
      withTx(db.ctx.pool, (tx) => startRefund(tx, a, 'card', { cardToken: 'tok-4242' }, 'ещё раз', STAFF)),
      /нет остатка/,
    );

    const b = await loan('r2');
    const failed = await refundToCard(db.ctx.pool, b, 'tok-0000', gateway, 'заявление клиента', STAFF);
    assert.equal(failed.status, 'failed');
    assert.equal((await getLoanState(db.ctx.pool, b))!.advance, 10_000n, 'back on account');
    const bank = await withTx(db.ctx.pool, (tx) =>
      startRefund(
        tx,
        b,
        'bank',
        { bik: '044525225', account: '40817810000000000001' },
        'заявление клиента',
        STAFF,
      ),
    );
    const registry = await withTx(db.ctx.pool, (tx) => exportBankRegistry(tx, STAFF));
    assert.match(registry.csv, /Возврат излишне уплаченных средств/);
    assert.match(registry.csv, /;100\.00;/);
    await withTx(db.ctx.pool, (tx) => completeRefund(tx, bank.id, 'ПП-77', STAFF));
    assert.deepEqual(
      (await listRefunds(db.ctx.pool, b)).map((r) => r.status),
      ['failed', 'done'],
    );
    const audits = await db.ctx.pool.query<{ action: string }>(
      `SELECT action FROM audit.log WHERE subject_id = $1 AND action LIKE 'lending.refund.%' ORDER BY id`,
      [String(b)],
    );
    assert.deepEqual(
      audits.rows.map((r) => r.action),
      ['lending.refund.start', 'lending.refund.fail', 'lending.refund.start', 'lending.refund.complete'],
    );
    // Two refunds started at once: one takes the money, the other finds nothing left.
    const c = await loan('r3');
    const both = await Promise.allSettled(
      [1, 2].map(() =>
        withTx(db.ctx.pool, (tx) =>
          startRefund(
            tx,
            c,
            'bank',
            { bik: '044525225', account: '40817810000000000002' },
            'заявление',
            STAFF,
          ),
        ),
      ),
    );
    assert.deepEqual(both.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    assert.equal((await listRefunds(db.ctx.pool, c)).length, 1);
    // Not paid off: nothing to refund yet.
    const open = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 500_000n,
      termDays: 30,
      date: '2026-04-01',
    });
    await assert.rejects(
      withTx(db.ctx.pool, (tx) => startRefund(tx, open, 'card', { cardToken: 'tok-1' }, 'x', STAFF)),
      /только по погашенному/,
    );
    await receivablesAgree(db);
  });
});

describe('lending: the 2027 cooling period between high-ПСК loans', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
    await seedProducts(db.ctx);
  });
  after(async () => {
    await db.close();
  });

  it('is a cap rule from 2027-04-01 and declines a new high-ПСК application within three days of the payoff', async () => {
    assert.equal((await capsOn(db.ctx.pool, '2027-03-31')).highPskCoolingDays, null);
    assert.equal((await capsOn(db.ctx.pool, '2027-04-01')).highPskCoolingDays, 3);
    const passport = '45 27 270401';
    const client = clientInput({ passport });
    const apply = (today: string) =>
      withTx(db.ctx.pool, (tx) =>
        createApplication(
          tx,
          db.ctx.cipher,
          { client, product: 'PDL30', amount: 1_000_000n, termDays: 30, today },
          STAFF,
        ),
      );
    const repaidOn = async (issue: string, payoff: string) => {
      const id = await issuedLoan(db.ctx, {
        product: 'PDL30',
        amount: 1_000_000n,
        termDays: 30,
        date: issue,
        client: { passport },
      });
      const owed = (await debtSummary(db.ctx.pool, id, payoff)).totalDebt;
      await withTx(db.ctx.pool, (tx) =>
        repay(tx, { deal: id, amount: owed, service: 'cash', txnId: `off-${issue}`, date: payoff }, PAYER),
      );
      assert.equal((await getDeal(db.ctx.pool, id)).status, 'Оплачен');
    };
    // Before the rule: repaid on 2027-03-28, a new loan on 2027-03-30 is approved.
    await repaidOn('2027-03-20', '2027-03-28');
    const early = await apply('2027-03-30');
    assert.ok(!early.deal.scoringReasons.some((r) => r.code === 'high_psk_cooling'));
    await withTx(db.ctx.pool, (tx) => cancelDeal(tx, early.deal.id, 'тест', STAFF));
    // After it: repaid on 2027-04-05 (ПСК 292 % > 100 %), declined on 04-07 and 04-08, not on 04-09.
    await repaidOn('2027-04-01', '2027-04-05');
    const refused = await apply('2027-04-07');
    assert.equal(refused.deal.status, 'Отказ');
    assert.ok(refused.deal.scoringReasons.some((r) => r.code === 'high_psk_cooling'));
    assert.ok((await apply('2027-04-08')).deal.scoringReasons.some((r) => r.code === 'high_psk_cooling'));
    const later = await apply('2027-04-09');
    assert.ok(!later.deal.scoringReasons.some((r) => r.code === 'high_psk_cooling'));
  });
});
