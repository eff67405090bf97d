import { Type } from '@sinclair/typebox';
import {
  FORM_SORTS,
  type FormListRow,
  formDetail,
  listPartners,
  REGISTRY_SORTS,
  searchForms,
  searchRegistries,
} from '../../broker/admin-queries.ts';
import { registryFile } from '../../broker/registries.ts';
import { audit } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { parseId } from '../../platform/ids.ts';
import { formatRoubles } from '../../platform/money.ts';
import { changeOf, needs, noStore } from './guard.ts';
import { registerList } from './list.ts';
import { FormCard, FormItem, FormQuery, PartnerList, RegistryItem, RegistryQuery } from './module-schemas.ts';
import { ErrorBody, IdString } from './schemas.ts';

function formItem(r: FormListRow): FormItem {
  return {
    id: String(r.id),
    guid: r.guid,
    partner: r.partner,
    point: r.point,
    externalId: r.externalId,
    kind: r.kind,
    amount: formatRoubles(r.amount),
    status: r.status,
    offerStatus: r.offerStatus,
    offers: r.offers,
    createdAt: r.createdAt.toISOString(),
  };
}

const MIME: Record<string, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export function brokerRoutes(app: FaceApp, ctx: AppContext): void {
  app.get(
    '/broker/partners',
    {
      ...needs('broker.read'),
      schema: {
        summary:
          'Партнёры брокера и их точки (только чтение; партнёр заводится `kopek broker partner-create`, точки — демо-данными)',
        tags: ['broker'],
        response: { 200: PartnerList, '4xx': ErrorBody },
      },
    },
    async () => ({
      items: (await listPartners(ctx.pool)).map((p) => ({
        ...p,
        id: String(p.id),
        createdAt: p.createdAt.toISOString(),
        points: p.points.map((x) => ({ ...x, id: String(x.id) })),
      })),
    }),
  );

  registerList(app, ctx, {
    path: '/broker/forms',
    permission: 'broker.read',
    summary: 'Анкеты брокера: статус, предложения кредиторов',
    tags: ['broker'],
    query: FormQuery,
    item: FormItem,
    sorts: FORM_SORTS,
    defaultSort: 'id',
    defaultDesc: true,
    filter: (q) => ({ ...(q.status ? { status: q.status } : {}), ...(q.q ? { q: q.q } : {}) }),
    fetch: searchForms,
    toItem: formItem,
    csv: {
      name: 'broker-forms',
      columns: [
        { header: { ru: 'Анкета', en: 'Form' }, value: (r) => r.guid },
        { header: { ru: 'Партнёр', en: 'Partner' }, value: (r) => r.partner },
        { header: { ru: 'Сумма', en: 'Amount' }, value: (r) => formatRoubles(r.amount) },
        { header: { ru: 'Статус', en: 'Status' }, value: (r) => r.status },
        { header: { ru: 'Создана', en: 'Created' }, value: (r) => r.createdAt.toISOString() },
      ],
    },
  });

  app.get(
    '/broker/forms/:id',
    {
      ...needs('broker.read'),
      schema: {
        summary: 'Анкета: ответы кредиторов и предложения со статусами договора, подписания, оплаты, выдачи',
        tags: ['broker'],
        params: Type.Object({ id: IdString }),
        response: { 200: FormCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const detail = await formDetail(ctx.pool, parseId(request.params.id));
      if (!detail) throw new AppError('not_found', 'broker.form_not_found', 'анкета не найдена');
      noStore(reply);
      return {
        form: formItem(detail.form),
        scans: detail.scans.map((x) => ({ ...x, updatedAt: x.updatedAt.toISOString() })),
        lenders: detail.lenders,
        offers: detail.offers.map((o) => ({
          ...o,
          amount: formatRoubles(o.amount),
          totalCost: formatRoubles(o.totalCost),
        })),
      } satisfies FormCard;
    },
  );

  registerList(app, ctx, {
    path: '/broker/registries',
    permission: 'broker.read',
    summary: 'Реестры партнёрам и кредиторам за день',
    tags: ['broker'],
    query: RegistryQuery,
    item: RegistryItem,
    sorts: REGISTRY_SORTS,
    defaultSort: 'id',
    defaultDesc: true,
    filter: (q) => ({
      ...(q.date ? { date: q.date } : {}),
      ...(q.ownerType ? { ownerType: q.ownerType } : {}),
    }),
    fetch: searchRegistries,
    toItem: (r) => ({
      id: String(r.id),
      businessDate: r.businessDate,
      ownerType: r.ownerType,
      owner: r.owner,
      format: r.format,
      fileName: r.fileName,
      rows: r.rows,
      deliveredAt: r.deliveredAt?.toISOString() ?? null,
      deliveryError: r.deliveryError,
    }),
    csv: {
      name: 'broker-registries',
      columns: [
        { header: { ru: 'Дата', en: 'Date' }, value: (r) => r.businessDate },
        { header: { ru: 'Получатель', en: 'Owner' }, value: (r) => r.owner },
        { header: { ru: 'Файл', en: 'File' }, value: (r) => r.fileName },
        { header: { ru: 'Строк', en: 'Rows' }, value: (r) => r.rows },
      ],
    },
  });

  app.get(
    '/broker/registries/:id/file',
    {
      ...needs('broker.read'),
      schema: {
        summary:
          'Скачать файл реестра (CSV или XLSX, как он был отправлен); скачивание записывается в журнал аудита',
        tags: ['broker'],
        params: Type.Object({ id: IdString }),
        produces: ['text/csv', MIME.xlsx!],
      },
    },
    async (request, reply) => {
      const id = parseId(request.params.id);
      const file = await registryFile(ctx.pool, id);
      if (!file) throw new AppError('not_found', 'broker.registry_not_found', 'реестр не найден');
      await withTx(ctx.pool, (tx) =>
        audit(tx, {
          ...changeOf(request),
          action: 'broker.registry.download',
          subjectType: 'broker.registry',
          subjectId: String(id),
        }),
      );
      return reply
        .header('cache-control', 'no-store')
        .header(
          'content-disposition',
          `attachment; filename="registry-${id}.${file.format}"; filename*=UTF-8''${encodeURIComponent(file.file_name)}`,
        )
        .type(MIME[file.format] ?? 'application/octet-stream')
        .send(file.content);
    },
  );
}
