import { enqueue } from '../jobs/queue.ts';
import { countSms, maskPhone, sendSms } from '../notify/outbox.ts';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { withTx } from '../platform/db/tx.ts';
import { bigintAsString } from '../platform/json.ts';
import { parseKopecks } from '../platform/money.ts';
import { assertFormOpen, type FormRow, type OfferRow, offerById, offerOfForm, ownedForm } from './access.ts';
import { offerRef } from './contracts.ts';
import { brokerError } from './errors.ts';
import { LenderUnavailable } from './lenders/adapter.ts';
import { assertHasContract } from './offers.ts';
import type { Partner } from './partners.ts';
import { CODE_MAX_SENDS, checkCode, issueCode, sendsSoFar } from './sms/codes.ts';

/** Payment links may be sent this many times per offer. */
export const LINK_MAX_SENDS = 3;

function assertSigningMode(offer: OfferRow, mode: 'sms' | 'payment_link'): void {
  if (offer.signing_mode !== mode)
    throw brokerError(
      'broker.unsupported_signing',
      mode === 'sms'
        ? 'для этого предложения подписание СМС-кодом не поддерживается (bnpl подписывается оплатой по ссылке)'
        : 'для этого предложения ссылка на оплату не предусмотрена (pos подписывается СМС-кодом)',
    );
}

function assertAwaitingSignature(offer: OfferRow): void {
  assertHasContract(offer);
  if (offer.status === 'signed' || offer.status === 'issuing' || offer.status === 'issued')
    throw brokerError('broker.offer_state', 'договор уже подписан');
  if (offer.status !== 'contract_ready')
    throw brokerError('broker.offer_state', 'договор ещё не готов к подписанию');
}

async function lockedPair(tx: Queryable, partner: Partner, formGuid: unknown, offerGuid: unknown) {
  const form = await ownedForm(tx, partner.id, formGuid, true);
  const offer = await offerOfForm(tx, form, offerGuid, true);
  assertFormOpen(form);
  return { form, offer };
}

/** `send_sms_link` (bnpl): the payment page link to the client's phone. */
export async function sendSmsLink(ctx: AppContext, partner: Partner, formGuid: unknown, offerGuid: unknown) {
  await withTx(ctx.pool, async (tx) => {
    const { form, offer } = await lockedPair(tx, partner, formGuid, offerGuid);
    assertSigningMode(offer, 'payment_link');
    assertAwaitingSignature(offer);
    if (!offer.payment_url) throw brokerError('broker.offer_state', 'кредитор не передал ссылку на оплату');
    if (
      (await countSms(tx, { module: 'broker', subjectId: offer.id, purpose: 'payment_link' })) >=
      LINK_MAX_SENDS
    )
      throw brokerError('broker.resend_limit', 'превышено число попыток повторной отправки СМС');
    await sendSms(tx, ctx, {
      module: 'broker',
      subjectId: offer.id,
      purpose: 'payment_link',
      phone: ctx.cipher.decrypt(form.phone_enc),
      text: `Оплатите первый платёж по ссылке: ${offer.payment_url}`,
    });
  });
}

/** `resend_sms_code` (pos): a new signing code; the old one stops working. 7001 past the limit. */
export async function resendSmsCode(
  ctx: AppContext,
  partner: Partner,
  formGuid: unknown,
  offerGuid: unknown,
) {
  await withTx(ctx.pool, async (tx) => {
    const { form, offer } = await lockedPair(tx, partner, formGuid, offerGuid);
    assertSigningMode(offer, 'sms');
    assertAwaitingSignature(offer);
    if ((await sendsSoFar(tx, offer.id)) >= CODE_MAX_SENDS)
      throw brokerError('broker.resend_limit', 'превышено число попыток повторной отправки СМС');
    const code = await issueCode(tx, ctx, offer.id, offer.guid);
    await sendSms(tx, ctx, {
      module: 'broker',
      subjectId: offer.id,
      purpose: 'signing_code',
      phone: ctx.cipher.decrypt(form.phone_enc),
      text: `Код подписания договора: ${code}. Никому не сообщайте код.`,
    });
  });
}

/** `check_sms_code` (pos): a right code signs the contract; wrong 7000, expired or burnt 7002. */
export async function checkSmsCode(
  ctx: AppContext,
  partner: Partner,
  formGuid: unknown,
  offerGuid: unknown,
  code: unknown,
) {
  const outcome = await withTx(ctx.pool, async (tx) => {
    const { form, offer } = await lockedPair(tx, partner, formGuid, offerGuid);
    assertSigningMode(offer, 'sms');
    assertAwaitingSignature(offer);
    const result = typeof code === 'string' ? await checkCode(tx, ctx, offer.id, offer.guid, code) : 'wrong';
    if (result === 'ok') {
      await tx.query(
        `UPDATE broker.offers SET status = 'signed', signing_status = 'SIGNED', signed_at = now(), updated_at = now()
         WHERE id = $1`,
        [offer.id],
      );
      await enqueue(
        tx,
        'broker:sign',
        {
          offerId: offer.id,
          phone: maskPhone(ctx.cipher.decrypt(form.phone_enc)),
          at: new Date().toISOString(),
        },
        { maxAttempts: 10 },
      );
    }
    return result;
  });
  // Thrown after the commit, so a wrong try is counted.
  if (outcome === 'wrong') throw brokerError('broker.wrong_code', 'некорректный код подписания');
  if (outcome === 'expired' || outcome === 'missing')
    throw brokerError('broker.code_expired', 'срок действия кода подписания истёк, запросите новый код');
}

/** Job `broker:sign`: tells the lender the client signed. */
export async function notifySigned(ctx: AppContext, offerId: string, phone: string, at: string) {
  const loaded = await offerRef(ctx, offerId);
  if (loaded?.offer.signing_status !== 'SIGNED') return;
  await loaded.adapter().sign(loaded.ref, { method: 'sms', signedAt: new Date(at), phoneMasked: phone });
}

function signingStatus(offer: OfferRow): 'NOT_FOUND' | 'NOT_SIGNED' | 'SIGNED' | 'CANCELED' | 'UNKNOWN' {
  if (offer.signing_status === 'CANCELED' || offer.status === 'cancelled') return 'CANCELED';
  if (offer.status === 'offered' || offer.contract_status === null) return 'NOT_FOUND';
  if (offer.status === 'error' || offer.status === 'declined') return 'UNKNOWN';
  return offer.signing_status;
}

async function refreshPaymentSoon(db: Queryable, form: FormRow, offer: OfferRow): Promise<void> {
  if (form.kind !== 'bnpl' || offer.status !== 'contract_ready' || !offer.payment_url) return;
  await enqueue(
    db,
    'broker:refresh_payment',
    { offerId: offer.id },
    { jobKey: `broker:refresh_payment:${offer.id}`, maxAttempts: 3 },
  );
}

/** `get_signing_status`; for bnpl also `payment_url` (signing is paying the first instalment). */
export async function getSigningStatus(
  ctx: AppContext,
  partner: Partner,
  formGuid: unknown,
  offerGuid: unknown,
) {
  const form = await ownedForm(ctx.pool, partner.id, formGuid);
  const offer = await offerOfForm(ctx.pool, form, offerGuid);
  await refreshPaymentSoon(ctx.pool, form, offer);
  const status = signingStatus(offer);
  return form.kind === 'bnpl' && offer.payment_url && status !== 'CANCELED'
    ? { signing_status: status, payment_url: offer.payment_url }
    : { signing_status: status };
}

/** `get_payment_status` (bnpl): as last heard from the lender; a refresh is queued while pending. */
export async function getPaymentStatus(
  ctx: AppContext,
  partner: Partner,
  formGuid: unknown,
  offerGuid: unknown,
) {
  const form = await ownedForm(ctx.pool, partner.id, formGuid);
  const offer = await offerOfForm(ctx.pool, form, offerGuid);
  assertSigningMode(offer, 'payment_link');
  assertHasContract(offer);
  await refreshPaymentSoon(ctx.pool, form, offer);
  return {
    payment_status: offer.payment_status ?? 'pending',
    payments: offer.payments.map((p) => ({ ...p, amount: parseKopecks(p.amount) })),
  };
}

/** Job `broker:refresh_payment`: reads the payment state from the lender; paid means signed. */
export async function refreshPayment(ctx: AppContext, offerId: string) {
  const loaded = await offerRef(ctx, offerId);
  if (loaded?.offer.status !== 'contract_ready') return;
  let state: Awaited<ReturnType<ReturnType<typeof loaded.adapter>['paymentStatus']>>;
  try {
    state = await loaded.adapter().paymentStatus(loaded.ref);
  } catch (error) {
    if (error instanceof LenderUnavailable) return; // the next status request asks again
    throw error;
  }
  await withTx(ctx.pool, async (tx) => {
    const offer = await offerById(tx, offerId, true);
    if (offer?.status !== 'contract_ready') return;
    const payments = state.payments.map((p) => ({
      payed_at: p.payedAt,
      status: p.status,
      amount: p.amount,
      transaction_number: p.transactionNumber,
    }));
    const paid = state.status === 'paid';
    await tx.query(
      `UPDATE broker.offers SET payment_status = $2, payments = $3::jsonb, updated_at = now(),
         status = CASE WHEN $4 THEN 'signed' ELSE status END,
         signing_status = CASE WHEN $4 THEN 'SIGNED' ELSE signing_status END,
         signed_at = CASE WHEN $4 THEN now() ELSE signed_at END
       WHERE id = $1`,
      [offerId, state.status, JSON.stringify(payments, bigintAsString), paid],
    );
  });
}
