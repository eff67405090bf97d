import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { SMS_SORTS, searchSms } from '../../staff/console/messages-read.ts';
import { registerList } from './list.ts';
import { SmsItem, SmsQuery } from './module-schemas.ts';

export function messagesRoutes(app: FaceApp, ctx: AppContext): void {
  registerList(app, ctx, {
    path: '/messages/sms',
    permission: 'messages.read',
    summary: 'Исходящие СМС модулей (брокер, «Моя МФО»): телефоны замаскированы, тексты не показываются',
    tags: ['messages'],
    query: SmsQuery,
    item: SmsItem,
    sorts: SMS_SORTS,
    defaultSort: 'createdAt',
    defaultDesc: true,
    filter: (q) => ({
      ...(q.outbox ? { outbox: q.outbox as 'broker' | 'mymfo' } : {}),
      ...(q.status ? { status: q.status } : {}),
    }),
    fetch: searchSms,
    toItem: (r) => ({
      id: `${r.outbox}:${r.id}`,
      outbox: r.outbox,
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
        { header: { ru: 'Очередь', en: 'Outbox' }, value: (r) => r.outbox },
        { header: { ru: 'Назначение', en: 'Purpose' }, value: (r) => r.purpose },
        { header: { ru: 'Телефон', en: 'Phone' }, value: (r) => r.phoneMasked },
        { header: { ru: 'Статус', en: 'Status' }, value: (r) => r.status },
        { header: { ru: 'Создано', en: 'Created' }, value: (r) => r.createdAt.toISOString() },
      ],
    },
  });
}
