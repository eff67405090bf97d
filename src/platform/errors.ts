/**
 * The platform's closed set of error kinds. Domain modules throw `AppError`s with a kind and a
 * module-specific `code`; each face maps them to its own protocol form (result codes, envelopes,
 * XML). The message is the user-facing text (Russian where the protocols speak Russian).
 */
export type ErrorKind =
  | 'validation' // the request is malformed or a value is out of range
  | 'not_found'
  | 'conflict' // idempotency key reused with other content, a state that forbids the action
  | 'forbidden'
  | 'unauthorized'
  | 'insufficient_funds'
  | 'limit' // a business limit (bound, cap, attempts)
  | 'unavailable'; // a dependency is down; the caller may retry

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08003',
  '08006',
]);

/** True when the database could not be reached or dropped the connection: the request may be retried. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e) return false;
  if (e.code !== undefined && CONNECTION_CODES.has(e.code)) return true;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect/i.test(
    e.message ?? '',
  );
}

/** PostgreSQL errors translated once, here: unique violations are conflicts, lost connections unavailability. */
export function translateDatabaseError(error: unknown): unknown {
  const e = error as { code?: string; constraint?: string };
  if (e?.code === '23505')
    return new AppError('conflict', 'duplicate', 'запись уже существует', { constraint: e.constraint });
  if (isDatabaseUnavailable(error))
    return new AppError(
      'unavailable',
      'database_unavailable',
      'база данных недоступна, повторите запрос позже',
    );
  return error;
}
