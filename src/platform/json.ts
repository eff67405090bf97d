import { isSafeNumber, LosslessNumber, parse, stringify } from 'lossless-json';

/**
 * JSON in: a number literal that a JS number cannot hold exactly (an 18-digit id, a long decimal)
 * or that is written with an exponent arrives as its source text, a string, so ids and amounts
 * are read losslessly and validated by their own parsers. Every other number is a plain number.
 */
export function parseJson(text: string): unknown {
  return flattenStrings(
    parse(text, null, (literal: string) =>
      isSafeNumber(literal) && !/[eE]/.test(literal) ? Number(literal) : literal,
    ),
  );
}

/**
 * lossless-json builds each string a character at a time, which V8 keeps as a rope: one cons cell
 * (~20 bytes) per character past the 12th, until something flattens it. A 36-character id held
 * as a Map key cost ~800 bytes instead of ~60 (the soak bench found the lender simulator's
 * applications growing so, docs/resilience.md). Reading a string as a number makes V8 flatten
 * it in place, so every string of a parsed body is flat once, here.
 */
function flattenStrings(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.length > 12) Number(value);
  } else if (Array.isArray(value)) {
    for (const item of value) flattenStrings(item);
  } else if (typeof value === 'object' && value !== null) {
    for (const key in value) flattenStrings((value as Record<string, unknown>)[key]);
  }
  return value;
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
