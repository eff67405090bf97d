import { AppError, type ErrorKind } from '../platform/errors.ts';
import type { FieldError } from './validation.ts';

/** The broker's closed set of refusals; the DenimHub face maps each to the document's code. */
export const BROKER_ERRORS = {
  'broker.validation': { kind: 'validation', wire: 2000 },
  'broker.form_not_found': { kind: 'not_found', wire: 3102 },
  'broker.offer_not_found': { kind: 'not_found', wire: 3103 },
  'broker.contract_not_found': { kind: 'not_found', wire: 3104 },
  'broker.form_state': { kind: 'conflict', wire: 6009 },
  'broker.offer_state': { kind: 'conflict', wire: 6010 },
  'broker.offer_not_in_form': { kind: 'conflict', wire: 6011 },
  'broker.wrong_code': { kind: 'validation', wire: 7000 },
  'broker.resend_limit': { kind: 'limit', wire: 7001 },
  'broker.code_expired': { kind: 'conflict', wire: 7002 },
  'broker.unsupported_signing': { kind: 'conflict', wire: 7003 },
  'broker.contract_confirm': { kind: 'conflict', wire: 7004 },
  'broker.scans_checking': { kind: 'conflict', wire: 7005 },
  'broker.unauthorized': { kind: 'unauthorized', wire: 1001 },
  'broker.forbidden': { kind: 'forbidden', wire: 1003 },
} as const satisfies Record<string, { kind: ErrorKind; wire: number }>;

export type BrokerErrorCode = keyof typeof BROKER_ERRORS;

export function brokerError(
  code: BrokerErrorCode,
  message: string,
  details?: Record<string, unknown>,
): AppError {
  return new AppError(BROKER_ERRORS[code].kind, code, message, details);
}

export function validationError(errors: FieldError[]): AppError {
  return brokerError(
    'broker.validation',
    `Ошибка валидации: ${errors.map((e) => `${e.field}: ${e.reason}`).join('; ')}`,
    { errors },
  );
}
