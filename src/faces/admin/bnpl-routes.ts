import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../platform/context.ts';
import { withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { parseId } from '../../platform/ids.ts';
import { formatRoubles } from '../../platform/money.ts';
import {
  BNPL_SORTS,
  type BnplSessionRow,
  bnplSessionDetail,
  listBnplMerchants,
  searchBnplSessions,
} from '../../staff/console/bnpl-read.ts';
import { resendCallback } from '../../staff/console/bnpl-resend.ts';
import { changeOf, needs, noStore } from './guard.ts';
import { registerList } from './list.ts';
import { BnplMerchantList, BnplSessionCard, BnplSessionItem, BnplSessionQuery } from './module-schemas.ts';
import { ErrorBody, IdString } from './schemas.ts';

function sessionItem(r: BnplSessionRow): BnplSessionItem {
  return {
    id: String(r.id),
    merchant: r.merchant,
    orderId: r.orderId,
    amount: formatRoubles(r.amount),
    state: r.state,
    step: r.step,
    dealNumber: r.dealNumber,
    declineReason: r.declineReason,
    createdAt: r.createdAt.toISOString(),
  };
}

export function bnplRoutes(app: FaceApp, ctx: AppContext): void {
  registerList(app, ctx, {
    path: '/bnpl/sessions',
    permission: 'bnpl.read',
    summary: 'Сессии BNPL: состояние, шаг покупателя, договор',
    tags: ['bnpl'],
    query: BnplSessionQuery,
    item: BnplSessionItem,
    sorts: BNPL_SORTS,
    defaultSort: 'id',
    defaultDesc: true,
    filter: (q) => ({
      ...(q.state ? { state: q.state } : {}),
      ...(q.merchant ? { merchant: q.merchant } : {}),
      ...(q.orderId ? { orderId: q.orderId } : {}),
    }),
    fetch: searchBnplSessions,
    toItem: sessionItem,
    csv: {
      name: 'bnpl-sessions',
      columns: [
        { header: { ru: 'Сессия', en: 'Session' }, value: (r) => r.id },
        { header: { ru: 'Мерчант', en: 'Merchant' }, value: (r) => r.merchant },
        { header: { ru: 'Заказ', en: 'Order' }, value: (r) => r.orderId },
        { header: { ru: 'Сумма', en: 'Amount' }, value: (r) => formatRoubles(r.amount) },
        { header: { ru: 'Состояние', en: 'State' }, value: (r) => r.state },
        { header: { ru: 'Создана', en: 'Created' }, value: (r) => r.createdAt.toISOString() },
      ],
    },
  });

  const sessionCard = async (id: bigint): Promise<BnplSessionCard> => {
    const detail = await bnplSessionDetail(ctx.pool, id);
    if (!detail) throw new AppError('not_found', 'bnpl.session_not_found', 'сессия не найдена');
    return {
      session: sessionItem(detail.session),
      history: detail.history.map((h) => ({ ...h, at: h.at.toISOString() })),
      refunds: detail.refunds.map((r) => ({
        id: String(r.id),
        amount: formatRoubles(r.amount),
        kind: r.kind,
        paymentNumber: r.paymentNumber,
        createdAt: r.createdAt.toISOString(),
      })),
      callbacks: detail.callbacks.map((c) => ({
        ...c,
        id: String(c.id),
        deliveredAt: c.deliveredAt?.toISOString() ?? null,
        attempts: c.attempts.map((a) => ({ ...a, at: a.at.toISOString() })),
      })),
    };
  };

  app.get(
    '/bnpl/sessions/:id',
    {
      ...needs('bnpl.read'),
      schema: {
        summary: 'Сессия BNPL: история состояний и колбэки мерчанту с каждой попыткой доставки',
        tags: ['bnpl'],
        params: Type.Object({ id: IdString }),
        response: { 200: BnplSessionCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return sessionCard(parseId(request.params.id));
    },
  );

  app.post(
    '/bnpl/sessions/:id/callbacks/:callback/resend',
    {
      ...needs('bnpl.manage'),
      schema: {
        summary: 'Повторно отправить колбэк мерчанту (то же тело и подпись, через очередь)',
        description:
          'Колбэк снова ставится в очередь задачей `bnpl:callback` с обычными повторами; каждая попытка видна в карточке. Колбэк, который ещё доставляется, — 409 `bnpl.callback_pending`. Действие в журнале аудита.',
        tags: ['bnpl'],
        params: Type.Object({ id: IdString, callback: IdString }),
        response: { 200: BnplSessionCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const sessionId = parseId(request.params.id);
      const owner = await withTx(ctx.pool, (tx) =>
        resendCallback(tx, parseId(request.params.callback), changeOf(request).actor, sessionId),
      );
      noStore(reply);
      return sessionCard(owner);
    },
  );

  app.get(
    '/bnpl/merchants',
    {
      ...needs('bnpl.read'),
      schema: {
        summary: 'Мерчанты BNPL: код, название, активность, число сессий и выданных займов',
        tags: ['bnpl'],
        response: { 200: BnplMerchantList, '4xx': ErrorBody },
      },
    },
    async (_request, reply) => {
      const rows = await listBnplMerchants(ctx.pool);
      noStore(reply);
      return {
        items: rows.map((m) => ({ ...m, id: String(m.id), createdAt: m.createdAt.toISOString() })),
      };
    },
  );
}
