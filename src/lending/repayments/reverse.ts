import { transfer } from '../../ledger/index.ts';
import { type Actor, audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { accrueDeal } from '../accrual/post-accrual.ts';
import { daysBetween, todayMoscow } from '../dates.ts';
import { moveDeal } from '../deals/history.ts';
import { orgAccountId, shardOf } from '../deals/ledger-accounts.ts';
import { getDeal } from '../deals/repository.ts';
import { getLoanState } from '../debt/loan-state.ts';
import { interestFor } from '../schedule.ts';
import { PAYMENT_COLUMNS, type Payment, toPayment } from './repay.ts';
import { restoreScheduleBefore } from './schedule-versions.ts';

/**
 * Reverses a payment (entered on the wrong deal, returned by the bank): the exact opposite
 * ledger transfer, the loan's paid amounts restored, a paid-off loan reopened, an audit record
 * with the reason. Refused when the advance it left has already been used.
 */
export async function reversePayment(
  db: Queryable,
  number: string,
  reason: string,
  actor: Actor,
  /** Business date of the reversal (today, Moscow, by default): a reopened loan is accrued to it. */
  date: string = todayMoscow(),
): Promise<Payment> {
  if (!reason.trim())
    throw new AppError('validation', 'lending.reason_required', 'укажите причину сторнирования');
  const found = await db.query<{ deal_id: bigint; duty: bigint; schedule_version: number | null }>(
    'SELECT deal_id, duty, schedule_version FROM lending.payments WHERE number = $1',
    [number],
  );
  if (!found.rows[0])
    throw new AppError('not_found', 'lending.payment_not_found', `платёж ${number} не найден`);
  const deal = await getDeal(db, found.rows[0].deal_id, true);
  const { rows } = await db.query<Parameters<typeof toPayment>[0]>(
    `SELECT ${PAYMENT_COLUMNS} FROM lending.payments WHERE number = $1 FOR UPDATE`,
    [number],
  );
  const payment = toPayment(rows[0]!);
  if (payment.reversed) throw new AppError('conflict', 'lending.payment_reversed', 'платёж уже сторнирован');
  if (payment.service === 'advance')
    throw new AppError('conflict', 'lending.payment_internal', 'зачёт аванса сторнируется вместе с платежом');
  const state = (await getLoanState(db, deal.id, true))!;
  const a = payment.allocation;
  if (state.advance < a.toAdvance)
    throw new AppError(
      'conflict',
      'lending.advance_used',
      'аванс из этого платежа уже зачтён, сторно невозможно',
    );
  const legs = await db.query<{ account_id: bigint; amount: bigint }>(
    'SELECT account_id, amount FROM ledger.entries WHERE transfer_id = $1',
    [payment.transferId],
  );
  const reversal = await transfer(db, {
    key: `lending:repay-reversal:${payment.id}`,
    kind: 'lending.repayment_reversal',
    entries: legs.rows.map((e) => ({ account: e.account_id, amount: -e.amount })),
    description: `Сторно оплаты ${payment.number} по договору ${deal.number}`,
  });
  await db.query(
    `UPDATE lending.payments SET reversed_at = now(), reversal_transfer_id = $2, reversal_reason = $3 WHERE id = $1`,
    [payment.id, reversal.id, reason],
  );
  const duty = found.rows[0].duty;
  const principal = a.overduePrincipal + a.currentPrincipal + a.earlyPrincipal;
  await db.query(
    `UPDATE lending.loan_state SET principal_paid = principal_paid - $2, interest_paid = interest_paid - $3,
       penalty_paid = penalty_paid - $4, advance = advance - $5, duty_paid = duty_paid - $6,
       other_paid = other_paid - $7
     WHERE deal_id = $1`,
    [deal.id, principal, a.overdueInterest + a.currentInterest, a.penalty, a.toAdvance, duty, a.other - duty],
  );
  if (found.rows[0].schedule_version !== null)
    await restoreScheduleBefore(db, deal.id, found.rows[0].schedule_version, date, payment.id);
  // Interest the loan did not accrue because this principal counted as repaid: the days from the
  // payment to the last accrued date on it, within the cap.
  const reaccrued = await reaccrue(db, deal.id, payment.id, principal, payment.date, state.accruedThrough);
  const after = (await getLoanState(db, deal.id))!;
  if (deal.status === 'Оплачен' || (deal.status === 'Внесен аванс' && after.advance === 0n))
    await moveDeal(db, deal.id, 'Выдан', actor, `сторно оплаты ${payment.number}: ${reason}`);
  // A loan closed by this payment was skipped by COB since: reopened, it catches up to `date`.
  const reopened = (await getLoanState(db, deal.id))!;
  if (reopened.active && reopened.accruedThrough < date) await accrueDeal(db, deal.id, date);
  await audit(db, {
    actor,
    action: 'lending.payment.reverse',
    subjectType: 'lending.deal',
    subjectId: String(deal.id),
    details: { payment: payment.number, amount: payment.amount, reason, reaccrued },
  });
  return { ...payment, reversed: true };
}

/**
 * Interest on `principal` (restored by a reversal) for the days (paidOn, accruedThrough] that
 * daily accrual ran on the smaller principal, within the cap; one ledger transfer and the
 * loan's `interest_accrued`. Returns what was added.
 */
async function reaccrue(
  db: Queryable,
  dealId: bigint,
  paymentId: bigint,
  principal: Kopecks,
  paidOn: string,
  accruedThrough: string,
): Promise<Kopecks> {
  const days = daysBetween(paidOn, accruedThrough);
  if (principal === 0n || days <= 0) return 0n;
  const { rows } = await db.query<{ mode: string; rate: string; room: bigint }>(
    `SELECT accrual_mode AS mode, daily_rate::text AS rate,
            greatest(0, cap_amount - interest_accrued - penalty_accrued - other_accrued)::bigint AS room
     FROM lending.loan_state WHERE deal_id = $1`,
    [dealId],
  );
  const r = rows[0]!;
  if (r.mode !== 'daily') return 0n;
  const full = interestFor(principal, r.rate, days);
  const amount = full < r.room ? full : r.room;
  if (amount === 0n) return 0n;
  await transfer(db, {
    key: `lending:reaccrue:${paymentId}`,
    kind: 'lending.accrual',
    entries: [
      { account: await orgAccountId(db, 'interest_income', shardOf(dealId)), amount: -amount },
      { account: await orgAccountId(db, 'interest_receivable', shardOf(dealId)), amount },
    ],
    description: `Доначисление процентов после сторно платежа за ${days} дн.`,
  });
  await db.query(
    'UPDATE lending.loan_state SET interest_accrued = interest_accrued + $2 WHERE deal_id = $1',
    [dealId, amount],
  );
  return amount;
}
