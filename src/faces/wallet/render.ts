import { decimal } from '../../platform/json.ts';
import { formatRoubles, type Kopecks } from '../../platform/money.ts';
import type { Service } from '../../processing/catalog.ts';
import { total, type WalletPayment } from '../../wallet/payments.ts';
import type { Person } from '../../wallet/person.ts';
import { describeParameter, type ServiceGroup } from '../../wallet/services.ts';
import type { WalletSummary } from '../../wallet/wallets.ts';

/** Roubles as the document writes them: `100` for whole roubles, `100.50` otherwise. */
export function roubles(k: Kopecks): unknown {
  return k % 100n === 0n ? k / 100n : decimal(formatRoubles(k));
}

/** Catalogue ids made of digits are numbers on this wire (`"id": 61`); others stay strings. */
export function serviceId(id: string): unknown {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

export function walletJson(w: WalletSummary) {
  return { phone: w.phone, amount: roubles(w.amount) };
}

export function personJson(p: Person) {
  return {
    family_name: p.familyName,
    given_name: p.givenName,
    patronymic_name: p.patronymicName,
    passport_series_number: p.passportSeriesNumber,
    passport_issued_at: p.passportIssuedAt,
    itn: p.itn,
    ssn: p.ssn,
    status: p.status,
    ...(p.verifiedAt ? { verified_at: p.verifiedAt.toISOString() } : {}),
  };
}

export function serviceJson(s: Service) {
  return {
    id: serviceId(s.id),
    name: s.name,
    min: roubles(s.minAmount),
    max: roubles(s.maxAmount),
    parameters: s.inputs.map((f) => {
      const p = describeParameter(f);
      return {
        code: p.code,
        min_length: p.minLength,
        max_length: p.maxLength,
        name: p.name,
        pattern: p.pattern,
        type: p.type,
        pattern_description: p.patternDescription,
        items: [],
      };
    }),
  };
}

export function groupJson(g: ServiceGroup) {
  return { code: g.code, name: g.name, services: g.services.map(serviceJson) };
}

/** The processing centre the wallet's payments go out through (`outbound` in the document). */
const OUTBOUND = {
  id: 1,
  code: 'kopek_processing',
  name: 'Процессинговый центр Kopek (агентский протокол v20)',
};

const STATUS = {
  checking: 'processing',
  input: 'processing',
  ready: 'processing',
  paying: 'processing',
  finished: 'finished',
  canceled: 'canceled',
} as const;

const NEXT_ACTION = {
  checking: 'get',
  input: 'update',
  ready: 'pay',
  paying: 'get',
  finished: undefined,
  canceled: undefined,
} as const;

export function paymentJson(p: WalletPayment) {
  const t = total(p);
  return {
    id: p.id,
    client_payment_id: p.clientPaymentId,
    amount: roubles(p.amount),
    ...(t !== null ? { total: roubles(t) } : {}),
    created_at: p.createdAt.toISOString(),
    ...(p.processedAt && p.state !== 'checking' ? { processed_at: p.processedAt.toISOString() } : {}),
    status: STATUS[p.state],
    type: p.type,
    service: { id: serviceId(p.serviceId), name: p.serviceName },
    parameters: p.parameters.map((x) => ({ code: x.code, name: x.name, value: x.value })),
    outbound: OUTBOUND,
    ...(p.state === 'canceled' && p.resultMessage ? { error_message: p.resultMessage } : {}),
  };
}

/** `meta.next_action` and `meta.current_parameters` (while the provider asks or shows something). */
export function paymentMeta(p: WalletPayment): Record<string, unknown> {
  const meta: Record<string, unknown> = {};
  const next = NEXT_ACTION[p.state];
  if (next) meta.next_action = next;
  if ((p.state === 'input' || p.state === 'ready') && p.currentParameters)
    meta.current_parameters = p.currentParameters.map((c) => ({
      code: c.code,
      name: c.name,
      value: c.value,
      editable: c.editable,
    }));
  return meta;
}
