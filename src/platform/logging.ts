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

const CENSOR = '[скрыто]';

/** Query parameters whose values never reach a log (the site API sends passports and passes in URLs). */
const SECRET_PARAMS = /^(pd|pass|password|phone|passport|token|code|pan|name|card|inn|snils)$/i;

/**
 * A request URL fit for a log: values of secret query parameters, and path segments that are a
 * passport (10 digits, spaces allowed), a phone (11+ digits) or a hash (32+ hex: signing codes)
 * are replaced, e.g. `/hs/NumbersDeals/0808223433?pd=…` -> `/hs/NumbersDeals/[скрыто]?pd=[скрыто]`.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const safePath = path
    .split('/')
    .map((segment) => {
      let decoded = segment;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        // keep the raw segment
      }
      const compact = decoded.replace(/[\s+-]/g, '');
      return /^\+?\d{10,}$/.test(compact) || /^[0-9a-f]{32,}$/i.test(compact) ? CENSOR : segment;
    })
    .join('/');
  if (q < 0) return safePath;
  const safeQuery = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_PARAMS.test(key) ? `${key}=${CENSOR}` : pair;
    })
    .join('&');
  return `${safePath}?${safeQuery}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** The request as the HTTP server logs it (Fastify's fields), with the URL redacted. */
function requestSerializer(req: LoggedRequest) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'kopek' },
      // Takes precedence over Fastify's own `req` serializer (pino keeps the parent's).
      serializers: { req: requestSerializer },
      redact: { paths: REDACTED_PATHS, censor: CENSOR },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
