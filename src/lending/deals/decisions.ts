import type { Actor } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import { capsOn } from '../caps.ts';
import { todayMoscow } from '../dates.ts';
import { getProduct } from '../products/repository.ts';
import type { DealStatus } from '../types.ts';
import { moveDeal } from './history.ts';
import { type Deal, getDeal } from './repository.ts';

export type ManualDecision = 'approve' | 'preapprove' | 'decline' | 'review';

const DECISION_STATUS: Record<ManualDecision, DealStatus> = {
  approve: 'Одобрен',
  preapprove: 'Предварительно одобрено',
  decline: 'Отказ',
  review: 'На рассмотрении',
};

/** A decision by staff: always with a reason, recorded in the history and the audit log. */
export async function decideDeal(
  db: Queryable,
  dealId: bigint,
  decision: ManualDecision,
  reason: string,
  actor: Actor,
): Promise<Deal> {
  if (!reason.trim()) throw new AppError('validation', 'lending.reason_required', 'укажите причину решения');
  await moveDeal(db, dealId, DECISION_STATUS[decision], actor, reason, [
    'Новый',
    'На рассмотрении',
    'Предварительно одобрено',
    ...(decision === 'decline' ? (['Одобрен'] as const) : []),
  ]);
  await db.query('UPDATE lending.deals SET decision_reason = $2 WHERE id = $1', [dealId, reason]);
  return getDeal(db, dealId);
}

/**
 * Signing ("Подписан (дистанционно)"): the ASP code flow belongs to the site face; here the
 * proof it produced is kept, the signing date becomes the deal's date for the caps, and the
 * terms COB needs (daily rate, penalty rate, overpayment cap of that date) are snapshotted.
 */
export async function signDeal(
  db: Queryable,
  dealId: bigint,
  proof: string,
  actor: Actor,
  today: string = todayMoscow(),
): Promise<Deal> {
  await moveDeal(db, dealId, 'Подписан (дистанционно)', actor, 'договор подписан', ['Одобрен']);
  const deal = await getDeal(db, dealId);
  const product = await getProduct(db, deal.productId);
  const caps = await capsOn(db, today);
  await db.query(
    `UPDATE lending.deals SET signed_at = now(), sign_proof = $2, contract_date = $3,
       daily_rate = $4, penalty_rate_year = $5, cap_percent = $6, interest_after_term = $7,
       penalty_after_daily = $8
     WHERE id = $1`,
    [
      dealId,
      proof,
      today,
      product.dailyRate,
      product.penaltyRateYear,
      caps.overpaymentCapPercent,
      product.interestAfterTerm ?? true,
      caps.penaltyAfterDailyPercent,
    ],
  );
  return getDeal(db, dealId);
}

/** Client's refusal ("Отменен") before the money is out. */
export async function cancelDeal(db: Queryable, dealId: bigint, reason: string, actor: Actor): Promise<Deal> {
  await moveDeal(db, dealId, 'Отменен', actor, reason || 'заемщик отказался от займа');
  return getDeal(db, dealId);
}
