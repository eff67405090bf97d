import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { loadDashboard } from '../../staff/console/dashboard.ts';
import { needs, noStore, staffOf } from './guard.ts';
import { Dashboard } from './schemas.ts';

export function dashboardRoutes(app: FaceApp, ctx: AppContext): void {
  app.get(
    '/dashboard',
    {
      ...needs('dashboard.read'),
      schema: {
        summary: 'Панель: виджеты всех модулей, доступные роли сотрудника',
        description:
          'Каждый модуль добавляет свои виджеты (src/staff/console/dashboard.ts, DASHBOARD_SOURCES); виджет виден ролям с его правом. ' +
          'Виджеты кэшируются: данные старше минуты пересчитываются в фоне (refresh=1 — пересчитать сейчас).',
        tags: ['dashboard'],
        querystring: Type.Object(
          {
            days: Type.Optional(
              Type.String({
                pattern: '^([1-9]|[1-8][0-9]|90)$',
                description:
                  'период графиков: последние N дней по Москве, сегодня включительно (выдачи и поступления по дням, оборот агентов, воронка брокера, BNPL); по умолчанию 30',
              }),
            ),
            refresh: Type.Optional(
              Type.Literal('1', { description: 'recompute now instead of the cached widgets' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Dashboard },
      },
    },
    async (request, reply) => {
      const session = staffOf(request);
      const widgets = await loadDashboard(ctx.pool, (p) => session.permissions.includes(p), {
        days: Number(request.query.days ?? 30),
        ...(request.query.refresh ? { maxAgeMs: 0 } : {}),
        onError: (error) => request.log.error({ err: error }, 'dashboard refresh failed'),
      });
      noStore(reply);
      return { widgets, generatedAt: new Date().toISOString() } satisfies Dashboard;
    },
  );
}
