import { AppError, type ErrorKind } from '../platform/errors.ts';

/** Errors of the BNPL checkout; the message is shown to the merchant or the customer as is. */
export function bnplError(
  kind: ErrorKind,
  code: string,
  message: string,
  details?: Record<string, unknown>,
): AppError {
  return new AppError(kind, `bnpl.${code}`, message, details);
}
