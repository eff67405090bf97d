import type { LosslessNumber } from 'lossless-json';
import { decimal } from '../../platform/json.ts';
import { formatRoubles } from '../../platform/money.ts';
import type { Service } from '../../processing/catalog.ts';
import type { Outcome } from '../../processing/payments.ts';
import type { Invoice } from '../../processing/providers/provider.ts';

/** The processing centre's local time (Asia/Almaty, UTC+5, no daylight saving), as the document writes dates. */
const OFFSET_MS = 5 * 3600_000;

export function localTime(date: Date): string {
  return new Date(date.getTime() + OFFSET_MS).toISOString().slice(0, 23);
}

export function amount(kopecks: bigint): LosslessNumber {
  return decimal(formatRoubles(kopecks));
}

const NUMERIC_DATA = new Set(['paySum', 'tariff', 'minSum', 'maxSum']);

function invoiceJson(invoice: Invoice): Record<string, unknown> {
  return {
    ...invoice,
    services: invoice.services.map((s) => ({
      subServiceId: s.subServiceId,
      subServiceName: s.subServiceName,
      ...(s.data
        ? {
            data: Object.fromEntries(
              Object.entries(s.data).map(([k, v]) => [
                k,
                typeof v === 'string' && NUMERIC_DATA.has(k) && /^-?\d+(\.\d+)?$/.test(v) ? decimal(v) : v,
              ]),
            ),
          }
        : {}),
    })),
  };
}

/** A check or pay outcome in the document's shape and key order. */
export function outcomeJson(o: Outcome): Record<string, unknown> {
  const body: Record<string, unknown> = { result: o.result, resultMessage: o.message };
  if (o.transactionId !== undefined) body.transactionId = o.transactionId;
  if (o.transactionDate) body.transactionDate = localTime(o.transactionDate);
  if (o.statusDate) body.statusDate = localTime(o.statusDate);
  body.agentTransactionId = o.agentTransactionId;
  if (o.conversion) {
    body.currencyRate = o.conversion.currencyRate;
    body.rate = decimal(o.conversion.rate);
    body.finalAmount = decimal(o.conversion.finalAmount);
    body.currency = o.conversion.currency;
  }
  if (o.displays) body.displays = o.displays;
  if (o.contracts) body.contracts = o.contracts;
  if (o.invoices) body.invoice = { invoices: o.invoices.map(invoiceJson) };
  return body;
}

export function serviceJson(s: Service): Record<string, unknown> {
  const item: Record<string, unknown> = { serviceId: s.id, type: s.type, name: s.name };
  if (s.group !== null) item.group = s.group;
  item.fixedPayment = s.fixedPayment;
  if (s.country !== null) item.country = s.country;
  if (s.inputs.length) item.inputs = s.inputs;
  if (s.displays.length) item.displays = s.displays;
  return item;
}
