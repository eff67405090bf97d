import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { walletError } from '../../wallet/errors.ts';
import { groupServices, walletService, walletServices } from '../../wallet/services.ts';
import { requireWallet } from './auth.ts';
import { ok } from './envelope.ts';
import { methodNotAllowed } from './face.ts';
import { groupJson, serviceJson } from './render.ts';

const security: { [name: string]: string[] }[] = [{ basic: [] }, { session: [] }];
const CATALOGUE =
  'Каталог процессингового центра (рублевые услуги): parameters — поля, которые вводит плательщик ' +
  '(code, min_length/max_length из шаблона, pattern, type numeric/text, items).';

export function serviceRoutes(app: FaceApp, ctx: AppContext): void {
  const auth = requireWallet(ctx);
  app.get(
    '/services',
    { schema: { summary: 'Загрузка списка сервисов', description: CATALOGUE, security }, preHandler: auth },
    async (_request, reply) => ok(reply, (await walletServices(ctx.pool)).map(serviceJson)),
  );
  methodNotAllowed(app, '/services', ['GET']);

  app.get(
    '/services/groups',
    { schema: { summary: 'Сервисы по группам', description: CATALOGUE, security }, preHandler: auth },
    async (_request, reply) => ok(reply, groupServices(await walletServices(ctx.pool)).map(groupJson)),
  );
  methodNotAllowed(app, '/services/groups', ['GET']);

  app.get<{ Params: { id: string } }>(
    '/services/:id',
    {
      schema: {
        summary: 'Загрузка сервиса по идентификатору',
        description: `${CATALOGUE} meta.error: not_found (404).`,
        security,
      },
      preHandler: auth,
    },
    async (request, reply) => {
      const service = await walletService(ctx.pool, request.params.id);
      if (!service) throw walletError('not_found', `сервис ${request.params.id.slice(0, 32)} не найден`);
      return ok(reply, serviceJson(service));
    },
  );
  methodNotAllowed(app, '/services/:id', ['GET']);
}
