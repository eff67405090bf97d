import { Type } from '@sinclair/typebox';
import { accountHistory } from '../../ledger/index.ts';
import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { parseId } from '../../platform/ids.ts';
import { formatRoubles } from '../../platform/money.ts';
import {
  ACCOUNT_SORTS,
  type AccountListRow,
  accountDetail,
  accountFacets,
  searchAccounts,
} from '../../staff/console/ledger-read.ts';
import { needs, noStore } from './guard.ts';
import { registerList } from './list.ts';
import { AccountCard, AccountFacets, AccountItem, AccountQuery, ErrorBody, IdString } from './schemas.ts';

const money = (v: bigint | null) => (v === null ? null : formatRoubles(v));

function accountItem(r: AccountListRow): AccountItem {
  return {
    id: String(r.id),
    code: r.code,
    ownerType: r.ownerType,
    ownerId: r.ownerId,
    kind: r.kind,
    currency: r.currency,
    balance: formatRoubles(r.balance),
    available: formatRoubles(r.available),
    lowerBound: money(r.lowerBound),
    upperBound: money(r.upperBound),
    createdAt: r.createdAt.toISOString(),
  };
}

export function ledgerRoutes(app: FaceApp, ctx: AppContext): void {
  registerList(app, ctx, {
    path: '/ledger/accounts',
    permission: 'ledger.read',
    summary: 'Счета главной книги: поиск по коду или номеру, фильтры, сортировка',
    tags: ['ledger'],
    query: AccountQuery,
    item: AccountItem,
    sorts: ACCOUNT_SORTS,
    defaultSort: 'id',
    defaultDesc: false,
    filter: (q) => ({
      ...(q.q ? { q: q.q } : {}),
      ...(q.currency ? { currency: q.currency } : {}),
      ...(q.kind ? { kind: q.kind } : {}),
      ...(q.ownerType ? { ownerType: q.ownerType } : {}),
      ...(q.ownerId ? { ownerId: q.ownerId } : {}),
    }),
    fetch: searchAccounts,
    toItem: accountItem,
    csv: {
      name: 'ledger-accounts',
      columns: [
        { header: { ru: 'Номер', en: 'Id' }, value: (r) => r.id },
        { header: { ru: 'Код', en: 'Code' }, value: (r) => r.code },
        { header: { ru: 'Вид', en: 'Kind' }, value: (r) => r.kind },
        { header: { ru: 'Владелец', en: 'Owner type' }, value: (r) => r.ownerType },
        { header: { ru: 'Код владельца', en: 'Owner id' }, value: (r) => r.ownerId },
        { header: { ru: 'Валюта', en: 'Currency' }, value: (r) => r.currency },
        { header: { ru: 'Остаток', en: 'Balance' }, value: (r) => formatRoubles(r.balance) },
        { header: { ru: 'Доступно', en: 'Available' }, value: (r) => formatRoubles(r.available) },
        { header: { ru: 'Нижняя граница', en: 'Lower bound' }, value: (r) => money(r.lowerBound) },
        { header: { ru: 'Открыт', en: 'Opened' }, value: (r) => r.createdAt.toISOString() },
      ],
    },
  });

  app.get(
    '/ledger/facets',
    {
      ...needs('ledger.read'),
      schema: {
        summary: 'Значения для фильтров списка счетов',
        tags: ['ledger'],
        response: { 200: AccountFacets },
      },
    },
    async () => accountFacets(ctx.pool),
  );

  app.get(
    '/ledger/accounts/:id',
    {
      ...needs('ledger.read'),
      schema: {
        summary: 'Карточка счёта: остаток, резервы, границы и история проводок (новые первыми)',
        tags: ['ledger'],
        params: Type.Object({ id: IdString }),
        querystring: Type.Object(
          {
            before: Type.Optional(IdString),
            limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: AccountCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const id = parseId(request.params.id);
      const limit = Math.min(Math.max(Number(request.query.limit ?? 50), 1), 200);
      const account = await accountDetail(ctx.pool, id);
      const history = await accountHistory(ctx.pool, id, {
        limit: limit + 1,
        ...(request.query.before ? { beforeEntryId: parseId(request.query.before) } : {}),
      });
      const page = history.slice(0, limit);
      noStore(reply);
      return {
        account: {
          ...accountItem(account),
          pendingDebits: formatRoubles(account.pendingDebits),
          pendingCredits: formatRoubles(account.pendingCredits),
        },
        history: page.map((h) => ({
          entryId: String(h.entryId),
          transferId: String(h.transferId),
          key: h.key,
          kind: h.kind,
          status: h.status,
          amount: formatRoubles(h.amount),
          description: h.description,
          createdAt: h.createdAt.toISOString(),
        })),
        nextBefore: history.length > limit ? String(page[page.length - 1]!.entryId) : null,
      } satisfies AccountCard;
    },
  );
}
