import { creditRepaidBnplClient, voidBnplDeal } from '../lending/deals/bnpl-void.ts';
import { getDeal } from '../lending/deals/repository.ts';
import { repay } from '../lending/repayments/repay.ts';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { withTx } from '../platform/db/tx.ts';
import { formatRoublesRu, type Kopecks } from '../platform/money.ts';
import { acquiringGateway } from './acquiring/gateway.ts';
import { bnplError } from './errors.ts';
import type { Merchant } from './merchants.ts';
import { CHECKOUT } from './opening.ts';
import { type Session, sessionById, sessionByOrder } from './sessions.ts';
import { moveSession, type SessionState } from './states.ts';

/** A contract may be cancelled (voided) within this time of its opening; later only repaid. */
export const VOID_WINDOW_MS = 24 * 3600 * 1000;

export interface RefundResult {
  orderId: string;
  state: SessionState;
  kind: 'void' | 'early_repayment';
  amount: Kopecks;
  refundedTotal: Kopecks;
}

function check(session: Session, amount: Kopecks): { full: boolean } {
  if (session.state !== 'authorized' && session.state !== 'charged')
    throw bnplError(
      'conflict',
      'not_refundable',
      `возврат невозможен: платёжная сессия в статусе ${session.state}`,
    );
  const left = session.amount - session.refundedTotal;
  if (amount <= 0n) throw bnplError('validation', 'amount', 'amount: сумма возврата должна быть больше нуля');
  if (amount > left)
    throw bnplError(
      'validation',
      'amount',
      `amount: сумма возврата больше остатка заказа (${formatRoublesRu(left)})`,
    );
  return { full: amount === left };
}

function voids(session: Session, full: boolean, now: number): boolean {
  return (
    full &&
    session.refundedTotal === 0n &&
    session.state === 'authorized' &&
    session.authorizedAt !== null &&
    now - session.authorizedAt.getTime() < VOID_WINDOW_MS
  );
}

/**
 * `refund`: a full refund within 24 hours of opening voids the contract (the first instalment's
 * hold is released at the acquirer, the deal is cancelled, the merchant's money returns); any
 * other refund is an early repayment of the loan in the refund's amount, and the one that
 * completes the order's amount closes the contract (refunded). The document gives no refund
 * id, so each call is a new refund: calls are serialised per session and together can never
 * exceed the order's amount.
 */
export async function refund(
  ctx: AppContext,
  merchant: Merchant,
  orderId: string,
  amount: Kopecks,
  now = Date.now(),
): Promise<RefundResult> {
  const seen = await sessionByOrder(ctx.pool, merchant.id, orderId);
  const { full } = check(seen, amount);
  if (voids(seen, full, now)) {
    // Release the hold first (outside the transaction); the void is recorded only after it.
    const held = await ctx.pool.query<{ external_id: string }>(
      `SELECT external_id FROM bnpl.card_payments WHERE session_id = $1 AND status IN ('authorized', 'captured')
       ORDER BY id DESC LIMIT 1`,
      [seen.id],
    );
    if (held.rows[0]) {
      const answer = await acquiringGateway(ctx.config).void(held.rows[0].external_id);
      if (answer.status !== 'voided')
        throw bnplError('unavailable', 'void_failed', 'эквайринг не отменил первый платёж, повторите позже');
      await ctx.pool.query(
        `UPDATE bnpl.card_payments SET status = 'voided', updated_at = now() WHERE external_id = $1`,
        [held.rows[0].external_id],
      );
    }
  }
  return withTx(ctx.pool, async (tx) => {
    const session = await sessionById(tx, seen.id, true);
    const again = check(session, amount);
    const kind = voids(session, again.full, now) ? 'void' : 'early_repayment';
    const { rows } = await tx.query<{ id: bigint }>(
      `INSERT INTO bnpl.refunds (session_id, amount, kind) VALUES ($1, $2, $3) RETURNING id`,
      [session.id, amount, kind],
    );
    const refundId = rows[0]!.id;
    let state: SessionState = session.state;
    if (kind === 'void') {
      await voidBnplDeal(
        tx,
        session.dealId!,
        `Moneywall: полный возврат заказа ${orderId} в течение 24 часов`,
        CHECKOUT,
      );
      await moveSession(tx, session.id, 'voided', 'полный возврат в течение 24 часов');
      state = 'voided';
    } else if ((await getDeal(tx, session.dealId!)).status === 'Оплачен') {
      // The loan is already repaid: this refund is the customer's money, kept on their account.
      await creditRepaidBnplClient(tx, session.dealId!, amount, `bnpl:refund:${refundId}`, CHECKOUT);
    } else {
      const { payment } = await repay(
        tx,
        {
          deal: session.dealId!,
          amount,
          service: 'Moneywall-refund',
          txnId: `refund-${refundId}`,
          early: true,
          online: true,
        },
        CHECKOUT,
      );
      await tx.query(`UPDATE bnpl.refunds SET payment_number = $2 WHERE id = $1`, [refundId, payment.number]);
    }
    if (kind !== 'void' && again.full) {
      await moveSession(tx, session.id, 'refunded', 'полный возврат: досрочное погашение');
      state = 'refunded';
    }
    await tx.query(`UPDATE bnpl.sessions SET refunded_total = refunded_total + $2 WHERE id = $1`, [
      session.id,
      amount,
    ]);
    return { orderId, state, kind, amount, refundedTotal: session.refundedTotal + amount };
  });
}

export async function refundsOf(
  db: Queryable,
  sessionId: bigint,
): Promise<{ amount: Kopecks; kind: string; paymentNumber: string | null }[]> {
  const { rows } = await db.query<{ amount: bigint; kind: string; payment_number: string | null }>(
    `SELECT amount, kind, payment_number FROM bnpl.refunds WHERE session_id = $1 ORDER BY id`,
    [sessionId],
  );
  return rows.map((r) => ({ amount: r.amount, kind: r.kind, paymentNumber: r.payment_number }));
}
