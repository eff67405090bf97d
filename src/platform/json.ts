import { isSafeNumber, LosslessNumber, parse, stringify } from 'lossless-json';

/**
 * JSON in: a number literal that a JS number cannot hold exactly (an 18-digit id, a long decimal)
 * or that is written with an exponent arrives as its source text, a string, so ids and amounts
 * are read losslessly and validated by their own parsers. Every other number is a plain number.
 */
export function parseJson(text: string): unknown {
  return parse(text, null, (literal: string) =>
    isSafeNumber(literal) && !/[eE]/.test(literal) ? Number(literal) : literal,
  );
}

/** A number written to JSON exactly as given: `decimal("200.00")` is emitted as 200.00. */
export function decimal(text: string): LosslessNumber {
  return new LosslessNumber(text);
}

/** JSON out: bigint values become integer literals, `decimal()` values their exact text. */
export function stringifyJson(value: unknown, indent?: number): string {
  return stringify(value, null, indent) ?? 'null';
}

/** For JSON stored by other software (job payloads, jsonb columns): bigints as decimal strings. */
export function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? String(value) : value;
}
