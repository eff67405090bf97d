import type { FastifyReply } from 'fastify';
import { BROKER_ERRORS } from '../../broker/errors.ts';
import type { FaceError } from '../../platform/http/face-errors.ts';

/**
 * The document's envelope: `{status, error_code, error_message, data}`. Its own codes (2000,
 * 31xx, 60xx, 70xx) answer with HTTP 200 — the document puts the outcome in `status` — while
 * codes Kopek adds for what the document leaves out keep a telling HTTP status:
 * 1001 no or bad token (401), 1003 token of another partner (403), 1004 file not found (404),
 * 1404 unknown method (404), 1503 try again later (503), 1500 internal error (500).
 */
export function success(data: unknown) {
  return { status: 'success', data };
}

export function wireCode(error: FaceError): { code: number; http: number } {
  const known = BROKER_ERRORS[error.code as keyof typeof BROKER_ERRORS];
  if (known) {
    if (known.wire === 1001) return { code: 1001, http: 401 };
    if (known.wire === 1003) return { code: 1003, http: 403 };
    return { code: known.wire, http: 200 };
  }
  if (error.code === 'broker.file_not_found') return { code: 1004, http: 404 };
  switch (error.kind) {
    case 'validation':
    case 'malformed':
    case 'unsupported_media_type':
    case 'too_large':
      return { code: 2000, http: 200 };
    case 'route_not_found':
    case 'method_not_allowed':
      return { code: 1404, http: 404 };
    case 'unavailable':
      return { code: 1503, http: 503 };
    default:
      return { code: 1500, http: 500 };
  }
}

export function replyDenimhubError(error: FaceError, reply: FastifyReply) {
  const { code, http } = wireCode(error);
  const errors = (error.details as { errors?: unknown } | undefined)?.errors;
  return reply.status(http).send({
    status: 'error',
    error_code: code,
    error_message: code === 2000 && !errors ? `Ошибка валидации: ${error.message}` : error.message,
    data: errors ? { errors } : null,
  });
}
