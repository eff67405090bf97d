import { enqueue } from '../jobs/queue.ts';
import { sendSms } from '../notify/outbox.ts';
import type { AppContext } from '../platform/context.ts';
import { type Tx, withTx } from '../platform/db/tx.ts';
import { bigintAsString } from '../platform/json.ts';
import { formatRoublesRu } from '../platform/money.ts';
import { type FormRow, formById, offerById } from './access.ts';
import { storeFile } from './files.ts';
import {
  type ContractResult,
  type LenderContract,
  type LenderDocument,
  type LenderTemplate,
  LenderUnavailable,
  type OfferRef,
} from './lenders/adapter.ts';
import { adapterFor, loadLender } from './lenders/registry.ts';
import { fillTemplate, renderPdf } from './print-forms.ts';
import { issueCode } from './sms/codes.ts';

export async function offerRef(ctx: AppContext, offerId: bigint | string) {
  const offer = await offerById(ctx.pool, offerId);
  if (!offer) return undefined;
  const form = (await formById(ctx.pool, offer.form_id))!;
  const lender = await loadLender(ctx.pool, offer.lender_id);
  const ref: OfferRef = { applicationId: form.guid, lenderOfferId: offer.lender_offer_id, kind: form.kind };
  return { offer, form, lender, ref, adapter: () => adapterFor(ctx, lender) };
}

/**
 * Job `broker:prepare_contract`: asks the chosen offer's lender for the contract; stores its
 * print forms (sent as files, or rendered here from its HTML templates); marks the scans the
 * lender wants; for POS sends the first signing code. A declined contract puts the form's other
 * offers back on the table.
 */
export async function prepareContract(
  ctx: AppContext,
  offerId: string,
  attempt: number,
  maxAttempts: number,
) {
  const loaded = await offerRef(ctx, offerId);
  if (loaded?.offer.status !== 'confirmed' || loaded.offer.contract_status !== 'pending') return;
  const { offer, form, ref } = loaded;
  let result: ContractResult | { decision: 'error'; reason: string };
  try {
    result = await loaded.adapter().confirm(ref);
  } catch (error) {
    if (error instanceof LenderUnavailable && attempt < maxAttempts) throw error;
    result = { decision: 'error', reason: (error as Error).message };
  }
  const rendered =
    result.decision === 'ready'
      ? await renderTemplates(result.templates, templateValues(result.contract, form.guid))
      : [];
  await withTx(ctx.pool, async (tx) => {
    const current = await offerById(tx, offer.id, true);
    if (current?.status !== 'confirmed' || current.contract_status !== 'pending') return;
    if (result.decision !== 'ready') {
      await tx.query(
        `UPDATE broker.offers SET status = $2, contract_status = $3, issue_detail = $4, updated_at = now() WHERE id = $1`,
        [
          offer.id,
          result.decision === 'declined' ? 'declined' : 'error',
          result.decision,
          result.reason.slice(0, 500),
        ],
      );
      await tx.query(
        `UPDATE broker.forms SET status = 'offers', confirmed_offer_id = NULL, updated_at = now()
         WHERE id = $1 AND status = 'offer_confirmed'`,
        [form.id],
      );
      return;
    }
    await storePrintForms(tx, form, offer.id, [
      ...result.documents,
      ...rendered.map((r) => ({ ...r, mimeType: 'application/pdf' })),
    ]);
    const required = form.kind === 'pos' && form.offline ? result.requiredScans : [];
    for (const type of required)
      await tx.query(
        `INSERT INTO broker.scans (form_id, type, status) VALUES ($1, $2, 'REQUESTED') ON CONFLICT (form_id, type) DO NOTHING`,
        [form.id, type],
      );
    await tx.query(
      `UPDATE broker.offers SET status = 'contract_ready', contract_status = 'done', contract = $2::jsonb,
         required_scans = $3, payment_url = $4, payment_status = $5, updated_at = now()
       WHERE id = $1`,
      [
        offer.id,
        JSON.stringify(
          {
            number: result.contract.number ?? null,
            effective_rate: result.contract.effectiveRate ?? null,
            amount: result.contract.amount,
            term_value: result.contract.termValue,
            term_unit: result.contract.termUnit,
            regular_payment_amount: result.contract.regularPaymentAmount,
            first_payment_date: result.contract.firstPaymentDate,
            payments_count: result.contract.paymentsCount,
          },
          bigintAsString,
        ),
        required,
        result.paymentUrl ?? null,
        form.kind === 'bnpl' ? 'pending' : null,
      ],
    );
    if (offer.signing_mode === 'sms') {
      const code = await issueCode(tx, ctx, offer.id, offer.guid);
      await sendSms(tx, ctx, {
        module: 'broker',
        subjectId: offer.id,
        purpose: 'signing_code',
        phone: ctx.cipher.decrypt(form.phone_enc),
        text: `Код подписания договора ${result.contract.number ?? ''}: ${code}. Никому не сообщайте код.`.replace(
          '  ',
          ' ',
        ),
      });
    }
    // Scans that came with an offline form go to the lender as soon as it has said what it wants.
    if (required.length > 0)
      await enqueue(
        tx,
        'broker:check_scans',
        { offerId: offer.id },
        { maxAttempts: 5, jobKey: `broker:check_scans:${offer.id}` },
      );
  });
}

export async function renderTemplates(templates: LenderTemplate[], values: Record<string, string>) {
  const out: { name: string; content: Buffer }[] = [];
  for (const t of templates)
    out.push({
      name: t.name.endsWith('.pdf') ? t.name : `${t.name}.pdf`,
      content: await renderPdf(fillTemplate(t.html, values), t.name),
    });
  return out;
}

export async function storePrintForms(tx: Tx, form: FormRow, offerId: bigint, docs: LenderDocument[]) {
  for (const d of docs)
    await storeFile(tx, {
      partnerId: form.partner_id,
      formId: form.id,
      offerId,
      kind: 'print_form',
      name: d.name,
      mimeType: d.mimeType,
      content: d.content,
    });
}

/** Template values from the contract as stored on the offer (snake_case JSON, money as strings). */
export function storedContractValues(c: Record<string, unknown>, formGuid: string): Record<string, string> {
  return templateValues(
    {
      number: typeof c.number === 'string' ? c.number : undefined,
      effectiveRate:
        c.effective_rate === null || c.effective_rate === undefined ? undefined : String(c.effective_rate),
      amount: BigInt(String(c.amount)),
      termValue: Number(c.term_value),
      termUnit: c.term_unit as LenderContract['termUnit'],
      regularPaymentAmount: BigInt(String(c.regular_payment_amount)),
      firstPaymentDate: String(c.first_payment_date),
      paymentsCount: Number(c.payments_count),
    },
    formGuid,
  );
}

function templateValues(c: LenderContract, formGuid: string): Record<string, string> {
  return {
    number: c.number ?? '',
    amount: formatRoublesRu(c.amount),
    term_value: String(c.termValue),
    term_unit: { day: 'дн.', week: 'нед.', month: 'мес.' }[c.termUnit],
    regular_payment_amount: formatRoublesRu(c.regularPaymentAmount),
    first_payment_date: c.firstPaymentDate,
    payments_count: String(c.paymentsCount),
    effective_rate: c.effectiveRate ?? '',
    form_guid: formGuid,
    date: new Date().toISOString().slice(0, 10),
  };
}
