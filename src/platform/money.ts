/**
 * Money is an integer number of kopecks (minor units) in a `bigint`, from the wire to the column.
 * Wire formats carry roubles as "200.00", 200.00 (a JSON number), or kopecks as integers; every
 * conversion here is exact, and anything that would need rounding is refused.
 */
export type Kopecks = bigint;

/** Largest amount any column holds (PostgreSQL bigint). */
export const MAX_KOPECKS = 9_223_372_036_854_775_807n;

export type MoneyErrorCode = 'format' | 'precision' | 'negative' | 'zero' | 'overflow';

export class MoneyError extends Error {
  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MoneyError';
  }
}

export interface ParseOptions {
  /** Negative amounts allowed (corrections, refunds as signed values). Default: no. */
  allowNegative?: boolean;
  /** Zero allowed. Default: yes. */
  allowZero?: boolean;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Decimal roubles to kopecks: `"200.00"`, `"200.5"`, `"200"` or a JSON number such as `200.00`.
 * More than two decimals, exponent forms, NaN, infinities and overflow are errors.
 */
export function parseRoubles(value: unknown, options: ParseOptions = {}): Kopecks {
  const text = decimalText(value);
  const match = DECIMAL.exec(text);
  if (!match)
    throw new MoneyError('format', `сумма должна быть числом вида 200.00, получено «${clip(text)}»`);
  const [, minus, whole, fraction = ''] = match;
  if (fraction.replace(/0+$/, '').length > 2) {
    throw new MoneyError(
      'precision',
      `сумма может иметь не более двух знаков после точки, получено «${clip(text)}»`,
    );
  }
  const kopecks = BigInt(whole!) * 100n + BigInt(fraction.slice(0, 2).padEnd(2, '0'));
  return checkRange(minus ? -kopecks : kopecks, options);
}

/** An integer number of kopecks, as a JSON number, a digit string or a bigint. */
export function parseKopecks(value: unknown, options: ParseOptions = {}): Kopecks {
  if (typeof value === 'bigint') return checkRange(value, options);
  const text =
    typeof value === 'number' ? numberText(value) : typeof value === 'string' ? value.trim() : undefined;
  if (text === undefined || !/^-?\d+$/.test(text)) {
    throw new MoneyError(
      'format',
      `сумма в копейках должна быть целым числом, получено «${clip(String(value))}»`,
    );
  }
  return checkRange(BigInt(text), options);
}

/** Kopecks as decimal roubles with exactly two places: 20000n -> "200.00", -5n -> "-0.05". */
export function formatRoubles(kopecks: Kopecks): string {
  const sign = kopecks < 0n ? '-' : '';
  const abs = kopecks < 0n ? -kopecks : kopecks;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** Kopecks as a human-readable Russian amount: 123456789n -> "1 234 567,89 ₽". */
export function formatRoublesRu(kopecks: Kopecks, currencySign = '₽'): string {
  const [whole, fraction] = formatRoubles(kopecks).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
  return `${grouped},${fraction}${currencySign ? `\u00a0${currencySign}` : ''}`;
}

/**
 * Splits `total` into `parts` amounts that differ by at most one kopeck and sum exactly to it;
 * the first parts take the remainder, so no kopeck is lost or invented.
 */
export function splitEvenly(total: Kopecks, parts: number): Kopecks[] {
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError('parts must be a positive integer');
  const n = BigInt(parts);
  const base = total / n;
  const remainder = total - base * n;
  return Array.from({ length: parts }, (_, i) => base + (BigInt(i) < remainder ? 1n : 0n));
}

/** `amount * numerator / denominator`, rounded half away from zero, in integer arithmetic. */
export function mulDivRound(amount: Kopecks, numerator: bigint, denominator: bigint): Kopecks {
  if (denominator === 0n) throw new RangeError('division by zero');
  const product = amount * numerator;
  const negative = product < 0n !== denominator < 0n;
  const p = product < 0n ? -product : product;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (p + d / 2n) / d;
  return negative ? -q : q;
}

function decimalText(value: unknown): string {
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return value.trim();
  throw new MoneyError(
    'format',
    `сумма должна быть числом, получено ${value === null ? 'null' : typeof value}`,
  );
}

/** A JS number as written: refuses NaN, infinities and what only an exponent form can show. */
function numberText(value: number): string {
  if (!Number.isFinite(value)) throw new MoneyError('format', 'сумма должна быть конечным числом');
  const text = String(value);
  if (/e/i.test(text)) {
    if (Math.abs(value) >= 1) throw new MoneyError('overflow', 'сумма слишком велика');
    throw new MoneyError('precision', 'сумма может иметь не более двух знаков после точки');
  }
  return text;
}

function checkRange(kopecks: Kopecks, options: ParseOptions): Kopecks {
  if (kopecks > MAX_KOPECKS || kopecks < -MAX_KOPECKS)
    throw new MoneyError('overflow', 'сумма слишком велика');
  if (kopecks < 0n && !options.allowNegative)
    throw new MoneyError('negative', 'сумма не может быть отрицательной');
  if (kopecks === 0n && options.allowZero === false)
    throw new MoneyError('zero', 'сумма должна быть больше нуля');
  return kopecks;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
