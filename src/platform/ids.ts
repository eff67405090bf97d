/**
 * Identifiers of up to 18 digits (agentTransactionId, transactionId, ledger ids) travel as
 * bigint: they exceed 2^53, so a JS number would silently change them.
 */
export const MAX_ID_DIGITS = 18;

export class IdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IdError';
  }
}

/** A positive integer id of at most `maxDigits` digits, from a JSON number, a digit string or a bigint. */
export function parseId(value: unknown, maxDigits = MAX_ID_DIGITS): bigint {
  let text: string;
  if (typeof value === 'bigint') text = String(value);
  else if (typeof value === 'number' && Number.isSafeInteger(value)) text = String(value);
  else if (typeof value === 'string') text = value.trim();
  else throw new IdError(`идентификатор должен быть целым числом, получено ${describe(value)}`);
  if (!/^\d+$/.test(text))
    throw new IdError(`идентификатор должен быть целым числом, получено «${text.slice(0, 40)}»`);
  const digits = text.replace(/^0+(?=\d)/, '');
  if (digits.length > maxDigits) throw new IdError(`идентификатор длиннее ${maxDigits} цифр`);
  const id = BigInt(digits);
  if (id === 0n) throw new IdError('идентификатор должен быть больше нуля');
  return id;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return `число ${value}`;
  return typeof value;
}
