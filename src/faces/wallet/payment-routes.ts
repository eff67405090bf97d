import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { currentPayment, payPayment } from '../../wallet/pay.ts';
import { createPayment, listPayments, updatePayment } from '../../wallet/payments.ts';
import { requireWallet, walletOf } from './auth.ts';
import { ok } from './envelope.ts';
import { methodNotAllowed } from './face.ts';
import { paymentJson, paymentMeta } from './render.ts';

const security: { [name: string]: string[] }[] = [{ basic: [] }, { session: [] }];
const Parameters = Type.Record(
  Type.String({ maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Null()]),
  {
    description: 'значения параметров сервиса по их code: {"phoneNumber": "9267101280"}',
  },
);
const CreateBody = Type.Object({
  type: Type.Optional(Type.String({ maxLength: 16, description: 'только "out"' })),
  client_payment_id: Type.Optional(
    Type.String({ maxLength: 64, description: 'UUID клиента: повтор с ним же возвращает тот же платеж' }),
  ),
  amount: Type.Optional(
    Type.Union([Type.Number(), Type.String({ maxLength: 24 })], { description: 'сумма в рублях, до копеек' }),
  ),
  service: Type.Optional(
    Type.Union([Type.Integer(), Type.String({ maxLength: 32 })], { description: 'id сервиса' }),
  ),
  parameters: Type.Optional(Parameters),
});
const Id = Type.Object({ id: Type.String({ maxLength: 40 }) });

const FLOW =
  'meta.next_action: pay (можно платить; total — полная сумма с комиссией), update (дополнить параметры ' +
  'из meta.current_parameters с editable = true), get (опрашивать). status: processing, finished, canceled.';

export function paymentRoutes(app: FaceApp, ctx: AppContext): void {
  const auth = requireWallet(ctx);

  app.post(
    '/payments',
    {
      schema: {
        summary: 'Создание платежа в пользу провайдера',
        description:
          `Одношаговый сервис: сразу next_action pay с total. Многошаговый (провайдер возвращает данные при проверке): ` +
          `next_action get, проверка у провайдера при следующем GET. Повтор с тем же client_payment_id (в том числе ` +
          `параллельный) возвращает тот же платеж. ${FLOW} meta.error: invalid_type, invalid_client_payment_id, ` +
          'client_payment_id_conflict (тот же id с другими данными), invalid_amount, amount_too_small, amount_too_large, ' +
          'service_not_found, missing_parameter, invalid_parameter, unknown_parameter.',
        security,
        body: CreateBody,
      },
      preHandler: auth,
    },
    async (request, reply) => {
      const p = await createPayment(ctx, walletOf(request), request.body);
      return ok(reply, paymentJson(p), paymentMeta(p));
    },
  );

  app.get(
    '/payments',
    {
      schema: {
        summary: 'История платежей',
        description: 'Новые сначала; page с 0, size от 1 до 100 (20 по умолчанию). meta.error: invalid_page.',
        security,
        querystring: Type.Object({
          page: Type.Optional(Type.String({ maxLength: 10 })),
          size: Type.Optional(Type.String({ maxLength: 10 })),
        }),
      },
      preHandler: auth,
    },
    async (request, reply) => {
      const list = await listPayments(ctx, walletOf(request), request.query.page, request.query.size);
      return ok(reply, list.map(paymentJson));
    },
  );
  methodNotAllowed(app, '/payments', ['GET', 'POST']);

  app.get(
    '/payments/:id',
    {
      schema: {
        summary: 'Загрузка платежа',
        description: `Для многошагового платежа выполняет очередную проверку у провайдера. ${FLOW} meta.error: payment_not_found (404).`,
        security,
        params: Id,
      },
      preHandler: auth,
    },
    async (request, reply) => {
      const p = await currentPayment(ctx, walletOf(request), request.params.id);
      return ok(reply, paymentJson(p), paymentMeta(p));
    },
  );

  app.post(
    '/payments/:id',
    {
      schema: {
        summary: 'Обновление платежа: дополнительные параметры',
        description:
          'Передаются запрошенные параметры (и все остальные тоже); до оплаты. ' +
          `${FLOW} meta.error: payment_not_found (404), payment_not_editable, missing_parameter, invalid_parameter, unknown_parameter.`,
        security,
        params: Id,
        body: Type.Object({ parameters: Type.Optional(Parameters) }),
      },
      preHandler: auth,
    },
    async (request, reply) => {
      const p = await updatePayment(ctx, walletOf(request), request.params.id, request.body ?? {});
      return ok(reply, paymentJson(p), paymentMeta(p));
    },
  );
  methodNotAllowed(app, '/payments/:id', ['GET', 'POST']);

  app.post(
    '/payments/:id/pay',
    {
      schema: {
        summary: 'Запуск платежа в обработку',
        description:
          'Резервирует total на счете кошелька (баланс не уходит в минус) и проводит платеж через процессинговый центр; ' +
          'успех провайдера списывает резерв (finished), отказ его снимает (canceled), промежуточный ответ оставляет ' +
          'processing (next_action get). Тело не нужно. Повторный pay возвращает платеж. meta.error: payment_not_found (404), ' +
          'wallet_not_active, payment_not_ready, insufficient_funds, service_not_found.',
        security,
        params: Id,
      },
      preHandler: auth,
    },
    async (request, reply) => {
      const p = await payPayment(ctx, walletOf(request), request.params.id);
      return ok(reply, paymentJson(p), paymentMeta(p));
    },
  );
  methodNotAllowed(app, '/payments/:id/pay', ['POST']);
}
