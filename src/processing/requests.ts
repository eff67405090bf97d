import { createHash } from 'node:crypto';
import { IdError, parseId } from '../platform/ids.ts';
import { type Kopecks, MoneyError, parseRoubles } from '../platform/money.ts';
import { ProcessingRefusal, RESULT } from './finality.ts';
import type { SubPayment } from './providers/provider.ts';

/** check and pay bodies as the face hands them over: types checked, values not yet. */
export interface RawPaymentRequest {
  serviceId: string;
  account: string;
  agentTransactionId: number | string;
  agentTransactionDate?: string;
  amountTo?: number | string;
  amountFrom?: number | string;
  extras?: Record<string, string | number>;
  extraServices?: { subServiceId: string | number; amount: number | string; lastCount?: string | number }[];
  identityCard?: string;
  fullName?: string;
}

export interface PaymentRequest {
  serviceId: string;
  account: string;
  agentTxnId: bigint;
  /** As the agent sent it (local time, usually without a zone): kept for reconciliation. */
  agentTxnDate: string | undefined;
  amountTo: Kopecks | undefined;
  amountFrom: Kopecks | undefined;
  extras: Record<string, string>;
  extraServices: SubPayment[] | undefined;
  identityCard: string | undefined;
  fullName: string | undefined;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})?$/;

function refuse(message: string): never {
  throw new ProcessingRefusal(RESULT.badRequest, message);
}

/** `YYYY-MM-DDThh:mm:ss`, with or without fractions and a zone (agents send local time). */
export function checkAgentDate(text: string): string {
  const m = DATE.exec(text.trim());
  if (!m)
    refuse(`agentTransactionDate: ожидается дата вида 2015-02-17T16:48:37, получено «${text.slice(0, 40)}»`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const probe = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
  if (
    probe.getUTCFullYear() !== y ||
    probe.getUTCMonth() !== mo! - 1 ||
    probe.getUTCDate() !== d ||
    h! > 23 ||
    mi! > 59 ||
    s! > 59
  )
    refuse(`agentTransactionDate: несуществующая дата «${text}»`);
  return text.trim();
}

function amount(value: number | string | undefined, name: string): Kopecks | undefined {
  if (value === undefined) return undefined;
  try {
    return parseRoubles(value, { allowZero: false });
  } catch (error) {
    if (error instanceof MoneyError) refuse(`${name}: ${error.message}`);
    throw error;
  }
}

function scalar(value: string | number): string {
  return typeof value === 'number' ? String(value) : value;
}

/** Validates a check or pay body; every problem is result 202 with a message naming the field. */
export function parsePaymentRequest(raw: RawPaymentRequest, kind: 'check' | 'pay'): PaymentRequest {
  let agentTxnId: bigint;
  try {
    agentTxnId = parseId(raw.agentTransactionId);
  } catch (error) {
    if (error instanceof IdError) refuse(`agentTransactionId: ${error.message}`);
    throw error;
  }
  if (raw.serviceId.trim() === '') refuse('serviceId: обязательное поле не заполнено');
  if (raw.account === '') refuse('account: обязательное поле не заполнено');
  if (kind === 'pay' && raw.agentTransactionDate === undefined)
    refuse('agentTransactionDate: обязательное поле не заполнено');
  const agentTxnDate =
    raw.agentTransactionDate === undefined ? undefined : checkAgentDate(raw.agentTransactionDate);
  const amountTo = amount(raw.amountTo, 'amountTo');
  let amountFrom = amount(raw.amountFrom, 'amountFrom');
  if (kind === 'pay') {
    if (amountTo === undefined) refuse('amountTo: обязательное поле не заполнено');
    amountFrom ??= amountTo;
  }
  if (amountTo !== undefined && amountFrom !== undefined && amountFrom < amountTo)
    refuse('amountFrom: сумма, принятая от пользователя, меньше суммы к зачислению amountTo');
  const extras: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.extras ?? {})) extras[k] = scalar(v);
  let extraServices: SubPayment[] | undefined;
  if (raw.extraServices !== undefined) {
    if (raw.extraServices.length === 0) refuse('extraServices: пустой список услуг');
    let sum = 0n;
    extraServices = raw.extraServices.map((s, i) => {
      const a = amount(s.amount, `extraServices[${i}].amount`)!;
      sum += a;
      return {
        subServiceId: scalar(s.subServiceId),
        amount: a,
        ...(s.lastCount !== undefined ? { lastCount: scalar(s.lastCount) } : {}),
      };
    });
    if (amountTo !== undefined && sum !== amountTo)
      refuse('extraServices: сумма по услугам квитанции не равна amountTo');
  }
  return {
    serviceId: raw.serviceId.trim(),
    account: raw.account,
    agentTxnId,
    agentTxnDate,
    amountTo,
    amountFrom,
    extras,
    extraServices,
    identityCard: raw.identityCard,
    fullName: raw.fullName,
  };
}

/** What makes two pays "the same request": everything the agent may not change on a repeat. */
export function requestHash(r: PaymentRequest): string {
  const canonical = JSON.stringify([
    r.serviceId,
    r.account,
    String(r.amountTo),
    String(r.amountFrom),
    r.agentTxnDate ?? '',
    Object.entries(r.extras).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    (r.extraServices ?? []).map((s) => [s.subServiceId, String(s.amount), s.lastCount ?? '']),
  ]);
  return createHash('sha256').update(canonical).digest('base64url');
}
