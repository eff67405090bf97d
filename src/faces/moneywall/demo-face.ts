import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppContext } from '../../platform/context.ts';
import type { Face, FaceApp } from '../../platform/http/face.ts';
import { closedPage } from './frame-html.ts';

const ASSETS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../assets/bnpl');

/**
 * The demo merchant (not in production): a static airline-ticket page that calls init with the
 * demo token and embeds the frame, the order page the frame returns to, and callback receivers.
 */
export const moneywallDemoFace: Face = {
  name: 'moneywall-demo',
  title: 'Moneywall: демо-магазин',
  description: 'Демонстрационная страница партнёра (вне production).',
  prefix: '/moneywall-demo',
  version: '1.0',
  replyError(error, _request, reply) {
    return reply.code(error.status).send({ error: error.code, message: error.message });
  },
  routes(app: FaceApp, ctx: AppContext) {
    if (ctx.config.mode === 'production') return;
    const hide = { schema: { hide: true } };
    const file = (name: string, type: string) => {
      const content = readFileSync(path.join(ASSETS, name));
      return (_q: unknown, reply: { header(k: string, v: string): { send(b: Buffer): unknown } }) =>
        reply.header('content-type', type).send(content);
    };
    app.get('/', hide, file('demo-merchant.html', 'text/html; charset=utf-8'));
    app.get('/demo.js', hide, file('demo.js', 'text/javascript; charset=utf-8'));
    app.get('/demo.css', hide, file('demo.css', 'text/css; charset=utf-8'));
    app.get<{ Params: { order: string } }>('/order/:order', hide, (request, reply) =>
      reply
        .header('content-type', 'text/html; charset=utf-8')
        .send(
          closedPage(
            'Заказ оформлен',
            `Демо-магазин: заказ ${request.params.order} оплачен частями, билеты отправлены на почту.`,
          ),
        ),
    );
    app.post<{ Params: { kind: string } }>('/callbacks/:kind', hide, async (request) => {
      ctx.log.info({ kind: request.params.kind }, 'moneywall demo: callback received');
      return { ok: true };
    });
  },
};
