import { formatRoubles, type Kopecks, mulDivRound } from '../platform/money.ts';

/** What an international provider's payer gets, in the provider's currency (the document's fields). */
export interface Conversion {
  /** "Курс конвертации KZT/USD 0.0021" */
  currencyRate: string;
  /** the exact rate, decimal text */
  rate: string;
  /** minor units of the provider's currency */
  finalAmount: Kopecks;
  finalAmountText: string;
  currency: string;
}

/** `amount` (agent currency, minor units) at `rate` (decimal text), rounded half up, in integers only. */
export function convert(amount: Kopecks, rate: string, from: string, to: string): Conversion {
  const [whole, fraction = ''] = rate.split('.');
  const scale = 10n ** BigInt(fraction.length);
  const numerator = BigInt(whole! + fraction);
  const finalAmount = mulDivRound(amount, numerator, scale);
  return {
    currencyRate: `Курс конвертации ${from}/${to} ${roundRate(numerator, scale, 4)}`,
    rate,
    finalAmount,
    finalAmountText: formatRoubles(finalAmount),
    currency: to,
  };
}

/** The rate shown to people, to `places` decimals, half up. */
function roundRate(numerator: bigint, scale: bigint, places: number): string {
  const target = 10n ** BigInt(places);
  const scaled = mulDivRound(numerator, target, scale);
  const text = String(scaled).padStart(places + 1, '0');
  return `${text.slice(0, -places)}.${text.slice(-places)}`;
}
