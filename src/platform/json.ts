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

/** A digit run a JS number may not hold exactly (16+ digits, or an exponent). */
const INEXACT_NUMBER = /\d[\d.]{15,}|\d[eE]/;

/**
 * JSON from a peer we call (a lender's answer, Kopek's request in a simulator): the built-in
 * parser when no number in the text could lose digits in a JS number, else `parseJson` (such a
 * number arrives as its text, and the money parsers refuse or read it exactly). A string that
 * merely looks like a long number only sends the text down the slower path. Unlike `parseJson`
 * a repeated key is not refused (the last one wins): requests we validate keep `parseJson`.
 * lossless-json's parser takes about four times as long on a form-sized body (~9 µs against ~2)
 * and builds its strings a character at a time.
 */
export function parseJsonQuick(text: string): unknown {
  return INEXACT_NUMBER.test(text) ? parseJson(text) : JSON.parse(text);
}

/**
 * JSON out by the built-in serializer, lossless-json's when a value needs it: a bigint the
 * built-in one refuses, or a `decimal()` (scoring sends a whole form per lender, and
 * lossless-json's serializer costs several times more).
 */
export function stringifyJsonQuick(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (!text.includes('"isLosslessNumber":true')) return text;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  return stringifyJson(value);
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
