import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { formatRoubles } from '../../platform/money.ts';
import { SMS_SORTS, searchSms } from '../../staff/console/messages-read.ts';
import { CALLBACK_SORTS, pendingWebhooks, searchCallbacks } from '../../staff/console/webhooks-read.ts';
import { needs, noStore } from './guard.ts';
import { registerList } from './list.ts';
import { CallbackItem, CallbackQuery, SmsItem, SmsQuery, WebhookList } from './module-schemas.ts';
import { ErrorBody } from './schemas.ts';

/** Kopecks from a job payload ("12345") as roubles; null when the payload is not a number. */
function roubles(kopecks: string): string | null {
  return /^-?\d+$/.test(kopecks) ? formatRoubles(BigInt(kopecks)) : null;
}

export function messagesRoutes(app: FaceApp, ctx: AppContext): void {
  registerList(app, ctx, {
    path: '/messages/sms',
    permission: 'messages.read',
    summary:
      'Исходящие СМС всех модулей (брокер, «Моя МФО», BNPL, кошелёк) из одной очереди: телефоны замаскированы, тексты не показываются',
    tags: ['messages'],
    query: SmsQuery,
    item: SmsItem,
    sorts: SMS_SORTS,
    defaultSort: 'createdAt',
    defaultDesc: true,
    filter: (q) => ({
      ...(q.module || q.outbox ? { module: q.module ?? q.outbox } : {}),
      ...(q.status ? { status: q.status } : {}),
    }),
    fetch: searchSms,
    toItem: (r) => ({
      id: `${r.module}:${r.id}`,
      module: r.module,
      outbox: r.module,
      purpose: r.purpose,
      phone: r.phoneMasked,
      status: r.status,
      attempts: r.attempts,
      lastError: r.lastError,
      createdAt: r.createdAt.toISOString(),
      sentAt: r.sentAt?.toISOString() ?? null,
    }),
    csv: {
      name: 'sms',
      columns: [
        { header: { ru: 'Модуль', en: 'Module' }, value: (r) => r.module },
        { header: { ru: 'Назначение', en: 'Purpose' }, value: (r) => r.purpose },
        { header: { ru: 'Телефон', en: 'Phone' }, value: (r) => r.phoneMasked },
        { header: { ru: 'Статус', en: 'Status' }, value: (r) => r.status },
        { header: { ru: 'Попытки', en: 'Attempts' }, value: (r) => String(r.attempts) },
        { header: { ru: 'Создано', en: 'Created' }, value: (r) => r.createdAt.toISOString() },
        { header: { ru: 'Отправлено', en: 'Sent' }, value: (r) => r.sentAt?.toISOString() ?? '' },
      ],
    },
  });

  registerList(app, ctx, {
    path: '/messages/callbacks',
    permission: 'messages.read',
    summary: 'Колбэки BNPL мерчантам: статус доставки, попытки, последняя ошибка (тела не показываются)',
    tags: ['messages'],
    query: CallbackQuery,
    item: CallbackItem,
    sorts: CALLBACK_SORTS,
    defaultSort: 'createdAt',
    defaultDesc: true,
    filter: (q) => (q.status ? { status: q.status } : {}),
    fetch: searchCallbacks,
    toItem: (r) => ({
      id: String(r.id),
      sessionId: String(r.sessionId),
      merchant: r.merchant,
      orderId: r.orderId,
      kind: r.kind,
      url: r.url,
      status: r.status,
      attempts: r.attempts,
      lastHttpStatus: r.lastHttpStatus,
      lastError: r.lastError,
      createdAt: r.createdAt.toISOString(),
      deliveredAt: r.deliveredAt?.toISOString() ?? null,
    }),
    csv: {
      name: 'bnpl-callbacks',
      columns: [
        { header: { ru: 'Мерчант', en: 'Merchant' }, value: (r) => r.merchant },
        { header: { ru: 'Заказ', en: 'Order' }, value: (r) => r.orderId },
        { header: { ru: 'Вид', en: 'Kind' }, value: (r) => r.kind },
        { header: { ru: 'Статус', en: 'Status' }, value: (r) => r.status },
        { header: { ru: 'Попытки', en: 'Attempts' }, value: (r) => String(r.attempts) },
        { header: { ru: 'Создан', en: 'Created' }, value: (r) => r.createdAt.toISOString() },
      ],
    },
  });

  app.get(
    '/messages/webhooks',
    {
      ...needs('messages.read'),
      schema: {
        summary:
          'Уведомления агентам процессинга о низком остатке, ещё не доставленные (в очереди, повторы, ошибки)',
        description:
          'Модуль процессинга не хранит отправленные уведомления: они живут задачами ' +
          '`processing:balance_notification` до успешной доставки. Список — эти задачи, новые первыми, до 200.',
        tags: ['messages'],
        response: { 200: WebhookList, '4xx': ErrorBody },
      },
    },
    async (_request, reply) => {
      const rows = await pendingWebhooks(ctx.pool);
      noStore(reply);
      return {
        items: rows.map((r) => ({
          ...r,
          jobId: String(r.jobId),
          available: roubles(r.available),
          notification: roubles(r.notification),
          runAt: r.runAt.toISOString(),
        })),
      };
    },
  );
}
