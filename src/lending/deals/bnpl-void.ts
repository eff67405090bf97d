import { move, transfer } from '../../ledger/index.ts';
import { type Actor, audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import { getLoanState } from '../debt/loan-state.ts';
import { reversePayment } from '../repayments/reverse.ts';
import { recordHistory } from './history.ts';
import { clientBalanceAccount, dealPrincipalAccount, orgAccount } from './ledger-accounts.ts';
import { type Deal, getDeal } from './repository.ts';

/** Statuses from which a just-opened BNPL deal can be voided. */
const VOIDABLE = ['Выдан', 'Внесен аванс', 'Оплачен'] as const;

/**
 * Voids a just-opened BNPL deal (Moneywall: a full refund within 24 hours of opening): every
 * payment on it is reversed (the first instalment goes back to the customer's card by the
 * checkout), the interest and penalties accrued are taken back, the issue transfer is reversed
 * (the merchant's money returns to the lender) and the deal becomes "Отменен". The transition
 * table does not allow Выдан -> Отменен for ordinary loans, so this is the one place that does
 * it, for BNPL3 deals only, in the caller's transaction.
 */
export async function voidBnplDeal(
  db: Queryable,
  dealId: bigint,
  reason: string,
  actor: Actor,
): Promise<Deal> {
  const deal = await getDeal(db, dealId, true);
  const kind = await db.query<{ kind: string }>(`SELECT p.kind FROM lending.products p WHERE p.id = $1`, [
    deal.productId,
  ]);
  if (kind.rows[0]?.kind !== 'bnpl3')
    throw new AppError('conflict', 'lending.not_bnpl', 'аннулировать можно только договор BNPL');
  if (!(VOIDABLE as readonly string[]).includes(deal.status))
    throw new AppError(
      'conflict',
      'lending.transition_refused',
      `договор в статусе «${deal.status}» не аннулируется`,
    );
  const payments = await db.query<{ number: string }>(
    `SELECT number FROM lending.payments WHERE deal_id = $1 AND reversed_at IS NULL AND service <> 'advance'
     ORDER BY id DESC`,
    [dealId],
  );
  for (const p of payments.rows) await reversePayment(db, p.number, reason, actor);
  const state = await getLoanState(db, dealId, true);
  if (state) {
    const interest = state.interestAccrued - state.interestPaid;
    const penalty = state.penaltyAccrued - state.penaltyPaid;
    const entries = [
      ...(interest > 0n
        ? move(
            (await orgAccount(db, 'interest_receivable')).id,
            (await orgAccount(db, 'interest_income')).id,
            interest,
          )
        : []),
      ...(penalty > 0n
        ? move(
            (await orgAccount(db, 'penalty_receivable')).id,
            (await orgAccount(db, 'penalty_income')).id,
            penalty,
          )
        : []),
    ];
    if (entries.length > 0)
      await transfer(db, {
        key: `lending:bnpl-void:accrual:${dealId}`,
        kind: 'lending.accrual_reversal',
        entries,
        description: `Аннулирование начислений по договору ${deal.number}`,
      });
    await db.query(
      `UPDATE lending.loan_state SET interest_accrued = interest_paid, penalty_accrued = penalty_paid,
         interest_frac = 0, overdue_principal = 0, overdue_interest = 0, dpd = 0, active = false
       WHERE deal_id = $1`,
      [dealId],
    );
  }
  const principal = await dealPrincipalAccount(db, dealId);
  const cash = await orgAccount(db, 'cash');
  await transfer(db, {
    key: `lending:bnpl-void:issue:${dealId}`,
    kind: 'lending.issue_reversal',
    entries: move(principal.id, cash.id, deal.amount),
    description: `Аннулирование выдачи по договору ${deal.number}`,
    metadata: { deal: deal.number },
  });
  const after = await getDeal(db, dealId, true);
  await db.query(`UPDATE lending.deals SET status = 'Отменен', status_changed_at = now() WHERE id = $1`, [
    dealId,
  ]);
  await recordHistory(db, dealId, after.status, 'Отменен', actor, reason);
  await audit(db, {
    actor,
    action: 'lending.deal.bnpl_void',
    subjectType: 'lending.deal',
    subjectId: String(dealId),
    details: { reason },
  });
  return getDeal(db, dealId);
}

/**
 * A merchant's refund that arrives after the BNPL loan is already repaid (earlier refunds or the
 * customer's payments covered it): the money is the customer's, held on the client's account
 * like any overpayment (`client:<id>:balance`), one ledger transfer keyed by the caller.
 */
export async function creditRepaidBnplClient(
  db: Queryable,
  dealId: bigint,
  amount: bigint,
  key: string,
  actor: Actor,
): Promise<void> {
  const deal = await getDeal(db, dealId, true);
  if (deal.status !== 'Оплачен')
    throw new AppError(
      'conflict',
      'lending.deal_not_repaid',
      `договор в статусе «${deal.status}» ещё не погашен`,
    );
  const client = await clientBalanceAccount(db, deal.clientId);
  const cash = await orgAccount(db, 'cash');
  await transfer(db, {
    key,
    kind: 'lending.client_credit',
    entries: move(client.id, cash.id, amount),
    description: `Возврат по погашенному договору ${deal.number} на счёт клиента`,
    metadata: { deal: deal.number },
  });
  await audit(db, {
    actor,
    action: 'lending.deal.client_credit',
    subjectType: 'lending.deal',
    subjectId: String(dealId),
    details: { amount: String(amount) },
  });
}
