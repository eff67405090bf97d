import { Decimal } from 'decimal.js';

/**
 * Rates are exact decimal text ('0.8' percent a day, '292' percent a year). Interest multiplies
 * kopecks by such a rate, so a rate is turned into an exact integer fraction here, never a float.
 */

const RATE = /^\d{1,6}(?:\.\d{1,6})?$/;

export function isRateText(text: string): boolean {
  return RATE.test(text);
}

/** '0.8' -> { num: 8n, den: 10n }: the rate's value as an exact fraction. */
export function rateFraction(text: string): { num: bigint; den: bigint } {
  if (!isRateText(text)) throw new RangeError(`not a rate: ${text}`);
  const [whole, fraction = ''] = text.split('.');
  return { num: BigInt(whole! + fraction), den: 10n ** BigInt(fraction.length) };
}

/** Compares two decimal texts exactly: -1, 0 or 1. */
export function compareRates(a: string, b: string): number {
  return new Decimal(a).comparedTo(new Decimal(b));
}

/** Canonical text of a numeric: '0.8000' -> '0.8', '20.00' -> '20'. */
export function normalizeRate(text: string): string {
  return new Decimal(text).toFixed();
}
/** `num / den` for non-negative integers, rounded to the nearest integer, halves up. */
export function divHalfUp(num: bigint, den: bigint): bigint {
  if (num < 0n || den <= 0n)
    throw new RangeError('divHalfUp takes a non-negative numerator and a positive denominator');
  return (2n * num + den) / (2n * den);
}
