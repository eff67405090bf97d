import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import type { Face } from '../../platform/http/face.ts';
import { installGuard, SESSION_COOKIE } from './guard.ts';
import { ADMIN_SECTIONS } from './sections.ts';

/**
 * `/admin/api`: the JSON API of the operator console. Staff sign in with a login and password
 * and get a session cookie (HttpOnly, SameSite=Strict); every state-changing request carries the
 * session's CSRF token; every route names the permission it needs (src/staff/permissions.ts).
 * Errors: `{error: {code, message, requestId}}` with 401/403/404/409/422, messages in Russian.
 */
export const adminFace: Face = {
  name: 'admin',
  title: 'Kopek admin API',
  description:
    'JSON API of the operator console: staff sessions, dashboard, ledger accounts, audit log, staff users. ' +
    `Sign in with POST /admin/api/auth/login; the session travels in the \`${SESSION_COOKIE}\` cookie, and ` +
    'POST/PATCH/PUT/DELETE requests must carry the CSRF token of GET /admin/api/auth/me in X-CSRF-Token. ' +
    'Lists page, sort and filter on the server (`offset`, `limit`, `sort=-field`) and export to CSV at `<list>.csv`.',
  prefix: '/admin/api',
  version: '1.0.0',
  securitySchemes: {
    session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
    csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
  },
  replyError(error, request, reply) {
    return reply
      .status(error.status)
      .header('cache-control', 'no-store')
      .send({ error: { code: error.code, message: error.message, requestId: request.id } });
  },
  async routes(app, ctx) {
    await app.register(cookie);
    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
      hsts: ctx.config.tls !== undefined,
    });
    installGuard(app, ctx);
    for (const section of ADMIN_SECTIONS) section(app, ctx);
  },
};
