import { transfer } from '../../ledger/index.ts';
import { type Actor, audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import { moveDeal } from '../deals/history.ts';
import { getDeal } from '../deals/repository.ts';
import { getLoanState } from '../debt/loan-state.ts';
import { PAYMENT_COLUMNS, type Payment, toPayment } from './repay.ts';

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
): Promise<Payment> {
  if (!reason.trim())
    throw new AppError('validation', 'lending.reason_required', 'укажите причину сторнирования');
  const found = await db.query<{ deal_id: bigint }>(
    'SELECT deal_id FROM lending.payments WHERE number = $1',
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
  await db.query(
    `UPDATE lending.loan_state SET principal_paid = principal_paid - $2, interest_paid = interest_paid - $3,
       penalty_paid = penalty_paid - $4, advance = advance - $5
     WHERE deal_id = $1`,
    [
      deal.id,
      a.overduePrincipal + a.currentPrincipal + a.earlyPrincipal,
      a.overdueInterest + a.currentInterest,
      a.penalty,
      a.toAdvance,
    ],
  );
  const after = (await getLoanState(db, deal.id))!;
  if (deal.status === 'Оплачен' || (deal.status === 'Внесен аванс' && after.advance === 0n))
    await moveDeal(db, deal.id, 'Выдан', actor, `сторно оплаты ${payment.number}: ${reason}`);
  await audit(db, {
    actor,
    action: 'lending.payment.reverse',
    subjectType: 'lending.deal',
    subjectId: String(deal.id),
    details: { payment: payment.number, amount: payment.amount, reason },
  });
  return { ...payment, reversed: true };
}
