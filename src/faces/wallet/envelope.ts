import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FaceError } from '../../platform/http/face-errors.ts';

/**
 * The mserver 2 envelope: `{meta: {code, status, ...}, data}`. The document's example carries the
 * HTTP status in `meta.code` and its prose in `meta.status`: both are written, always equal.
 */
export function ok(reply: FastifyReply, data?: unknown, meta: Record<string, unknown> = {}) {
  const body: Record<string, unknown> = { meta: { code: 200, status: 200, ...meta } };
  if (data !== undefined) body.data = data;
  return reply.status(200).header('cache-control', 'no-store').send(body);
}

/** Statuses the document allows: 400, 401, 404, 405, 415, 422 and 5xx. */
function statusOf(error: FaceError): number {
  switch (error.kind) {
    case 'malformed':
      return error.status === 413 ? 413 : 400;
    case 'unauthorized':
      return 401;
    case 'not_found':
    case 'route_not_found':
      return 404;
    case 'method_not_allowed':
      return 405;
    case 'unsupported_media_type':
      return 415;
    case 'too_large':
      return 413;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
    default:
      return 422;
  }
}

/** `meta.error`: the wallet's own code (`wallet.invalid_phone` -> `invalid_phone`) or one per kind. */
function errorCode(error: FaceError): string {
  if (error.code.startsWith('wallet.')) return error.code.slice('wallet.'.length);
  switch (error.kind) {
    case 'malformed':
      return 'bad_request';
    case 'unsupported_media_type':
      return 'unsupported_media_type';
    case 'method_not_allowed':
      return 'method_not_allowed';
    case 'route_not_found':
    case 'not_found':
      return 'not_found';
    case 'validation':
      return 'invalid_request';
    case 'unavailable':
      return 'service_unavailable';
    case 'internal':
      return 'internal_error';
    case 'unauthorized':
      return 'invalid_credentials';
    default:
      return 'invalid_request';
  }
}

export function replyWalletError(error: FaceError, request: FastifyRequest, reply: FastifyReply) {
  const status = statusOf(error);
  // Details are the wallet's own (a parameter name, a total); never internals.
  const details = error.code.startsWith('wallet.') && error.details ? { details: error.details } : {};
  if (status === 401) reply.header('www-authenticate', 'Basic realm="mserver2", charset="UTF-8"');
  if (status === 503) reply.header('retry-after', '5');
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .send({
      meta: {
        code: status,
        status,
        error: errorCode(error),
        message: error.message,
        request_id: request.id,
        ...details,
      },
    });
}
