import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findAccount, getAccount, verifyLedger } from '../../src/ledger/index.ts';
import { orgAccounts, shardOf } from '../../src/lending/deals/ledger-accounts.ts';
import { getDeal, getSchedule } from '../../src/lending/deals/repository.ts';
import { getLoanState, type LoanState } from '../../src/lending/debt/loan-state.ts';
import { positionOf } from '../../src/lending/debt/position.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { allocate } from '../../src/lending/repayments/allocation.ts';
import { recordRepayment } from '../../src/lending/repayments/post-payment.ts';
import { duesOf, PAYMENT_COLUMNS, repay } from '../../src/lending/repayments/repay.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { AppError } from '../../src/platform/errors.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { issuedLoan, seedProducts } from './lending-fixtures.ts';

/**
 * The repayment's statements of migration 0026 (lending.repay_reads, lending.post_repayment):
 * what a payment writes is what the allocation, computed here independently from the loan's
 * state and schedule, says; a repeat or a refusal accrues nothing; a failing post writes nothing.
 */
const PAYER = { type: 'system', id: 'qiwi' } as const;

describe('lending repayment statements (migration 0026)', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase({ poolSize: 12 });
    await seedProducts(db.ctx);
  });
  after(async () => {
    await db.close();
  });

  /** The loan's accrual through `date` as COB would compute it (nothing written). */
  async function pendingAccrual(id: bigint, date: string) {
    const { rows } = await db.ctx.pool.query<{ interest: bigint; penalty: bigint }>(
      'SELECT interest, penalty FROM lending.accrual_calc_deal($1::date, $2)',
      [date, id],
    );
    return rows[0] ?? { interest: 0n, penalty: 0n };
  }

  /** The loan's state with the accrual through `date`, and its position on that date. */
  async function expected(id: bigint, date: string) {
    const before = (await getLoanState(db.ctx.pool, id))!;
    const pending = await pendingAccrual(id, date);
    const state: LoanState = {
      ...before,
      interestAccrued: before.interestAccrued + pending.interest,
      penaltyAccrued: before.penaltyAccrued + pending.penalty,
      accruedThrough: date,
    };
    return { before, pending, state, position: positionOf(state, await getSchedule(db.ctx.pool, id), date) };
  }

  async function transferOf(key: string) {
    const { rows } = await db.ctx.pool.query<{ id: bigint; description: string }>(
      'SELECT id, description FROM ledger.transfers WHERE idem_key = $1',
      [key],
    );
    return rows[0];
  }

  for (const kind of ['partial', 'full', 'over'] as const) {
    it(`${kind === 'over' ? 'an over' : `a ${kind}`}-payment with accrual pending writes the allocation of the debt on its date, accrual included`, async () => {
      const id = await issuedLoan(db.ctx, {
        product: 'PDL30',
        amount: 1_000_000n,
        termDays: 30,
        date: '2026-05-01',
      });
      const date = '2026-05-11';
      const e = await expected(id, date);
      assert.ok(e.pending.interest > 0n, 'ten days of interest are pending');
      const amount =
        kind === 'partial'
          ? e.pending.interest + 1_000n
          : e.position.totalDebt + (kind === 'over' ? 500n : 0n);
      const a = allocate(amount, duesOf(e.position));
      const { payment, replayed } = await withTx(db.ctx.pool, (tx) =>
        repay(tx, { deal: id, amount, service: 'QIWI', txnId: `fn-${kind}`, date }, PAYER),
      );
      assert.equal(replayed, false);
      assert.deepEqual(payment.allocation, a);
      assert.match(payment.number, /^ПКО\d{8}$/);
      const s = (await getLoanState(db.ctx.pool, id))!;
      assert.equal(s.accruedThrough, date);
      assert.equal(s.interestAccrued, e.before.interestAccrued + e.pending.interest);
      assert.equal(s.interestPaid, e.before.interestPaid + a.overdueInterest + a.currentInterest);
      assert.equal(
        s.principalPaid,
        e.before.principalPaid + a.overduePrincipal + a.currentPrincipal + a.earlyPrincipal,
      );
      assert.equal(s.advance, e.before.advance + a.toAdvance);
      // The accrual's transfer and the payment's, with the payment's number in its description.
      const accrual = await transferOf(`lending:accrue:${date}:deal:${id}`);
      assert.ok(accrual, 'the accrual is posted with the payment');
      const own = await transferOf(`lending:repay:QIWI:fn-${kind}`);
      assert.equal(own?.id, payment.transferId);
      const deal = await getDeal(db.ctx.pool, id);
      assert.equal(own?.description, `Оплата по договору ${deal.number}, ${payment.number}`);
      const acc = await orgAccounts(db.ctx.pool, shardOf(id));
      const legs = (
        await db.ctx.pool.query<{ account_id: bigint; amount: bigint }>(
          'SELECT account_id, amount FROM ledger.entries WHERE transfer_id = $1',
          [payment.transferId],
        )
      ).rows;
      assert.equal(legs.find((l) => l.account_id === acc.cash)?.amount, amount);
      if (kind === 'over') {
        assert.equal(a.toAdvance, 500n);
        const client = (await findAccount(db.ctx.pool, `client:${s.clientId}:balance`))!;
        assert.equal(client.balance, -500n);
      } else assert.equal(a.toAdvance, 0n);
      if (kind !== 'partial') {
        assert.equal(deal.status, 'Оплачен');
        assert.equal((await getAccount(db.ctx.pool, s.principalAccountId)).balance, 0n);
      } else assert.equal(a.currentPrincipal + a.overduePrincipal + a.earlyPrincipal, 1_000n);
      // The summary checks the sub-ledger against the ledger (it throws when they disagree).
      await debtSummary(db.ctx.pool, id, date);
      assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
    });
  }

  it('a repeat on a later date, a refusal and a deal not payable accrue nothing', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-06-01',
    });
    const pay = (txnId: string, date: string, accept?: (debt: bigint) => void) =>
      withTx(db.ctx.pool, (tx) =>
        repay(
          tx,
          { deal: id, amount: 10_000n, service: 'QIWI', txnId, date, ...(accept ? { accept } : {}) },
          PAYER,
        ),
      );
    const first = await pay('rep-1', '2026-06-03');
    const s1 = (await getLoanState(db.ctx.pool, id))!;
    assert.equal(s1.accruedThrough, '2026-06-03');
    // The repeat comes days later: the stored payment, and the loan is not accrued to its date.
    const again = await pay('rep-1', '2026-06-09');
    assert.equal(again.replayed, true);
    assert.equal(again.payment.id, first.payment.id);
    assert.deepEqual(await getLoanState(db.ctx.pool, id), s1);
    assert.equal(await transferOf(`lending:accrue:2026-06-09:deal:${id}`), undefined);
    // Refused under the lock after the accrual was computed: everything rolls back.
    await assert.rejects(
      pay('rep-2', '2026-06-09', () => {
        throw new AppError('limit', 'test.refused', 'отказ');
      }),
      (e: unknown) => e instanceof AppError && e.code === 'test.refused',
    );
    assert.deepEqual(await getLoanState(db.ctx.pool, id), s1);
    // A deal not payable: refused before any accrual.
    await db.ctx.pool.query(`UPDATE lending.deals SET status = 'Отказ' WHERE id = $1`, [id]);
    const reads = await db.ctx.pool.query<{ existing: bigint | null; accrued_interest: bigint }>(
      `SELECT existing, accrued_interest FROM lending.repay_reads($1, 'QIWI', 'rep-1', '2026-06-09', true)`,
      [id],
    );
    assert.equal(reads.rows[0]!.existing, first.payment.id, 'a repeat found by repay_reads accrues nothing');
    assert.equal(reads.rows[0]!.accrued_interest, 0n);
    await assert.rejects(
      pay('rep-3', '2026-06-09'),
      (e: unknown) => e instanceof AppError && e.code === 'lending.deal_not_payable',
    );
    assert.deepEqual(await getLoanState(db.ctx.pool, id), s1);
  });

  it('post_repayment is all or nothing: a ledger refusal leaves no payment, no paid amounts, no transfer', async () => {
    const id = await issuedLoan(db.ctx, {
      product: 'PDL30',
      amount: 1_000_000n,
      termDays: 30,
      date: '2026-07-01',
    });
    const s0 = (await getLoanState(db.ctx.pool, id))!;
    const acc = await orgAccounts(db.ctx.pool, shardOf(id));
    const a = allocate(5_000n, { ...duesOf(positionOf(s0, [], '2026-07-01')), currentInterest: 5_000n });
    const record = (entries: { account: bigint; amount: bigint }[]) =>
      recordRepayment(
        db.ctx.pool,
        [{ key: 'lending:repay:QIWI:atomic', kind: 'lending.repayment', entries, description: '{number}' }],
        {
          numberPrefix: 'ПКО',
          paymentKey: 'lending:repay:QIWI:atomic',
          dealId: id,
          service: 'QIWI',
          txnId: 'atomic',
          date: '2026-07-01',
          amount: 5_000n,
          allocation: a,
          duty: 0n,
          online: false,
          toBankAccount: false,
        },
        PAYMENT_COLUMNS,
      );
    // Unbalanced: the ledger refuses (KL004, translated) after nothing else was written.
    await assert.rejects(
      record([
        { account: acc.cash, amount: 5_000n },
        { account: acc.interest_receivable, amount: -4_000n },
      ]),
      (e: unknown) => e instanceof AppError && e.code === 'ledger.unbalanced',
    );
    assert.deepEqual(await getLoanState(db.ctx.pool, id), s0);
    assert.equal(await transferOf('lending:repay:QIWI:atomic'), undefined);
    const none = await db.ctx.pool.query(`SELECT 1 FROM lending.payments WHERE txn_id = 'atomic'`);
    assert.equal(none.rowCount, 0);
    // Balanced: one payment, its transfer, the description numbered.
    const row = await record([
      { account: acc.cash, amount: 5_000n },
      { account: acc.interest_receivable, amount: -5_000n },
    ]);
    const t = await transferOf('lending:repay:QIWI:atomic');
    assert.equal((row as { transfer_id: bigint }).transfer_id, t?.id);
    assert.equal(t?.description, (row as { number: string }).number);
    assert.equal((await getLoanState(db.ctx.pool, id))!.interestPaid, s0.interestPaid + 5_000n);
  });
});
