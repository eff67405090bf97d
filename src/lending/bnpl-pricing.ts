import type { Kopecks } from '../platform/money.ts';
import { addDays, daysBetween } from './dates.ts';
import { divHalfUp } from './products/rates.ts';

/** The BNPL loan lasts 64 days: the first third is paid at opening, the others 32 and 64 days later. */
export const BNPL_TERM_DAYS = 64;
const BNPL_STEP_DAYS = 32;

export interface BnplPrice {
  k: '1.10' | '1.20';
  payments: [Kopecks, Kopecks, Kopecks];
  dueDates: [string, string, string];
  total: Kopecks;
}

/**
 * Moneywall's price formula: PAYMENT = ORDER_AMOUNT × K / 3, with K = 1.10 when the departure is
 * more than 64 days after the opening (after the loan ends) and K = 1.20 otherwise (also when no
 * departure is known: the dearer case is the safe one to show).
 *
 * Rounding: total = ORDER × K rounded half-up to the kopeck; the first two payments are
 * ORDER × K / 3 rounded half-up; the third is total minus the first two, so the three sum exactly.
 */
export function bnplPricing(
  orderAmount: Kopecks,
  openDate: string,
  departureDate: string | undefined,
): BnplPrice {
  if (orderAmount <= 0n) throw new RangeError('order amount must be positive');
  const late = departureDate !== undefined && daysBetween(openDate, departureDate) > BNPL_TERM_DAYS;
  const kHundredths = late ? 110n : 120n;
  const total = divHalfUp(orderAmount * kHundredths, 100n);
  const part = divHalfUp(orderAmount * kHundredths, 300n);
  return {
    k: late ? '1.10' : '1.20',
    payments: [part, part, total - 2n * part],
    dueDates: [openDate, addDays(openDate, BNPL_STEP_DAYS), addDays(openDate, BNPL_TERM_DAYS)],
    total,
  };
}
