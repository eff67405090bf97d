import type { Static } from '@sinclair/typebox';
import type { InitInput } from '../../bnpl/sessions.ts';
import { AppError } from '../../platform/errors.ts';
import { parseRoubles } from '../../platform/money.ts';
import type { InitBody } from './schemas.ts';

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$/;

function bad(field: string, message: string): AppError {
  return new AppError('validation', 'bnpl.validation', `${field}: ${message}`);
}

/**
 * An ISO 8601 date-time. The document asks for a zone but its own init example sends
 * `2017-07-01T00:00:00` without one: such a value is read as Moscow time (+03:00).
 */
export function parseDateTime(field: string, text: string): Date {
  const m = DATE_TIME.exec(text.trim());
  if (!m)
    throw bad(
      field,
      `дата и время в формате ISO 8601 с часовым поясом (2017-07-01T15:00:00+03:00), получено «${text.slice(0, 40)}»`,
    );
  const zone = m[5] ?? '+03:00';
  const normalised = `${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}${zone === 'Z' || zone.length === 6 ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`}`;
  const date = new Date(normalised);
  if (Number.isNaN(date.getTime()) || !calendarDate(m[1]!))
    throw bad(field, `несуществующая дата «${text.slice(0, 40)}»`);
  return date;
}

/** `YYYY-MM-DD` naming a day of the (proleptic Gregorian) calendar, as Date reads it: no 2001-02-30. */
function calendarDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const y = Number(text.slice(0, 4));
  const m = Number(text.slice(5, 7));
  const d = Number(text.slice(8, 10));
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 ? (leap ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31);
}

function checkDate(field: string, text: string): void {
  if (!calendarDate(text)) throw bad(field, `несуществующая дата «${text}»`);
}

/** Keys sorted at every level: the same body in any key order hashes the same. */
export function canonical(value: unknown): string {
  // Plain loops and string appends: this runs on every init's whole body.
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? '';
  let out: string;
  if (Array.isArray(value)) {
    out = '[';
    for (let i = 0; i < value.length; i++) out += (i > 0 ? ',' : '') + canonical(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  out = '{';
  for (const k of Object.keys(object).sort()) {
    const v = object[k];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonical(v)}`;
  }
  return `${out}}`;
}

/** init's body (already valid against the schema) as the domain's input: roubles to kopecks, dates checked. */
export function readInit(body: Static<typeof InitBody>): InitInput {
  let amount: bigint;
  try {
    amount = parseRoubles(body.amount, { allowZero: false });
  } catch (error) {
    throw bad('amount', (error as Error).message);
  }
  if (body.calculated_credit_cost !== undefined) {
    try {
      parseRoubles(body.calculated_credit_cost);
    } catch (error) {
      throw bad('calculated_credit_cost', (error as Error).message);
    }
  }
  const expiresAt = body.expires_at === undefined ? undefined : parseDateTime('expires_at', body.expires_at);
  let departure: { at: Date; date: string } | undefined;
  for (const [s, segment] of (body.product?.segments ?? []).entries()) {
    for (const [f, flight] of segment.flights.entries()) {
      const path = `product.segments.${s}.flights.${f}`;
      const dep = parseDateTime(`${path}.departure_dt`, flight.departure_dt);
      const arr = parseDateTime(`${path}.arrival_dt`, flight.arrival_dt);
      if (arr.getTime() < dep.getTime()) throw bad(`${path}.arrival_dt`, 'прилёт раньше вылета');
      // The departure's calendar date where it departs, as written.
      if (!departure || dep.getTime() < departure.at.getTime())
        departure = { at: dep, date: flight.departure_dt.trim().slice(0, 10) };
    }
  }
  for (const [i, p] of (body.product?.passengers ?? []).entries())
    checkDate(`product.passengers.${i}.birth_date`, p.birth_date);
  if (body.local_passport) {
    checkDate('local_passport.birth_date', body.local_passport.birth_date);
    checkDate('local_passport.issue_date', body.local_passport.issue_date);
  }
  if (body.international_passport) {
    checkDate('international_passport.birth_date', body.international_passport.birth_date);
    checkDate('international_passport.expiration_date', body.international_passport.expiration_date);
  }
  const { phone, email, ...rest } = body;
  const details: Record<string, unknown> = {};
  for (const key of [
    'product',
    'local_passport',
    'address',
    'international_passport',
    'meta',
    'calculated_credit_cost',
  ] as const)
    if (rest[key] !== undefined) details[key] = rest[key];
  return {
    orderId: body.order_id,
    amount,
    phone: phone.replace(/^\+/, ''),
    email,
    successCallbackUrl: body.success_callback_url,
    failureCallbackUrl: body.failure_callback_url,
    redirectUrl: body.redirect_url,
    webMode: body.web_mode ?? 'standalone',
    originalProviderOrderId: body.original_provider_order_id ?? body.meta?.original_provider_order_id,
    expiresAt,
    productType: body.product_type,
    departureDate: departure?.date,
    details,
    canonical: canonical(body),
  };
}
