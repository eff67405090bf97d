import { Type } from '@sinclair/typebox';
import type { Face } from '../../platform/http/face.ts';
import { replyPlatformError } from '../../platform/http/server.ts';

/**
 * The platform's own endpoints: liveness, readiness (false while the database is unreachable)
 * and Prometheus metrics. Errors as `{error: {code, message, requestId}}`.
 */
export const platformFace: Face = {
  name: 'platform',
  title: 'Kopek platform',
  description: 'Health, readiness and metrics of a Kopek process.',
  prefix: '',
  version: '1.0.0',
  replyError: replyPlatformError,
  routes(app, ctx) {
    app.get(
      '/healthz',
      {
        schema: {
          summary: 'Liveness: the process is up',
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/readyz',
      {
        schema: {
          summary: 'Readiness: the database answers',
          response: {
            200: Type.Object({ ready: Type.Boolean() }),
            503: Type.Object({ ready: Type.Boolean(), reason: Type.String() }),
          },
        },
      },
      async (_request, reply) => {
        try {
          await withTimeout(ctx.pool.query('SELECT 1'), 1_000);
          return { ready: true };
        } catch {
          return reply.status(503).send({ ready: false, reason: 'база данных недоступна' });
        }
      },
    );
    app.get(
      '/metrics',
      {
        schema: { summary: 'Prometheus metrics', produces: ['text/plain'], response: { 200: Type.String() } },
      },
      async (_request, reply) => {
        const body = await ctx.metrics.registry.metrics();
        return reply
          .type(ctx.metrics.registry.contentType)
          .serializer((s: unknown) => s as string)
          .send(body);
      },
    );
  },
};

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
