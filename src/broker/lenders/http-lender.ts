import { createSecretKey, type KeyObject } from 'node:crypto';
import { parseJsonQuick, stringifyJsonQuick } from '../../platform/json.ts';
import { parseKopecks } from '../../platform/money.ts';
import { TERM_UNITS, type TermUnit } from '../dictionaries.ts';
import {
  type ContractResult,
  type IssueResult,
  type LenderAdapter,
  type LenderForm,
  type LenderOffer,
  LenderUnavailable,
  type OfferRef,
  type PaymentState,
  type ScanCheckResult,
  type ScoreResult,
} from './adapter.ts';
import { type PostAnswer, PostFailed, postJson } from './http-post.ts';
import { signBody } from './signing.ts';

export interface HttpLenderConfig {
  baseUrl: string;
  secret: string;
  timeoutMs: number;
}

/** Thrown when a lender's answer does not follow the protocol: retrying will not help. */
export class LenderProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LenderProtocolError';
  }
}

/**
 * The generic lender over HTTPS: JSON POSTs to `<base_url>/<operation>`, signed with the shared
 * secret (see docs/broker.md, "Generic lender HTTP protocol"). Money travels as integer kopecks.
 */
export class HttpLender implements LenderAdapter {
  private readonly key: KeyObject;

  constructor(private readonly config: HttpLenderConfig) {
    this.key = createSecretKey(Buffer.from(config.secret, 'utf8'));
  }

  private async call(operation: string, payload: unknown): Promise<Record<string, unknown>> {
    const body = stringifyJsonQuick(payload);
    const timestamp = Math.floor(Date.now() / 1000);
    let answer: PostAnswer;
    try {
      answer = await postJson(
        `${this.config.baseUrl.replace(/\/$/, '')}/${operation}`,
        {
          'x-kopek-timestamp': String(timestamp),
          'x-kopek-signature': signBody(this.key, timestamp, body),
        },
        body,
        this.config.timeoutMs,
      );
    } catch (error) {
      throw new LenderUnavailable(
        error instanceof PostFailed && error.reason === 'timeout'
          ? `lender did not answer ${operation} within ${this.config.timeoutMs} ms`
          : `lender unreachable: ${(error as Error).message}`,
      );
    }
    const { status, text } = answer;
    if (status >= 500) throw new LenderUnavailable(`lender answered ${status} to ${operation}`);
    if (status !== 200)
      throw new LenderProtocolError(`lender refused ${operation}: HTTP ${status} ${text.slice(0, 200)}`);
    let parsed: unknown;
    try {
      parsed = parseJsonQuick(text);
    } catch {
      throw new LenderProtocolError(`lender answered ${operation} with malformed JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new LenderProtocolError(`lender answered ${operation} with a non-object`);
    return parsed as Record<string, unknown>;
  }

  async score(form: LenderForm): Promise<ScoreResult> {
    const r = await this.call('score', {
      application_id: form.applicationId,
      kind: form.kind,
      offline: form.offline,
      amount: exact(form.amount),
      initial_payment: exact(form.initialPayment),
      term_value: form.termValue ?? null,
      form: form.fields,
    });
    if (r.decision === 'declined') return { decision: 'declined', reason: str(r.reason, 'reason', '') };
    if (r.decision !== 'approved' || !Array.isArray(r.offers))
      throw new LenderProtocolError('score: decision must be approved (with offers) or declined');
    return { decision: 'approved', offers: r.offers.map(parseOffer) };
  }

  async confirm(ref: OfferRef): Promise<ContractResult> {
    const r = await this.call('confirm', refBody(ref));
    if (r.decision === 'declined') return { decision: 'declined', reason: str(r.reason, 'reason', '') };
    const c = obj(r.contract, 'contract');
    return {
      decision: 'ready',
      contract: {
        number: optStr(c.number),
        effectiveRate:
          c.effective_rate === undefined || c.effective_rate === null ? undefined : String(c.effective_rate),
        amount: money(c.amount, 'contract.amount'),
        termValue: int(c.term_value, 'contract.term_value'),
        termUnit: unit(c.term_unit, 'contract.term_unit'),
        regularPaymentAmount: money(c.regular_payment_amount, 'contract.regular_payment_amount'),
        firstPaymentDate: str(c.first_payment_date, 'contract.first_payment_date'),
        paymentsCount: int(c.payments_count, 'contract.payments_count'),
      },
      documents: parseDocuments(r),
      templates: parseTemplates(r),
      requiredScans: arr(r.required_scans).map((s) => str(s, 'required_scans')),
      paymentUrl: optStr(r.payment_url),
    };
  }

  async checkScans(
    ref: OfferRef,
    scans: { type: string; mimeType: string; content: Buffer }[],
  ): Promise<ScanCheckResult> {
    const r = await this.call('scans', {
      ...refBody(ref),
      scans: scans.map((s) => ({
        type: s.type,
        mime_type: s.mimeType,
        base64: s.content.toString('base64'),
      })),
    });
    return {
      scans: arr(r.scans).map((s) => {
        const scan = obj(s, 'scans[]');
        const status = str(scan.status, 'scans.status');
        if (status !== 'CONFIRMED' && status !== 'RESCAN_NEEDED' && status !== 'DECLINED')
          throw new LenderProtocolError(`scans: unknown status ${status}`);
        return { type: str(scan.type, 'scans.type'), status, declineReason: optStr(scan.decline_reason) };
      }),
      documents: parseDocuments(r),
      templates: parseTemplates(r),
    };
  }

  async sign(ref: OfferRef, evidence: { method: 'sms'; signedAt: Date; phoneMasked: string }): Promise<void> {
    await this.call('sign', {
      ...refBody(ref),
      method: evidence.method,
      signed_at: evidence.signedAt.toISOString(),
      phone: evidence.phoneMasked,
    });
  }

  async paymentStatus(ref: OfferRef): Promise<PaymentState> {
    const r = await this.call('payment_status', refBody(ref));
    const status = str(r.status, 'status');
    if (!['pending', 'paid', 'partially_paid', 'declined'].includes(status))
      throw new LenderProtocolError(`payment_status: unknown status ${status}`);
    return {
      status: status as PaymentState['status'],
      payments: arr(r.payments).map((p) => {
        const pay = obj(p, 'payments[]');
        const ps = str(pay.status, 'payments.status');
        if (ps !== 'pending' && ps !== 'cancel' && ps !== 'success')
          throw new LenderProtocolError(`payment_status: unknown payment status ${ps}`);
        return {
          payedAt: str(pay.payed_at, 'payments.payed_at'),
          status: ps,
          amount: money(pay.amount, 'payments.amount'),
          transactionNumber: str(pay.transaction_number, 'payments.transaction_number'),
        };
      }),
    };
  }

  async issue(ref: OfferRef): Promise<IssueResult> {
    const r = await this.call('issue', refBody(ref));
    if (r.status === 'done') return { status: 'done' };
    if (r.status === 'declined') return { status: 'declined', reason: str(r.reason, 'reason', '') };
    throw new LenderProtocolError('issue: status must be done or declined');
  }

  async cancel(ref: { applicationId: string; lenderOfferId?: string }): Promise<void> {
    await this.call('cancel', { application_id: ref.applicationId, offer_id: ref.lenderOfferId ?? null });
  }
}

/** An amount as a JSON number when a JS number holds it exactly (else left for lossless-json). */
function exact(value: bigint): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

function parseDocuments(r: Record<string, unknown>) {
  return arr(r.documents).map((d, i) => {
    const doc = obj(d, `documents[${i}]`);
    return {
      name: str(doc.name, 'documents.name'),
      mimeType: str(doc.mime_type, 'documents.mime_type'),
      content: Buffer.from(str(doc.base64, 'documents.base64'), 'base64'),
    };
  });
}

function parseTemplates(r: Record<string, unknown>) {
  return arr(r.templates).map((t, i) => {
    const tpl = obj(t, `templates[${i}]`);
    return { name: str(tpl.name, 'templates.name'), html: str(tpl.html, 'templates.html') };
  });
}

function refBody(ref: OfferRef) {
  return { application_id: ref.applicationId, offer_id: ref.lenderOfferId, kind: ref.kind };
}

function parseOffer(value: unknown, i: number): LenderOffer {
  const o = obj(value, `offers[${i}]`);
  const rate = o.rate;
  const rateText = typeof rate === 'number' || typeof rate === 'string' ? String(rate) : '';
  if (!/^\d{1,5}(\.\d{1,4})?$/.test(rateText))
    throw new LenderProtocolError(`offers[${i}].rate is not a decimal`);
  return {
    lenderOfferId: str(o.id, 'offers.id'),
    name: str(o.name, 'offers.name'),
    initialPayment: money(o.initial_payment ?? 0, 'offers.initial_payment'),
    amount: money(o.amount, 'offers.amount'),
    lifeInsuranceSum: money(o.life_insurance_sum ?? 0, 'offers.life_insurance_sum'),
    workInsuranceSum: money(o.work_insurance_sum ?? 0, 'offers.work_insurance_sum'),
    termValue: int(o.term_value, 'offers.term_value'),
    termUnit: unit(o.term_unit, 'offers.term_unit'),
    regularPaymentAmount: money(o.regular_payment_amount, 'offers.regular_payment_amount'),
    regularPeriodType: unit(o.regular_period_type, 'offers.regular_period_type'),
    paymentsCount: int(o.payments_count, 'offers.payments_count'),
    rate: rateText,
  };
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new LenderProtocolError(`${what} must be an object`);
  return v as Record<string, unknown>;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function str(v: unknown, what: string, fallback?: string): string {
  if (typeof v === 'string') return v;
  if (fallback !== undefined) return fallback;
  throw new LenderProtocolError(`${what} must be a string`);
}
function optStr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    throw new LenderProtocolError(`${what} must be an integer`);
  return v;
}
function money(v: unknown, what: string): bigint {
  try {
    return parseKopecks(v);
  } catch {
    throw new LenderProtocolError(`${what} must be whole kopecks`);
  }
}
function unit(v: unknown, what: string): TermUnit {
  if (typeof v !== 'string' || !(TERM_UNITS as readonly string[]).includes(v))
    throw new LenderProtocolError(`${what} must be day, week or month`);
  return v as TermUnit;
}
