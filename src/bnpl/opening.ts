import { BNPL_TERM_DAYS } from '../lending/bnpl-pricing.ts';
import type { ClientInput } from '../lending/clients/repository.ts';
import { todayMoscow } from '../lending/dates.ts';
import { createApplication } from '../lending/deals/applications.ts';
import { decideDeal, signDeal } from '../lending/deals/decisions.ts';
import { getDeal, getSchedule } from '../lending/deals/repository.ts';
import { registerExternalIssue } from '../lending/issue/issue.ts';
import { repay } from '../lending/repayments/repay.ts';
import type { ScoringResult } from '../lending/types.ts';
import type { Actor } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import type { Tx } from '../platform/db/tx.ts';
import { queueCallback } from './callbacks.ts';
import { BNPL_PRODUCT, type Session } from './sessions.ts';
import { moveSession } from './states.ts';

export const CHECKOUT: Actor = { type: 'system', id: 'moneywall' };

/**
 * Review reasons a three-payment checkout loan is approved despite: the engine sends a first
 * loan longer than 30 days and a loan without stated income above 10 000 ₽ to a person, but a
 * BNPL3 loan is 64 days by construction and a third of it is paid at once. Any other review
 * reason declines at the checkout, which cannot wait for an underwriter.
 */
const CHECKOUT_ACCEPTS_REVIEW = new Set(['new_client_large', 'income_missing']);

/**
 * The checkout's verdict on the engine's scoring of a BNPL3 application: approved when scoring
 * approves or sends it to review only for the reasons above; otherwise declined, with the text.
 * Shared with the broker's in-house lender, which opens BNPL3 applications of its own.
 */
export function checkoutVerdict(
  scoring: ScoringResult | null,
): { approved: true; note: string } | { approved: false; reason: string } {
  const reasons = scoring?.reasons ?? [];
  const texts = reasons.map((r) => r.text).join('; ');
  if (
    scoring?.decision === 'approve' ||
    (scoring?.decision === 'review' && reasons.every((r) => CHECKOUT_ACCEPTS_REVIEW.has(r.code)))
  )
    return { approved: true, note: texts };
  return {
    approved: false,
    reason: (scoring?.decision === 'decline' ? texts : `оплата частями не одобрена: ${texts}`) || 'отказ',
  };
}

export type Decision =
  | { approved: true; dealId: bigint }
  | { approved: false; reason: string; dealId: bigint };

/**
 * The customer confirmed the application with the SMS code: the loan engine takes the
 * application (BNPL3, the order as principal, the departure for the price), scores it, and an
 * approved deal is signed with the SMS proof. A decline cancels the session and calls the
 * merchant's failure callback. Runs in the caller's transaction.
 */
export async function decide(
  tx: Tx,
  ctx: AppContext,
  session: Session,
  client: ClientInput,
  proof: string,
): Promise<Decision> {
  const today = todayMoscow();
  const { deal, scoring } = await createApplication(
    tx,
    ctx.cipher,
    {
      client,
      product: BNPL_PRODUCT,
      amount: session.amount,
      termDays: BNPL_TERM_DAYS,
      source: 'moneywall',
      orderAmount: session.amount,
      ...(session.departureDate ? { departureDate: session.departureDate } : {}),
      extra: { moneywallSession: String(session.id), orderId: session.orderId },
      today,
    },
    CHECKOUT,
  );
  const verdict = checkoutVerdict(scoring);
  if (!verdict.approved) {
    const { reason } = verdict;
    if (deal.status !== 'Отказ') await decideDeal(tx, deal.id, 'decline', reason, CHECKOUT);
    await tx.query(
      `UPDATE bnpl.sessions SET step = 'declined', deal_id = $2, decline_reason = $3 WHERE id = $1`,
      [session.id, deal.id, reason],
    );
    await moveSession(tx, session.id, 'cancelled', 'заявка отклонена');
    await queueCallback(tx, session, 'failure', { state: 'cancelled', reason: 'declined' });
    return { approved: false, reason, dealId: deal.id };
  }
  if (deal.status !== 'Одобрен')
    await decideDeal(tx, deal.id, 'approve', `Moneywall: ${verdict.note}`, CHECKOUT);
  await signDeal(tx, deal.id, proof, CHECKOUT, today);
  await tx.query(`UPDATE bnpl.sessions SET step = 'pay', deal_id = $2 WHERE id = $1`, [session.id, deal.id]);
  return { approved: true, dealId: deal.id };
}

/**
 * The first instalment is authorized on the card: the deal is issued to the merchant (the loan's
 * principal pays the order: ledger transfer `lending:issue:<deal>`), the first instalment repays
 * the schedule's first line (`lending:repay:Moneywall:bnpl-<session>-1`), the session becomes
 * authorized and the merchant's success callback is queued. Runs in the caller's transaction,
 * the session row locked.
 *
 * A deal approved elsewhere and not signed yet (a session the broker's in-house lender opened:
 * the broker's BNPL protocol signs by paying the first part) is signed first, `acceptance`
 * (the payment's description) being its proof.
 */
export async function openLoan(
  tx: Tx,
  session: Session,
  merchantCode: string,
  acceptance?: string,
): Promise<bigint> {
  const dealId = session.dealId!;
  const today = todayMoscow();
  if (acceptance !== undefined && (await getDeal(tx, dealId, true)).status === 'Одобрен')
    await signDeal(tx, dealId, acceptance, CHECKOUT, today);
  await registerExternalIssue(
    tx,
    dealId,
    { issueDate: today, ref: `Moneywall ${merchantCode}/${session.orderId}` },
    CHECKOUT,
  );
  const first = (await getSchedule(tx, dealId))[0]!;
  await repay(
    tx,
    {
      deal: dealId,
      amount: first.total,
      service: 'Moneywall',
      txnId: `bnpl-${session.id}-1`,
      date: today,
      online: true,
    },
    CHECKOUT,
  );
  await tx.query(`UPDATE bnpl.sessions SET step = 'done', first_payment = $2 WHERE id = $1`, [
    session.id,
    first.total,
  ]);
  await moveSession(tx, session.id, 'authorized', 'первый платёж оплачен, договор открыт', {
    authorizedAt: true,
  });
  await queueCallback(tx, session, 'success', { state: 'authorized' });
  return first.total;
}
