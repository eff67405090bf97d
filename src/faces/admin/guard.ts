import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { checkCsrf, resolveSession, type StaffSession } from '../../staff/auth.ts';
import type { Permission } from '../../staff/permissions.ts';
import type { ChangeContext } from '../../staff/users.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Admin API: the permission a route needs; every route names one unless it is public. */
    adminPermission?: Permission;
    /** Admin API: reachable without a session (login). */
    adminPublic?: boolean;
    /** Admin API: any signed-in staff user (me, logout). */
    adminAnyStaff?: boolean;
  }
  interface FastifyRequest {
    staff?: StaffSession;
    staffToken?: string;
  }
}

export const SESSION_COOKIE = 'kopek_console';
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Route options of an admin route that needs `permission`: the guard checks it before anything else. */
export function needs(permission: Permission) {
  return { config: { adminPermission: permission } };
}

/**
 * Authenticates every admin request from its session cookie, checks the CSRF token of every
 * state-changing one and the route's permission. Routes must name a permission (or be public):
 * a route that names neither is refused, so a forgotten check fails closed.
 */
export function installGuard(app: FaceApp, ctx: AppContext): void {
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config;
    if (config?.adminPublic) return;
    const token = request.cookies[SESSION_COOKIE];
    const session = token ? await resolveSession(ctx.pool, token) : undefined;
    if (!token || !session) throw new AppError('unauthorized', 'auth.required', 'требуется вход в консоль');
    request.staff = session;
    request.staffToken = token;
    if (!SAFE_METHODS.has(request.method)) {
      const presented = request.headers[CSRF_HEADER];
      if (!checkCsrf(ctx.secrets.sessionSecret, token, typeof presented === 'string' ? presented : undefined))
        throw new AppError(
          'forbidden',
          'auth.csrf',
          'неверный или отсутствующий CSRF-токен; обновите страницу',
        );
    }
    const permission = config?.adminPermission;
    if (!request.is404 && !permission && !config?.adminAnyStaff)
      throw new AppError('forbidden', 'auth.no_permission_declared', 'доступ к методу не настроен');
    if (permission && !session.permissions.includes(permission))
      throw new AppError('forbidden', 'auth.forbidden', `недостаточно прав: нужно право «${permission}»`, {
        permission,
      });
  });
}

export function staffOf(request: FastifyRequest): StaffSession {
  if (!request.staff) throw new AppError('unauthorized', 'auth.required', 'требуется вход в консоль');
  return request.staff;
}

/** Who is changing something, for the audit record written in the same transaction. */
export function changeOf(request: FastifyRequest): ChangeContext {
  return { actor: { type: 'staff', id: String(staffOf(request).userId) }, requestId: request.id };
}

export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store');
}
