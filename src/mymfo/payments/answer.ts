import { AppError, isDatabaseUnavailable } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { OSMP, type OsmpCode, OsmpRefusal } from './codes.ts';

/** What the payment endpoints answer, before the face writes it as the OSMP `<response>`. */
export interface OsmpAnswer {
  result: OsmpCode;
  /** Russian comment: empty on success. */
  comment: string;
  /** The payment in Kopek (lending.payments id), on a successful pay. */
  prvTxn?: string;
  /** The amount of the request, when it could be read. */
  amount?: Kopecks;
  /** check: what the payer sees before paying (deal, masked name, debt). */
  fields?: { name: string; value: string }[];
  /** The engine's receipt number ("НомерПриходника" of PS/deal), on a successful pay. */
  receipt?: string;
}

/**
 * An error of a check or pay as the protocol's answer: our refusals as they are, the loan
 * engine's refusals by their codes, an unavailable database as 1 (the service retries), anything
 * else as 300 (the transaction rolled back: nothing was written, so a final refusal is safe).
 */
export function answerForError(error: unknown): OsmpAnswer & { unexpected?: true } {
  if (error instanceof OsmpRefusal) return { result: error.result, comment: error.message };
  if (isDatabaseUnavailable(error))
    return { result: OSMP.temporary, comment: 'база данных недоступна, повторите запрос позже' };
  if (error instanceof AppError) {
    switch (error.code) {
      case 'lending.deal_not_found':
        return { result: OSMP.accountNotFound, comment: 'договор не найден' };
      case 'lending.deal_not_payable':
        return { result: OSMP.accountNotActive, comment: error.message };
      case 'lending.not_issued':
        return { result: OSMP.accountNotActive, comment: 'заём по договору не выдан' };
      case 'lending.txn_reused':
        return { result: OSMP.other, comment: 'txn_id уже использован для другого платежа' };
      case 'lending.amount':
        return { result: OSMP.tooSmall, comment: error.message };
    }
    if (error.kind === 'unavailable')
      return { result: OSMP.temporary, comment: 'сервис временно недоступен, повторите запрос позже' };
    if (['conflict', 'limit', 'forbidden', 'insufficient_funds'].includes(error.kind))
      return { result: OSMP.forbidden, comment: error.message };
    if (error.kind === 'validation') return { result: OSMP.other, comment: error.message };
  }
  const code = (error as { code?: string } | undefined)?.code;
  // Lock and serialization failures are transient: the same pay will go through on a retry.
  if (code === '40001' || code === '40P01' || code === '55P03')
    return { result: OSMP.temporary, comment: 'платёж не проведён, повторите запрос' };
  return { result: OSMP.other, comment: 'внутренняя ошибка, платёж не проведён', unexpected: true };
}
