import { type Kopecks, MoneyError, parseRoubles } from '../../platform/money.ts';
import { OSMP, OsmpRefusal } from './codes.ts';

/** The query of `Payment/<PayService>/` as received: every parameter optional, text. */
export interface RawOsmpQuery {
  command?: string;
  txn_id?: string;
  txn_date?: string;
  account?: string;
  sum?: string;
}

export type OsmpCommand = 'check' | 'pay';

export interface OsmpRequest {
  command: OsmpCommand;
  txnId: string;
  /** txn_date as `YYYY-MM-DD HH:MM:SS` (the service's local time, no zone); required for pay. */
  txnDate: string | undefined;
  /** The deal number ("account"). */
  account: string;
  /** Required for pay; a check without it only looks the deal up. */
  amount: Kopecks | undefined;
}

/** OSMP txn_id: the service's id, digits for QIWI-like services; letters allowed for sites. */
const TXN_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
/** A deal number: letters (any alphabet) and digits, with the separators numbering may use. */
const ACCOUNT = /^[\p{L}\p{N}][\p{L}\p{N}._/-]{0,39}$/u;
const TXN_DATE = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/**
 * Validates the query; a bad value is refused in the protocol's terms: a bad account with 4,
 * everything else malformed with 300 (OSMP has no finer code for it).
 */
export function parseOsmpQuery(q: RawOsmpQuery): OsmpRequest {
  const command = q.command?.trim().toLowerCase();
  if (command !== 'check' && command !== 'pay')
    throw new OsmpRefusal(OSMP.other, 'command должен быть check или pay');
  const txnId = q.txn_id?.trim() ?? '';
  if (!TXN_ID.test(txnId))
    throw new OsmpRefusal(OSMP.other, 'txn_id обязателен: до 64 латинских букв, цифр и знаков _.:-');
  let txnDate: string | undefined;
  const rawDate = q.txn_date?.trim();
  if (rawDate) txnDate = parseTxnDate(rawDate);
  else if (command === 'pay') throw new OsmpRefusal(OSMP.other, 'txn_date обязателен для pay');
  const account = q.account?.trim() ?? '';
  if (!ACCOUNT.test(account))
    throw new OsmpRefusal(OSMP.badAccount, 'неверный формат номера договора (account)');
  let amount: Kopecks | undefined;
  const rawSum = q.sum?.trim().replace(',', '.');
  if (rawSum) {
    try {
      amount = parseRoubles(rawSum, { allowNegative: true });
    } catch (error) {
      const why = error instanceof MoneyError ? error.message : 'неверная сумма';
      throw new OsmpRefusal(OSMP.other, `sum: ${why}`);
    }
  } else if (command === 'pay') {
    throw new OsmpRefusal(OSMP.other, 'sum обязателен для pay');
  }
  return { command, txnId, txnDate, account, amount };
}

function parseTxnDate(text: string): string {
  const m = TXN_DATE.exec(text);
  const bad = () => new OsmpRefusal(OSMP.other, 'txn_date должен быть в формате yyyymmddhhmmss');
  if (!m) throw bad();
  const [, y, mo, d, h, mi, s] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}Z`;
  const date = new Date(iso);
  // Date rolls 2017-02-30 over to March: a real date reads back unchanged.
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 19) !== iso.slice(0, 19)) throw bad();
  return `${y}-${mo}-${d} ${h}:${mi}:${s}`;
}
