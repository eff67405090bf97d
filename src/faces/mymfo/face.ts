import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import type { Face, FaceApp } from '../../platform/http/face.ts';
import { type FaceError, faceError } from '../../platform/http/face-errors.ts';
import { DESCRIPTION } from './description.ts';
import { paymentRoutes } from './payment-routes.ts';
import { signingRoutes } from './signing-routes.ts';
import { siteRoutes } from './site-routes.ts';
import { xmlResponse } from './xml.ts';

/**
 * How a route answers its errors. The document gives each service its own error field:
 *
 * | style | answer | services |
 * | --- | --- | --- |
 * | `'СообщениеОбОшибке'` (default) | JSON `{"СообщениеОбОшибке": "…"}` | NumbersDeals, dealinpdf, dealsign/*, PS/*, fixingissue |
 * | `'Error'` | JSON `{"Error": "…"}` | card/attachtoclient, card/attachtodeal |
 * | `'description'` | JSON `{"result": "0", "description": "…"}` | Request/ |
 * | `'КодОтвета'` | JSON `{"КодОтвета": 1, "СообщениеОбОшибке": "…"}` | statusdeal |
 * | `'errormessage'` | XML `<response><status>1</status><errormessage>…` | client/ |
 * | `'osmp'` | XML `<response><osmp_txn_id>…<result>300|1</result><comment>…` | Payment/* |
 * | a function | whatever it sends | a route with its own form |
 *
 * A route chooses with its options: `app.get(url, { config: { mymfoError: 'Error' } }, handler)`.
 * Whatever a handler throws (AppError, a schema failure, a database outage) is answered in that
 * form, in Russian. HTTP status: 200 for refusals of the request's content (validation, not
 * found, conflict, limit — as the 1C publication answers, the site reads the field), 400 for a
 * body that is not JSON, 404/405 for an unknown path/method, 503 when the database is down,
 * 500 for an internal error (the message never shows internals). Authentication is not a
 * refusal of content: 401 with `WWW-Authenticate: Basic` and an EMPTY body, 403 empty for an
 * address or credential not allowed here.
 */
export type MymfoErrorStyle =
  | 'СообщениеОбОшибке'
  | 'Error'
  | 'description'
  | 'КодОтвета'
  | 'errormessage'
  | 'osmp'
  | ((
      error: FaceError,
      request: FastifyRequest,
      reply: FastifyReply,
    ) => FastifyReply | Promise<FastifyReply>);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Site API ("Моя МФО"): the error form of the route, see src/faces/mymfo/face.ts. */
    mymfoError?: MymfoErrorStyle;
  }
}

/** Route options choosing the error form: `app.get(url, { ...errorForm('Error'), schema }, …)`. */
export function errorForm(style: MymfoErrorStyle): { config: { mymfoError: MymfoErrorStyle } } {
  return { config: { mymfoError: style } };
}

const AUTH_CODES = new Set(['mymfo.ip_denied', 'mymfo.other_service', 'mymfo.site_only']);

/** HTTP status of an error answered in a service's own field. */
function statusOf(error: FaceError): number {
  switch (error.kind) {
    case 'malformed':
    case 'route_not_found':
    case 'method_not_allowed':
    case 'too_large':
    case 'unsupported_media_type':
    case 'internal':
    case 'unavailable':
      return error.status;
    default:
      return 200;
  }
}

export function replyMymfoError(error: FaceError, request: FastifyRequest, reply: FastifyReply) {
  if (error.kind === 'unauthorized')
    return reply.status(401).header('www-authenticate', 'Basic realm="MeMFO", charset="UTF-8"').send();
  if (error.kind === 'forbidden' && AUTH_CODES.has(error.code)) return reply.status(403).send();
  const style = request.routeOptions.config?.mymfoError ?? 'СообщениеОбОшибке';
  if (typeof style === 'function') return style(error, request, reply);
  const status = statusOf(error);
  const message = error.message;
  switch (style) {
    case 'Error':
      return reply.status(status).send({ Error: message });
    case 'description':
      return reply.status(status).send({ result: '0', description: message });
    case 'КодОтвета':
      return reply.status(status).send({ КодОтвета: 1, СообщениеОбОшибке: message });
    case 'errormessage':
      return reply
        .status(status)
        .type('application/xml; charset=utf-8')
        .send(xmlResponse({ status: 1, errormessage: message }));
    case 'osmp': {
      const txn = (request.query as Record<string, unknown> | undefined)?.txn_id;
      const temporary = error.kind === 'unavailable' || error.kind === 'internal';
      return reply
        .status(status)
        .type('application/xml; charset=utf-8')
        .send(
          xmlResponse({
            osmp_txn_id: typeof txn === 'string' ? txn.slice(0, 64) : '',
            result: temporary ? 1 : 300,
            comment: message,
          }),
        );
    }
    default:
      return reply.status(status).send({ СообщениеОбОшибке: message });
  }
}

/**
 * Face "Моя МФО": the HTTP services of the 1C publication a lender's site and payment systems
 * call (../shared/specs/mymfo-site-api.md), under MYMFO_BASE_PATH (default /MeMFOWork/hs).
 * The prefix comes from the configuration, so the face mounts its own scope inside `routes`.
 */
export const mymfoFace: Face = {
  name: 'mymfo',
  title: 'Моя МФО: API сайта и платежных сервисов',
  description: DESCRIPTION,
  prefix: '',
  version: '1.0.0',
  securitySchemes: {
    basic: {
      type: 'http',
      scheme: 'basic',
      description: 'учетная запись сайта или платежного сервиса (как у публикации 1С)',
    },
  },
  replyError: replyMymfoError,
  async routes(app: FaceApp, ctx: AppContext) {
    await app.register(
      async (scope) => {
        scope.setNotFoundHandler((request, reply) =>
          replyMymfoError(
            // The path may carry a passport: it is not echoed.
            faceError('route_not_found', 'route_not_found', 'метод не найден'),
            request,
            reply,
          ),
        );
        const face = scope as FaceApp;
        siteRoutes(face, ctx);
        signingRoutes(face, ctx);
        paymentRoutes(face, ctx);
      },
      { prefix: ctx.config.mymfoBasePath },
    );
  },
};
