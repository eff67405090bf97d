import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { csrfTokenFor, login, logout, SESSION_TTL, type StaffSession } from '../../staff/auth.ts';
import { ROLE_TITLES } from '../../staff/permissions.ts';
import { noStore, SESSION_COOKIE, staffOf } from './guard.ts';
import { ErrorBody, LoginBody, Me } from './schemas.ts';

export function meOf(ctx: AppContext, session: StaffSession, token: string): Me {
  return {
    id: String(session.userId),
    login: session.login,
    name: session.name,
    role: session.role,
    roleTitle: ROLE_TITLES[session.role],
    locale: session.locale,
    permissions: [...session.permissions],
    csrfToken: csrfTokenFor(ctx.secrets.sessionSecret, token),
    expiresAt: session.expiresAt.toISOString(),
  };
}

function secureCookies(ctx: AppContext): boolean {
  return ctx.config.tls !== undefined || ctx.config.mode === 'production';
}

export function authRoutes(app: FaceApp, ctx: AppContext): void {
  app.post(
    '/auth/login',
    {
      config: { adminPublic: true },
      schema: {
        summary: 'Вход сотрудника: открывает сессию (cookie HttpOnly, SameSite=Strict, Path=/admin/api)',
        description: `После ${5} неудачных попыток подряд вход блокируется на 15 минут.`,
        tags: ['auth'],
        body: LoginBody,
        response: { 200: Me, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { token, session } = await login(ctx.pool, {
        login: request.body.login,
        password: request.body.password,
        ip: request.ip,
        requestId: request.id,
        ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}),
      });
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/admin/api',
        httpOnly: true,
        sameSite: 'strict',
        secure: secureCookies(ctx),
        maxAge: SESSION_TTL.absoluteHours * 3600,
      });
      noStore(reply);
      return meOf(ctx, session, token);
    },
  );

  app.post(
    '/auth/logout',
    {
      config: { adminAnyStaff: true },
      schema: { summary: 'Выход: закрывает сессию', tags: ['auth'], response: { 204: { type: 'null' } } },
    },
    async (request, reply) => {
      await logout(ctx.pool, staffOf(request), request.id);
      clearSession(ctx, reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      config: { adminAnyStaff: true },
      schema: {
        summary: 'Текущий сотрудник, его права и CSRF-токен',
        tags: ['auth'],
        response: { 200: Me, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return meOf(ctx, staffOf(request), request.staffToken!);
    },
  );
}

function clearSession(ctx: AppContext, reply: FastifyReply): void {
  reply.clearCookie(SESSION_COOKIE, {
    path: '/admin/api',
    httpOnly: true,
    sameSite: 'strict',
    secure: secureCookies(ctx),
  });
}
