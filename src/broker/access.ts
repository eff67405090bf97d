import type { Queryable } from '../platform/db/pool.ts';
import { brokerError } from './errors.ts';

export type FormStatus =
  | 'collecting'
  | 'offers'
  | 'declined'
  | 'error'
  | 'offer_confirmed'
  | 'issued'
  | 'issue_declined'
  | 'cancelled';

export type OfferStatus =
  | 'offered'
  | 'confirmed'
  | 'contract_ready'
  | 'signed'
  | 'issuing'
  | 'issued'
  | 'declined'
  | 'cancelled'
  | 'error';

export interface FormRow {
  id: bigint;
  guid: string;
  partner_id: bigint;
  kind: 'pos' | 'bnpl';
  offline: boolean;
  status: FormStatus;
  offer_status: 'pending' | 'done' | 'declined' | 'error';
  phone_enc: string;
  payload_enc: string;
  amount: bigint;
  initial_payment: bigint;
  term_value: number | null;
  deadline_at: Date;
  confirmed_offer_id: bigint | null;
}

export interface OfferRow {
  id: bigint;
  guid: string;
  form_id: bigint;
  lender_id: bigint;
  lender_offer_id: string;
  status: OfferStatus;
  signing_mode: 'sms' | 'payment_link';
  contract_status: 'pending' | 'done' | 'declined' | 'error' | null;
  contract: Record<string, unknown> | null;
  signing_status: 'NOT_SIGNED' | 'SIGNED' | 'CANCELED';
  payment_url: string | null;
  payment_status: 'pending' | 'paid' | 'partially_paid' | 'declined' | null;
  payments: Record<string, unknown>[];
  issue_status: 'pending' | 'done' | 'declined' | 'error' | null;
  required_scans: string[];
  print_forms_changed: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const FORM_COLUMNS = `id, guid::text, partner_id, kind, offline, status, offer_status, phone_enc, payload_enc,
  amount, initial_payment, term_value, deadline_at, confirmed_offer_id`;
const OFFER_COLUMNS = `id, guid::text, form_id, lender_id, lender_offer_id, status, signing_mode, contract_status,
  contract, signing_status, payment_url, payment_status, payments, issue_status, required_scans, print_forms_changed`;

/**
 * The partner's form by guid, optionally locked. Another partner's form is "not found" (3102):
 * its existence is not disclosed.
 */
export async function ownedForm(
  db: Queryable,
  partnerId: bigint,
  formGuid: unknown,
  lock = false,
): Promise<FormRow> {
  if (typeof formGuid !== 'string' || !UUID.test(formGuid))
    throw brokerError('broker.form_not_found', 'анкета не найдена');
  const { rows } = await db.query<FormRow>(
    `SELECT ${FORM_COLUMNS} FROM broker.forms WHERE guid = $1 AND partner_id = $2${lock ? ' FOR UPDATE' : ''}`,
    [formGuid, partnerId],
  );
  if (!rows[0]) throw brokerError('broker.form_not_found', 'анкета не найдена');
  return rows[0];
}

export async function formById(
  db: Queryable,
  id: bigint | string,
  lock = false,
): Promise<FormRow | undefined> {
  const { rows } = await db.query<FormRow>(
    `SELECT ${FORM_COLUMNS} FROM broker.forms WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0];
}

/** The offer by guid, which must belong to `form` (6011 when it belongs to another form). */
export async function offerOfForm(
  db: Queryable,
  form: FormRow,
  offerGuid: unknown,
  lock = false,
): Promise<OfferRow> {
  if (typeof offerGuid !== 'string' || !UUID.test(offerGuid))
    throw brokerError('broker.offer_not_found', 'предложение не найдено');
  const { rows } = await db.query<OfferRow & { partner_id: bigint }>(
    `SELECT o.id, o.guid::text, o.form_id, o.lender_id, o.lender_offer_id, o.status, o.signing_mode,
       o.contract_status, o.contract, o.signing_status, o.payment_url, o.payment_status, o.payments,
       o.issue_status, o.required_scans, o.print_forms_changed, f.partner_id
     FROM broker.offers o JOIN broker.forms f ON f.id = o.form_id WHERE o.guid = $1${lock ? ' FOR UPDATE OF o' : ''}`,
    [offerGuid],
  );
  const offer = rows[0];
  // An offer of another partner's form is as unknown as a made-up guid.
  if (!offer || offer.partner_id !== form.partner_id)
    throw brokerError('broker.offer_not_found', 'предложение не найдено');
  if (offer.form_id !== form.id)
    throw brokerError('broker.offer_not_in_form', 'предложение не принадлежит анкете');
  return offer;
}

export async function offerById(
  db: Queryable,
  id: bigint | string,
  lock = false,
): Promise<OfferRow | undefined> {
  const { rows } = await db.query<OfferRow>(
    `SELECT ${OFFER_COLUMNS} FROM broker.offers WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0];
}

/** Refuses any change to a form that was cancelled or has reached its end. */
export function assertFormOpen(form: FormRow): void {
  if (form.status === 'cancelled') throw brokerError('broker.form_state', 'анкета отменена');
  if (form.status === 'issued' || form.status === 'issue_declined')
    throw brokerError('broker.form_state', 'оформление по анкете завершено');
}
