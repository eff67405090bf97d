import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import {
  FORM_SORTS,
  type FormListRow,
  formDetail,
  listPartners,
  partnerCard,
  REGISTRY_SORTS,
  searchForms,
  searchRegistries,
} from '../../broker/admin-queries.ts';
import {
  createPartner,
  createPoint,
  rotatePartnerToken,
  setPartnerRoute,
  setPointUser,
  updatePartner,
  updatePoint,
} from '../../broker/partner-admin.ts';
import { registryFile } from '../../broker/registries.ts';
import { audit } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { parseId } from '../../platform/ids.ts';
import { formatRoubles } from '../../platform/money.ts';
import {
  PartnerCard,
  PartnerCreateBody,
  PartnerCreated,
  PartnerPatchBody,
  PointCreateBody,
  PointPatchBody,
  PointUserBody,
  RouteBody,
  TokenBody,
  TokenRotated,
} from './broker-wallet-schemas.ts';
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
  partnerEditRoutes(app, ctx);
  app.get(
    '/broker/partners',
    {
      ...needs('broker.read'),
      schema: {
        summary:
          'Партнёры брокера и их точки (без хэшей токенов); правка — `POST /broker/partners` и карточка партнёра',
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

/** The partner card as the API answers it; 404 when there is no such partner. */
async function partnerCardOf(ctx: AppContext, id: bigint): Promise<PartnerCard> {
  const card = await partnerCard(ctx.pool, id);
  if (!card) throw new AppError('not_found', 'broker.partner_not_found', 'партнёр не найден');
  return {
    partner: {
      ...card.partner,
      id: String(card.partner.id),
      createdAt: card.partner.createdAt.toISOString(),
    },
    points: card.points.map((p) => ({ ...p, id: String(p.id) })),
    routes: card.routes,
  };
}

const WRITE = 'broker.partners.write' as const;
const IdParams = Type.Object({ id: IdString });

/**
 * Partners, their tokens, points, operators and routes, edited by staff with
 * `broker.partners.write`: each change one transaction with its audit record
 * (src/broker/partner-admin.ts), answered with the partner's card.
 */
function partnerEditRoutes(app: FaceApp, ctx: AppContext): void {
  app.get(
    '/broker/partners/:id',
    {
      ...needs('broker.read'),
      schema: {
        summary: 'Карточка партнёра: точки с операторами, маршруты к кредиторам',
        tags: ['broker'],
        params: IdParams,
        response: { 200: PartnerCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return partnerCardOf(ctx, parseId(request.params.id));
    },
  );

  app.post(
    '/broker/partners',
    {
      ...needs(WRITE),
      schema: {
        summary: 'Завести партнёра с новым токеном (токен показывается один раз, хранится только хэш)',
        description:
          'Токен — случайный, как у `kopek broker partner-create`. `key` консоль выбирает на каждую заполненную форму: ' +
          'повтор той же формы (двойное нажатие) не заводит второго партнёра и отвечает `token: null`, `created: false` ' +
          '(токен уже показан; новый — `POST /broker/partners/{id}/token`). Занятый partner_guid другой формой — 409 ' +
          '`broker.partner_exists`; неверное поле — 422 с его названием.',
        tags: ['broker'],
        body: PartnerCreateBody,
        response: { 200: PartnerCreated, '4xx': ErrorBody },
      },
    },
    async (request: FastifyRequest<{ Body: PartnerCreateBody }>, reply) => {
      const result = await withTx(ctx.pool, (tx) => createPartner(tx, changeOf(request), request.body));
      noStore(reply);
      return { card: await partnerCardOf(ctx, result.id), token: result.token, created: result.created };
    },
  );

  app.patch(
    '/broker/partners/:id',
    {
      ...needs(WRITE),
      schema: {
        summary:
          'Изменить партнёра: название, partner_guid, активность, срок сбора предложений, адрес для реестров',
        description:
          'Неактивный партнёр не проходит авторизацию `/dp/` (в других процессах — в течение 5 с). Повтор ничего не меняет.',
        tags: ['broker'],
        params: IdParams,
        body: PartnerPatchBody,
        response: { 200: PartnerCard, '4xx': ErrorBody },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string }; Body: PartnerPatchBody }>, reply) => {
      const id = parseId(request.params.id);
      await withTx(ctx.pool, (tx) => updatePartner(tx, changeOf(request), id, request.body));
      noStore(reply);
      return partnerCardOf(ctx, id);
    },
  );

  app.post(
    '/broker/partners/:id/token',
    {
      ...needs(WRITE),
      schema: {
        summary: 'Выпустить партнёру новый токен (старый перестаёт действовать); показывается один раз',
        description: 'Повтор с тем же `key` ничего не меняет и отвечает `token: null`.',
        tags: ['broker'],
        params: IdParams,
        body: TokenBody,
        response: { 200: TokenRotated, '4xx': ErrorBody },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string }; Body: TokenBody }>, reply) => {
      const id = parseId(request.params.id);
      const result = await withTx(ctx.pool, (tx) =>
        rotatePartnerToken(tx, changeOf(request), id, request.body.key),
      );
      noStore(reply);
      return result;
    },
  );

  app.post(
    '/broker/partners/:id/points',
    {
      ...needs(WRITE),
      schema: {
        summary: 'Добавить партнёру точку (point_code, название или адрес, вид, операторы point_user_code)',
        description:
          'Идемпотентно по (партнёр, point_code): повтор с тем же названием и видом отвечает ту же точку; ' +
          'другое содержимое под занятым кодом — 409 `broker.point_exists`.',
        tags: ['broker'],
        params: IdParams,
        body: PointCreateBody,
        response: { 200: PartnerCard, '4xx': ErrorBody },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string }; Body: PointCreateBody }>, reply) => {
      const id = parseId(request.params.id);
      await withTx(ctx.pool, (tx) => createPoint(tx, changeOf(request), id, request.body));
      noStore(reply);
      return partnerCardOf(ctx, id);
    },
  );

  app.patch(
    '/broker/points/:id',
    {
      ...needs(WRITE),
      schema: {
        summary: 'Изменить точку: point_code, название (адрес), вид, активность',
        description: 'Неактивная точка не принимает новых анкет (create_form: ошибка в поле point_code).',
        tags: ['broker'],
        params: IdParams,
        body: PointPatchBody,
        response: { 200: PartnerCard, '4xx': ErrorBody },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string }; Body: PointPatchBody }>, reply) => {
      const partnerId = await withTx(ctx.pool, (tx) =>
        updatePoint(tx, changeOf(request), parseId(request.params.id), request.body),
      );
      noStore(reply);
      return partnerCardOf(ctx, partnerId);
    },
  );

  app.post(
    '/broker/points/:id/users',
    {
      ...needs(WRITE),
      schema: {
        summary:
          'Добавить, переименовать (`name`) или убрать (`remove: true`) оператора точки (point_user_code)',
        tags: ['broker'],
        params: IdParams,
        body: PointUserBody,
        response: { 200: PartnerCard, '4xx': ErrorBody },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string }; Body: PointUserBody }>, reply) => {
      const partnerId = await withTx(ctx.pool, (tx) =>
        setPointUser(tx, changeOf(request), parseId(request.params.id), request.body),
      );
      noStore(reply);
      return partnerCardOf(ctx, partnerId);
    },
  );

  app.post(
    '/broker/partners/:id/routes',
    {
      ...needs(WRITE),
      schema: {
        summary: 'Включить или выключить маршрут анкет партнёра (pos или bnpl) к кредитору',
        description: 'Сервис `setRoute` модуля; правила преобразования полей маршрута (mapping) не меняются.',
        tags: ['broker'],
        params: IdParams,
        body: RouteBody,
        response: { 200: PartnerCard, '4xx': ErrorBody },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string }; Body: RouteBody }>, reply) => {
      const id = parseId(request.params.id);
      await withTx(ctx.pool, (tx) => setPartnerRoute(tx, changeOf(request), id, request.body));
      noStore(reply);
      return partnerCardOf(ctx, id);
    },
  );
}
