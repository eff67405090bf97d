import { cancelDeal } from '../lending/deals/decisions.ts';
import { getDeal } from '../lending/deals/repository.ts';
import type { AppContext } from '../platform/context.ts';
import { type Tx, withTx } from '../platform/db/tx.ts';
import { acquiringGateway } from './acquiring/gateway.ts';
import { queueCallback } from './callbacks.ts';
import { CHECKOUT } from './opening.ts';
import { VOID_WINDOW_MS } from './refunds.ts';
import { type Session, sessionById } from './sessions.ts';
import { moveSession } from './states.ts';

/**
 * Through the minutely `bnpl:expire_sweep` job: a session still processing after its time
 * limit is cancelled, a signed but unpaid deal is cancelled with it, and the merchant's failure
 * callback is queued. A session that was authorized meanwhile is left alone.
 */
export async function expireSession(ctx: AppContext, sessionId: bigint, now = new Date()): Promise<boolean> {
  return withTx(ctx.pool, async (tx) => {
    const session = await sessionById(tx, sessionId, true);
    if (session.state !== 'processing' || !session.expiresAt || session.expiresAt.getTime() > now.getTime())
      return false;
    await closeUnpaidSession(tx, session, {
      deal: 'Moneywall: истёк таймлимит заказа',
      history: 'истёк таймлимит заказа (expires_at)',
      callback: 'expired',
    });
    return true;
  });
}

/**
 * Closes a session still processing (its row locked by the caller, in the caller's
 * transaction): an approved or signed but unpaid deal is cancelled with it, the session becomes
 * cancelled and the merchant's failure callback is queued. Expiry uses it, and the broker's
 * in-house lender when its form is cancelled before the first payment.
 */
export async function closeUnpaidSession(
  tx: Tx,
  session: Session,
  reasons: { deal: string; history: string; callback: string },
): Promise<void> {
  if (session.dealId) {
    const deal = await getDeal(tx, session.dealId);
    if (deal.status === 'Одобрен' || deal.status === 'Подписан (дистанционно)')
      await cancelDeal(tx, deal.id, reasons.deal, CHECKOUT);
  }
  await tx.query(`UPDATE bnpl.sessions SET step = 'closed' WHERE id = $1`, [session.id]);
  await moveSession(tx, session.id, 'cancelled', reasons.history);
  await queueCallback(tx, session, 'failure', { state: 'cancelled', reason: reasons.callback });
}

/** Job `bnpl:expire_sweep`: every processing session past its time limit (at most a minute late). */
export async function expireDue(ctx: AppContext, now = new Date()): Promise<number> {
  const { rows } = await ctx.pool.query<{ id: bigint }>(
    `SELECT id FROM bnpl.sessions WHERE state = 'processing' AND expires_at <= $1 ORDER BY id LIMIT 500`,
    [now],
  );
  let n = 0;
  for (const r of rows) if (await expireSession(ctx, r.id, now)) n++;
  return n;
}

/**
 * Job `bnpl:charge` (hourly): authorized sessions opened more than 24 hours ago are charged: the
 * first instalment's hold is captured at the acquirer, then the session becomes `charged` and a
 * refund from then on is an early repayment. A capture that fails is retried on the next run.
 */
export async function chargeDue(ctx: AppContext, now = new Date()): Promise<number> {
  const { rows } = await ctx.pool.query<{ id: bigint; external_id: string | null; status: string | null }>(
    `SELECT s.id, p.external_id, p.status FROM bnpl.sessions s
     LEFT JOIN LATERAL (SELECT external_id, status FROM bnpl.card_payments c
       WHERE c.session_id = s.id AND c.status IN ('authorized', 'captured') ORDER BY c.id DESC LIMIT 1) p ON true
     WHERE s.state = 'authorized' AND s.authorized_at <= $1 ORDER BY s.id LIMIT 1000`,
    [new Date(now.getTime() - VOID_WINDOW_MS)],
  );
  let n = 0;
  for (const r of rows) {
    try {
      if (r.external_id && r.status === 'authorized') {
        const answer = await acquiringGateway(ctx.config).capture(r.external_id);
        if (answer.status !== 'captured') throw new Error(`capture answered ${answer.status}`);
        await ctx.pool.query(
          `UPDATE bnpl.card_payments SET status = 'captured', updated_at = now() WHERE external_id = $1`,
          [r.external_id],
        );
      }
      const moved = await withTx(ctx.pool, async (tx) => {
        const s = await sessionById(tx, r.id, true);
        if (s.state !== 'authorized') return false;
        await moveSession(tx, s.id, 'charged', 'прошло 24 часа с открытия договора', { chargedAt: true });
        return true;
      });
      if (moved) n++;
    } catch (error) {
      ctx.log.warn({ err: error, session: String(r.id) }, 'bnpl: charge failed, retried next run');
    }
  }
  return n;
}
