import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.ts';

/**
 * Fields that must never reach a log: credentials, secrets and personal data. Paths cover the
 * request headers pino-http logs and the first levels of objects passed to the logger.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...[
    'password',
    'pass',
    'token',
    'secret',
    'code',
    'otp',
    'passport',
    'passportNumber',
    'passportSeries',
    'inn',
    'snils',
    'pan',
    'cardNumber',
    'card_number',
    'cvv',
    'cvc',
    'dataKey',
    'sessionSecret',
    'databaseUrl',
  ].flatMap((field) => [field, `*.${field}`, `*.*.${field}`]),
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kopek' },
      redact: { paths: REDACTED_PATHS, censor: '[скрыто]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
