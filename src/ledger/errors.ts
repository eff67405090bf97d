import { AppError } from '../platform/errors.ts';

/** The ledger's SQLSTATEs (see migrations/0001_ledger.sql) as application errors. */
export function translateLedgerError(error: unknown): unknown {
  const e = error as { code?: string; detail?: string; message?: string };
  const detail = e?.detail ?? '';
  switch (e?.code) {
    case 'KL001':
      return new AppError(
        'insufficient_funds',
        'ledger.insufficient_funds',
        'недостаточно средств на счёте',
        { account: detail },
      );
    case 'KL002':
      return new AppError('limit', 'ledger.upper_bound', 'превышен лимит остатка на счёте', {
        account: detail,
      });
    case 'KL003':
      return new AppError(
        'conflict',
        'ledger.idempotency_conflict',
        'ключ идемпотентности уже использован для другой операции',
        { key: detail },
      );
    case 'KL004':
      return new AppError('validation', 'ledger.unbalanced', 'проводка не сбалансирована', {
        transfer: detail,
      });
    case 'KL005':
    case '23503':
      return new AppError('not_found', 'ledger.account_not_found', 'счёт не найден', { account: detail });
    case 'KL006':
      return new AppError('conflict', 'ledger.hold_state', `резерв нельзя изменить: ${e.message}`, {
        transfer: detail,
      });
    case 'KL007':
      return new AppError('validation', 'ledger.bad_call', e.message ?? 'неверный вызов');
    default:
      return error;
  }
}
