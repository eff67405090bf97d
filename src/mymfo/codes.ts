import { AppError } from '../platform/errors.ts';

/** IDClient of the document ("000019183"): the client id, zero-padded to 9 digits. */
export function clientCode(id: bigint): string {
  return String(id).padStart(9, '0');
}

/** An IDClient as the site sends it back (leading zeros optional). */
export function parseClientCode(value: string): bigint {
  const v = value.trim();
  if (!/^\d{1,18}$/.test(v) || /^0+$/.test(v))
    throw new AppError('validation', 'mymfo.client_code', 'IDClient: код клиента — до 18 цифр');
  return BigInt(v);
}

/** `dd.mm.yyyy` of an ISO date, or '' for none. */
export function ruDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const [y, m, d] = iso.slice(0, 10).split('-');
  return `${d}.${m}.${y}`;
}
