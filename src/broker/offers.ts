import { enqueue } from '../jobs/queue.ts';
import { audit } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { withTx } from '../platform/db/tx.ts';
import { decimal } from '../platform/json.ts';
import { assertFormOpen, type OfferRow, offerOfForm, ownedForm } from './access.ts';
import { brokerError } from './errors.ts';
import { printFormsOf } from './files.ts';
import type { Partner } from './partners.ts';

/** `get_offers`: the collection status; offers (cheapest for the client first) once `done`. */
export async function getOffers(db: Queryable, partner: Partner, formGuid: unknown) {
  const form = await ownedForm(db, partner.id, formGuid);
  if (form.status === 'cancelled') throw brokerError('broker.form_state', 'анкета отменена');
  if (form.offer_status !== 'done') return { offer_status: form.offer_status };
  const { rows } = await db.query<{
    guid: string;
    name: string;
    initial_payment: bigint;
    amount: bigint;
    life_insurance_sum: bigint;
    work_insurance_sum: bigint;
    term_value: number;
    term_unit: string;
    regular_payment_amount: bigint;
    regular_period_type: string;
    rate: string;
  }>(
    `SELECT guid::text, name, initial_payment, amount, life_insurance_sum, work_insurance_sum, term_value, term_unit,
       regular_payment_amount, regular_period_type, rate
     FROM broker.offers WHERE form_id = $1 AND status NOT IN ('declined', 'error') ORDER BY total_cost, id`,
    [form.id],
  );
  return {
    offer_status: 'done' as const,
    files: [] as { file_guid: string; file_name: string }[],
    offers: rows.map((o) => ({
      ...o,
      rate: decimal(o.rate.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')),
    })),
  };
}

/**
 * `confirm_offer`: the client picked an offer. Allowed once per form, while offers are on the
 * table; the lender is asked for the contract by a job. Repeating the same choice is a no-op.
 */
export async function confirmOffer(ctx: AppContext, partner: Partner, formGuid: unknown, offerGuid: unknown) {
  await withTx(ctx.pool, async (tx) => {
    const form = await ownedForm(tx, partner.id, formGuid, true);
    const offer = await offerOfForm(tx, form, offerGuid, true);
    assertFormOpen(form);
    if (form.status === 'offer_confirmed' && form.confirmed_offer_id === offer.id) return;
    if (form.status !== 'offers')
      throw brokerError(
        'broker.form_state',
        form.status === 'collecting'
          ? 'предложения ещё не готовы'
          : form.status === 'offer_confirmed'
            ? 'по анкете уже выбрано другое предложение'
            : 'по анкете нет предложений',
      );
    if (offer.status !== 'offered')
      throw brokerError('broker.offer_state', 'предложение недоступно для выбора');
    await tx.query(
      `UPDATE broker.offers SET status = 'confirmed', contract_status = 'pending', updated_at = now() WHERE id = $1`,
      [offer.id],
    );
    await tx.query(
      `UPDATE broker.forms SET status = 'offer_confirmed', confirmed_offer_id = $2, updated_at = now() WHERE id = $1`,
      [form.id, offer.id],
    );
    await enqueue(tx, 'broker:prepare_contract', { offerId: offer.id }, { maxAttempts: 5 });
    await audit(tx, {
      actor: { type: 'partner', id: partner.guid },
      action: 'broker.offer.confirm',
      subjectType: 'broker.offer',
      subjectId: offer.guid,
    });
  });
}

/** Offers past `confirm_offer` have a contract; before it there is none (3104). */
export function assertHasContract(offer: OfferRow): void {
  if (offer.status === 'offered' || offer.contract_status === null)
    throw brokerError('broker.contract_not_found', 'договор не найден: предложение не выбрано');
}

/** `get_contract`: the contract's readiness; with the Contract object and print forms once `done`. */
export async function getContract(db: Queryable, partner: Partner, formGuid: unknown, offerGuid: unknown) {
  const form = await ownedForm(db, partner.id, formGuid);
  const offer = await offerOfForm(db, form, offerGuid);
  if (form.status === 'cancelled') throw brokerError('broker.form_state', 'анкета отменена');
  assertHasContract(offer);
  if (offer.contract_status !== 'done' || !offer.contract) return { contract_status: offer.contract_status };
  const c = offer.contract;
  const contract: Record<string, unknown> = {
    amount: BigInt(c.amount as string),
    term_value: c.term_value,
    term_unit: c.term_unit,
    regular_payment_amount: BigInt(c.regular_payment_amount as string),
    first_payment_date: c.first_payment_date,
    payments_count: c.payments_count,
  };
  // `number` and `effective_rate` are POS-only in the document's Contract object.
  if (form.kind === 'pos') {
    if (c.number) contract.number = c.number;
    if (c.effective_rate) contract.effective_rate = decimal(String(c.effective_rate));
  }
  // Reading the contract again is how the partner takes in re-issued print forms.
  if (offer.print_forms_changed)
    await db.query(`UPDATE broker.offers SET print_forms_changed = false WHERE id = $1`, [offer.id]);
  return { contract_status: 'done' as const, contract, files: await printFormsOf(db, offer.id) };
}
