import { walletError } from './errors.ts';

/** A phone in international format: `+` and 11 to 15 digits (`+79261111111`). */
export function normalizePhone(raw: unknown): string {
  if (typeof raw !== 'string')
    throw walletError('invalid_phone', 'номер телефона: ожидается строка в международном формате');
  const phone = raw.replace(/[\s()-]/g, '');
  if (!/^\+[1-9]\d{10,14}$/.test(phone))
    throw walletError(
      'invalid_phone',
      'номер телефона должен быть в международном формате, например +79261111111',
    );
  return phone;
}

export function checkPassword(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length < 6)
    throw walletError('weak_password', 'пароль должен быть не короче 6 символов');
  if (raw.length > 128) throw walletError('weak_password', 'пароль должен быть не длиннее 128 символов');
  return raw;
}

function digits(text: string): number[] {
  return [...text].map(Number);
}

/** ИНН физического лица: 12 digits with two check digits. */
export function isValidItn(itn: string): boolean {
  if (!/^\d{12}$/.test(itn)) return false;
  const d = digits(itn);
  const check = (weights: number[]) => (weights.reduce((s, w, i) => s + w * d[i]!, 0) % 11) % 10;
  return (
    check([7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[10] && check([3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) === d[11]
  );
}

/** СНИЛС: 11 digits, the last two a checksum of the first nine (weights 9..1, mod 101). */
export function isValidSsn(ssn: string): boolean {
  if (!/^\d{11}$/.test(ssn)) return false;
  const d = digits(ssn);
  const body = Number(ssn.slice(0, 9));
  // Numbers up to 001-001-998 were issued before the checksum existed.
  if (body <= 1_001_998) return true;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += d[i]! * (9 - i);
  let check = sum < 100 ? sum : sum % 101;
  if (check === 100) check = 0;
  return check === Number(ssn.slice(9));
}

/** Серия и номер паспорта РФ: 10 digits (spaces allowed in input). */
export function normalizePassport(raw: string): string | undefined {
  const p = raw.replace(/\s/g, '');
  return /^\d{10}$/.test(p) ? p : undefined;
}

/** A calendar date `YYYY-MM-DD` that exists; undefined otherwise. */
export function parseDate(text: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return date.toISOString().slice(0, 10) === text ? date : undefined;
}
