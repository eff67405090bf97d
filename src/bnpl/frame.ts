import { type BnplPrice, bnplPricing } from '../lending/bnpl-pricing.ts';
import { todayMoscow } from '../lending/dates.ts';
import { maskPhone } from '../notify/outbox.ts';
import type { AppContext } from '../platform/context.ts';
import { withTx } from '../platform/db/tx.ts';
import { acquiringGateway } from './acquiring/gateway.ts';
import { type CustomerForm, prefill, readCustomer, toClientInput } from './customer.ts';
import { bnplError } from './errors.ts';
import { CHECKOUT, decide, openLoan } from './opening.ts';
import { type Session, sessionByToken, sessionDetails } from './sessions.ts';
import { checkCode, sendCode } from './sms.ts';

export interface FrameView {
  session: Session;
  price: BnplPrice;
  form: CustomerForm;
  phoneMasked: string;
  lastPaymentError: string | null;
  card: { first6: string; last4: string } | null;
  /** The deal is approved but not signed: paying the first part accepts it (a broker's session). */
  paymentSigns: boolean;
}

/** The price shown in the frame: the order priced as if opened today (Moscow). */
export function priceOf(session: Session): BnplPrice {
  return bnplPricing(session.amount, todayMoscow(), session.departureDate ?? undefined);
}

function assertOpen(session: Session): void {
  if (session.state !== 'processing')
    throw bnplError('conflict', 'session_closed', 'оформление по этой ссылке уже завершено');
  if (session.expiresAt && session.expiresAt.getTime() <= Date.now())
    throw bnplError('conflict', 'session_expired', 'время на оформление заказа истекло');
}

export async function frameView(ctx: AppContext, token: string): Promise<FrameView> {
  const session = await sessionByToken(ctx.pool, token);
  const stored = await ctx.pool.query<{ c: string | null }>(
    `SELECT customer_enc AS c FROM bnpl.sessions WHERE id = $1`,
    [session.id],
  );
  const form = stored.rows[0]?.c
    ? (JSON.parse(ctx.cipher.decrypt(stored.rows[0].c)) as CustomerForm)
    : prefill(await sessionDetails(ctx, session.id));
  const pay = await ctx.pool.query<{
    status: string;
    error: string | null;
    card_first6: string | null;
    card_last4: string | null;
  }>(
    `SELECT status, error, card_first6, card_last4 FROM bnpl.card_payments WHERE session_id = $1 ORDER BY id DESC LIMIT 1`,
    [session.id],
  );
  const last = pay.rows[0];
  const deal =
    session.step === 'pay' && session.dealId
      ? await ctx.pool.query<{ status: string }>(`SELECT status FROM lending.deals WHERE id = $1`, [
          session.dealId,
        ])
      : undefined;
  return {
    session,
    price:
      session.firstPayment !== null && session.authorizedAt
        ? bnplPricing(session.amount, todayMoscow(session.authorizedAt), session.departureDate ?? undefined)
        : priceOf(session),
    form,
    phoneMasked: maskPhone(form.phone.replace(/\D/g, '')),
    lastPaymentError: last?.status === 'declined' ? (last.error ?? 'платёж отклонён') : null,
    card: last?.card_first6 && last.card_last4 ? { first6: last.card_first6, last4: last.card_last4 } : null,
    paymentSigns: deal?.rows[0]?.status === 'Одобрен',
  };
}

/** Step 1: the customer's data and consents; a code goes out by SMS. Returns field errors, if any. */
export async function submitCustomer(
  ctx: AppContext,
  token: string,
  raw: Record<string, unknown>,
): Promise<Record<string, string>> {
  const { form, errors } = readCustomer(raw);
  if (Object.keys(errors).length > 0) return errors;
  await withTx(ctx.pool, async (tx) => {
    const session = await sessionByToken(tx, token, true);
    assertOpen(session);
    if (session.step !== 'form' && session.step !== 'code')
      throw bnplError('conflict', 'step', 'данные уже подтверждены');
    await tx.query(`UPDATE bnpl.sessions SET customer_enc = $2, step = 'code' WHERE id = $1`, [
      session.id,
      ctx.cipher.encrypt(JSON.stringify(form)),
    ]);
    await sendCode(tx, ctx, session.id, form.phone.replace(/\D/g, ''));
  });
  return {};
}

export async function resendCode(ctx: AppContext, token: string): Promise<void> {
  await withTx(ctx.pool, async (tx) => {
    const session = await sessionByToken(tx, token, true);
    assertOpen(session);
    if (session.step !== 'code') throw bnplError('conflict', 'step', 'сначала заполните анкету');
    const view = await tx.query<{ c: string }>(`SELECT customer_enc AS c FROM bnpl.sessions WHERE id = $1`, [
      session.id,
    ]);
    const form = JSON.parse(ctx.cipher.decrypt(view.rows[0]!.c)) as CustomerForm;
    await sendCode(tx, ctx, session.id, form.phone.replace(/\D/g, ''));
  });
}

/**
 * Step 2: the SMS code. A right code submits the application to the loan engine; the answer is
 * 'approved' (go and pay), 'declined', or the code's problem ('wrong', 'expired').
 */
export async function confirmCode(
  ctx: AppContext,
  token: string,
  code: string,
): Promise<'approved' | 'declined' | 'wrong' | 'expired'> {
  return withTx(ctx.pool, async (tx) => {
    const session = await sessionByToken(tx, token, true);
    assertOpen(session);
    if (session.step !== 'code') throw bnplError('conflict', 'step', 'код уже подтверждён');
    const check = await checkCode(tx, ctx, session.id, code);
    if (check === 'wrong') return 'wrong';
    if (check !== 'ok') return 'expired';
    const stored = await tx.query<{ c: string }>(
      `SELECT customer_enc AS c FROM bnpl.sessions WHERE id = $1`,
      [session.id],
    );
    const form = JSON.parse(ctx.cipher.decrypt(stored.rows[0]!.c)) as CustomerForm;
    const proof = `АСП: код из СМС на ${maskPhone(form.phone.replace(/\D/g, ''))}, Moneywall сессия ${session.id}, ${new Date().toISOString()}`;
    const decision = await decide(tx, ctx, session, toClientInput(form), proof);
    return decision.approved ? 'approved' : 'declined';
  });
}

/**
 * Step 3: the first instalment by card. A payment is created at the acquirer (outside any
 * transaction) and the customer is sent to its card form; it comes back to `returnUrl`.
 */
export async function startCardPayment(ctx: AppContext, token: string, returnUrl: string): Promise<string> {
  const session = await sessionByToken(ctx.pool, token);
  assertOpen(session);
  if (session.step !== 'pay') throw bnplError('conflict', 'step', 'договор ещё не подписан');
  const amount = priceOf(session).payments[0];
  const { rows } = await ctx.pool.query<{ id: bigint }>(
    `INSERT INTO bnpl.card_payments (session_id, amount) VALUES ($1, $2) RETURNING id`,
    [session.id, amount],
  );
  const paymentId = rows[0]!.id;
  const created = await acquiringGateway(ctx.config).create({
    reference: `bnpl-${session.id}-${paymentId}`,
    amount,
    description: `Первый платёж за заказ ${session.orderId}`,
    returnUrl,
  });
  await ctx.pool.query(`UPDATE bnpl.card_payments SET external_id = $2, updated_at = now() WHERE id = $1`, [
    paymentId,
    created.id,
  ]);
  return created.formUrl;
}

/**
 * The customer is back from the acquirer: its answer is read; an authorized first instalment
 * opens the loan (session authorized), a declined card lets the customer try another one.
 */
export async function completeCardPayment(
  ctx: AppContext,
  token: string,
): Promise<'authorized' | 'declined' | 'pending' | 'closed'> {
  const session = await sessionByToken(ctx.pool, token);
  if (session.state === 'authorized') return 'authorized';
  const { rows } = await ctx.pool.query<{ id: bigint; external_id: string | null; status: string }>(
    `SELECT id, external_id, status FROM bnpl.card_payments WHERE session_id = $1 ORDER BY id DESC LIMIT 1`,
    [session.id],
  );
  const payment = rows[0];
  if (!payment?.external_id) return 'pending';
  const answer = await acquiringGateway(ctx.config).get(payment.external_id);
  if (answer.status === 'created') return 'pending';
  const merchant = await ctx.pool.query<{ code: string }>(`SELECT code FROM bnpl.merchants WHERE id = $1`, [
    session.merchantId,
  ]);
  const outcome = await withTx(ctx.pool, async (tx) => {
    const locked = await sessionByToken(tx, token, true);
    if (locked.state === 'authorized') return 'authorized' as const;
    await tx.query(
      `UPDATE bnpl.card_payments SET status = $2, card_token = $3, card_first6 = $4, card_last4 = $5, error = $6,
         updated_at = now() WHERE id = $1`,
      [
        payment.id,
        answer.status,
        answer.card?.token ?? null,
        answer.card?.first6 ?? null,
        answer.card?.last4 ?? null,
        answer.error ?? null,
      ],
    );
    if (answer.status !== 'authorized') return 'declined' as const;
    if (locked.state !== 'processing' || locked.step !== 'pay') return 'closed' as const;
    const card = answer.card ? `картой ${answer.card.first6}******${answer.card.last4}` : 'картой';
    await openLoan(
      tx,
      locked,
      merchant.rows[0]!.code,
      `оплата первого платежа ${card} (платёж ${payment.external_id}), Moneywall сессия ${locked.id}, ${new Date().toISOString()}`,
    );
    return 'authorized' as const;
  });
  // Expired or cancelled while the customer was paying: the hold goes back to the card.
  if (outcome === 'closed') {
    const voided = await acquiringGateway(ctx.config).void(payment.external_id);
    await ctx.pool.query(`UPDATE bnpl.card_payments SET status = $2, updated_at = now() WHERE id = $1`, [
      payment.id,
      voided.status,
    ]);
  }
  return outcome;
}

export { CHECKOUT };
