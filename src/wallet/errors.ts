import { AppError, type ErrorKind } from '../platform/errors.ts';

/**
 * The wallet's closed set of refusals. The part after `wallet.` is what the mserver 2 face puts
 * in `meta.error`; the kind picks the HTTP status (validation 422, unauthorized 401, ...).
 */
export const WALLET_ERRORS = {
  invalid_phone: 'validation',
  weak_password: 'validation',
  wallet_exists: 'validation',
  invalid_credentials: 'unauthorized',
  too_many_attempts: 'unauthorized',
  session_expired: 'unauthorized',
  dev_only: 'validation',
  payments_in_progress: 'validation',
  already_active: 'validation',
  invalid_code: 'validation',
  code_expired: 'validation',
  too_many_codes: 'validation',
  invalid_name: 'validation',
  invalid_passport: 'validation',
  invalid_passport_date: 'validation',
  invalid_itn: 'validation',
  invalid_ssn: 'validation',
  person_not_found: 'not_found',
  invalid_type: 'validation',
  invalid_client_payment_id: 'validation',
  client_payment_id_conflict: 'validation',
  invalid_amount: 'validation',
  amount_too_small: 'validation',
  amount_too_large: 'validation',
  service_not_found: 'validation',
  missing_parameter: 'validation',
  invalid_parameter: 'validation',
  unknown_parameter: 'validation',
  wallet_not_active: 'validation',
  payment_not_found: 'not_found',
  not_found: 'not_found',
  payment_not_editable: 'validation',
  payment_not_ready: 'validation',
  insufficient_funds: 'validation',
  invalid_page: 'validation',
} as const satisfies Record<string, ErrorKind>;

export type WalletErrorCode = keyof typeof WALLET_ERRORS;

export function walletError(
  code: WalletErrorCode,
  message: string,
  details?: Record<string, unknown>,
): AppError {
  return new AppError(WALLET_ERRORS[code], `wallet.${code}`, message, details);
}
