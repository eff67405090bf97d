import { Type } from '@sinclair/typebox';
import { DEAL_SORTS, type DealListRow, searchDeals } from '../../lending/admin-queries.ts';
import { getClient } from '../../lending/clients/repository.ts';
import { decideDeal } from '../../lending/deals/decisions.ts';
import { listFiles } from '../../lending/deals/files.ts';
import { dealHistory } from '../../lending/deals/history.ts';
import { type Deal, getDeal, getSchedule } from '../../lending/deals/repository.ts';
import { debtSummary } from '../../lending/debt/summary.ts';
import { registerExternalIssue, startPayout } from '../../lending/issue/issue.ts';
import { getProduct } from '../../lending/products/repository.ts';
import { listPayments, repay } from '../../lending/repayments/repay.ts';
import { reversePayment } from '../../lending/repayments/reverse.ts';
import { listScheduleVersions } from '../../lending/repayments/schedule-versions.ts';
import { DEAL_STATUSES } from '../../lending/types.ts';
import { audit } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { parseId } from '../../platform/ids.ts';
import { formatRoubles, parseRoubles } from '../../platform/money.ts';
import type { Permission } from '../../staff/permissions.ts';
import { changeOf, needs, noStore, staffOf } from './guard.ts';
import { registerList } from './list.ts';
import {
  ClientCard,
  ClientPassport,
  DealCard,
  DealItem,
  DealQuery,
  DecideBody,
  IssueBody,
  RepayBody,
  ReverseBody,
} from './module-schemas.ts';
import { ErrorBody, IdString } from './schemas.ts';

/** "+7 (911) ***-**-67": enough for staff to recognise a number on a call, not to copy it. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length < 4 ? '***' : `***${digits.slice(-4)}`;
}

/** "45 10 ******": series only; the number needs `clients.pii`. */
function maskPassport(passport: string): string {
  const p = passport.replace(/\s+/g, '');
  return `${p.slice(0, 2)} ${p.slice(2, 4)} ******`;
}

function dealItem(r: DealListRow): DealItem {
  return {
    id: String(r.id),
    number: r.number,
    status: r.status,
    amount: formatRoubles(r.amount),
    termDays: r.termDays,
    clientId: String(r.clientId),
    clientName: r.clientName,
    phone: maskPhone(r.phone),
    product: r.product,
    source: r.source,
    createdAt: r.createdAt.toISOString(),
    issueDate: r.issueDate,
  };
}

const DECIDABLE = new Set(['Новый', 'На рассмотрении', 'Предварительно одобрено']);
const ACTIVE = new Set([
  'Выдан',
  'Внесен аванс',
  'У коллектора',
  'На текущем контроле у коллектора',
  'Готовится выезд',
  'Признан коллектором как безнадежный',
  'Ожидает передачи на судебную стадию',
  'Передан на судебную стадию',
  'Отправлена претензия',
  'Оплачена пошлина',
  'В суде',
  'Получен исполнительный лист',
  'Передан судебному приставу',
]);

/** The actions the console offers on a deal: its status allows them and the role holds the right. */
function dealActions(deal: Deal, has: (p: Permission) => boolean, reversible: boolean): string[] {
  const actions: string[] = [];
  if (has('lending.decide') && DECIDABLE.has(deal.status)) actions.push('approve', 'decline', 'review');
  if (has('lending.decide') && deal.status === 'Одобрен') actions.push('decline');
  if (has('lending.issue') && deal.status === 'Подписан (дистанционно)') actions.push('issue');
  if (has('payments.register') && (ACTIVE.has(deal.status) || deal.status === 'Оплачен'))
    actions.push('repay');
  if (has('payments.reverse') && reversible) actions.push('reverse');
  return actions;
}

const NumberParams = Type.Object({ number: Type.String({ minLength: 1, maxLength: 40 }) });

export function lendingRoutes(app: FaceApp, ctx: AppContext): void {
  registerList(app, ctx, {
    path: '/lending/deals',
    permission: 'lending.read',
    summary: 'Договоры: поиск по номеру, ФИО, телефону, паспорту; фильтр по статусу',
    tags: ['lending'],
    query: DealQuery,
    item: DealItem,
    sorts: DEAL_SORTS,
    defaultSort: 'id',
    defaultDesc: true,
    filter: (q) => ({
      ...(q.q ? { q: q.q } : {}),
      ...(q.status ? { status: q.status } : {}),
      ...(q.clientId ? { clientId: parseId(q.clientId) } : {}),
    }),
    fetch: (db, filter, page) => searchDeals(db, ctx.cipher, filter, page),
    toItem: dealItem,
    csv: {
      name: 'deals',
      columns: [
        { header: { ru: 'Номер', en: 'Number' }, value: (r) => r.number },
        { header: { ru: 'Статус', en: 'Status' }, value: (r) => r.status },
        { header: { ru: 'Сумма', en: 'Amount' }, value: (r) => formatRoubles(r.amount) },
        { header: { ru: 'Срок, дней', en: 'Term, days' }, value: (r) => r.termDays },
        { header: { ru: 'Клиент', en: 'Client' }, value: (r) => r.clientName },
        { header: { ru: 'Продукт', en: 'Product' }, value: (r) => r.product },
        { header: { ru: 'Создан', en: 'Created' }, value: (r) => r.createdAt.toISOString() },
        { header: { ru: 'Выдан', en: 'Issued' }, value: (r) => r.issueDate },
      ],
    },
  });

  app.get(
    '/lending/facets',
    {
      ...needs('lending.read'),
      schema: {
        summary: 'Статусы договоров для фильтра',
        tags: ['lending'],
        response: { 200: Type.Object({ statuses: Type.Array(Type.String()) }) },
      },
    },
    async () => ({ statuses: [...DEAL_STATUSES] }),
  );

  const card = async (number: string, has: (p: Permission) => boolean): Promise<DealCard> => {
    const deal = await getDeal(ctx.pool, number);
    const [client, product, schedule, payments, history, files, versions] = await Promise.all([
      getClient(ctx.pool, ctx.cipher, deal.clientId),
      getProduct(ctx.pool, deal.productId),
      getSchedule(ctx.pool, deal.id),
      listPayments(ctx.pool, deal.id),
      dealHistory(ctx.pool, deal.id),
      listFiles(ctx.pool, deal.id),
      listScheduleVersions(ctx.pool, deal.id),
    ]);
    const debt = deal.issueDate ? await debtSummary(ctx.pool, deal.id) : null;
    const shown = payments.filter((p) => p.service !== 'advance');
    const money = formatRoubles;
    return {
      deal: {
        id: String(deal.id),
        number: deal.number,
        status: deal.status,
        amount: money(deal.amount),
        termDays: deal.termDays,
        product: { code: product.code, name: product.name },
        source: deal.source,
        pskPercent: deal.pskPercent,
        pskAmount: deal.pskAmount === null ? null : money(deal.pskAmount),
        scoringDecision: deal.scoringDecision,
        scoringReasons: deal.scoringReasons.map((r) => ({ code: r.code, text: r.text })),
        decisionReason: deal.decisionReason,
        contractDate: deal.contractDate,
        issueDate: deal.issueDate,
        createdAt: deal.createdAt.toISOString(),
      },
      client: {
        id: String(client.id),
        name: client.fullName,
        birthDate: client.birthDate,
        phone: maskPhone(client.phone),
        passportMasked: maskPassport(client.passport),
        blacklisted: client.blacklisted,
      },
      debt: debt && {
        asOf: debt.asOf,
        totalDebt: money(debt.totalDebt),
        principalLeft: money(debt.principalLeft),
        interest: money(debt.interest),
        currentDue: money(debt.currentDue),
        overdueDue: money(debt.overdueDue),
        daysPastDue: debt.daysPastDue,
        penalties: money(debt.penalties),
        duty: money(debt.duty),
        other: money(debt.other),
        accountBalance: money(debt.accountBalance),
      },
      schedule: (debt?.schedule ?? schedule).map((l) => ({
        n: l.n,
        dueDate: l.dueDate,
        principal: money(l.principal),
        interest: money(l.interest),
        total: money(l.total),
        principalAfter: money(l.principalAfter),
      })),
      scheduleVersions: versions.length,
      payments: shown.map((p) => ({
        number: p.number,
        service: p.service,
        txnId: p.txnId,
        date: p.date,
        amount: money(p.amount),
        reversed: p.reversed,
        createdAt: p.createdAt.toISOString(),
      })),
      history: history.map((h) => ({
        at: h.at.toISOString(),
        from: h.from,
        to: h.to,
        actor: `${h.actor.type}:${h.actor.id}`,
        reason: h.reason,
      })),
      files: files.map((f) => ({
        id: String(f.id),
        kind: f.kind,
        filename: f.filename,
        size: Number(f.size),
      })),
      actions: dealActions(
        deal,
        has,
        shown.some((p) => !p.reversed),
      ),
    };
  };

  app.get(
    '/lending/deals/:number',
    {
      ...needs('lending.read'),
      schema: {
        summary: 'Карточка договора: клиент, продукт, задолженность, график, платежи, история, файлы',
        description:
          'Телефон и паспорт клиента замаскированы; паспорт целиком — `GET /lending/clients/{id}/passport` (право `clients.pii`, просмотр в журнале аудита).',
        tags: ['lending'],
        params: NumberParams,
        response: { 200: DealCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const session = staffOf(request);
      noStore(reply);
      return card(request.params.number, (p) => session.permissions.includes(p));
    },
  );

  const cardAfter = async (
    request: { params: { number: string } },
    session: { permissions: readonly Permission[] },
  ) => card(request.params.number, (p) => session.permissions.includes(p));

  app.post(
    '/lending/deals/:number/decision',
    {
      ...needs('lending.decide'),
      schema: {
        summary: 'Решение по заявке: одобрить, отказать, на рассмотрение — с причиной',
        tags: ['lending'],
        params: NumberParams,
        body: DecideBody,
        response: { 200: DealCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const session = staffOf(request);
      const { actor } = changeOf(request);
      await withTx(ctx.pool, async (tx) => {
        const deal = await getDeal(tx, request.params.number);
        await decideDeal(tx, deal.id, request.body.decision, request.body.reason, actor);
      });
      noStore(reply);
      return cardAfter(request, session);
    },
  );

  app.post(
    '/lending/deals/:number/issue',
    {
      ...needs('lending.issue'),
      schema: {
        summary: 'Выдача подписанного договора: вне системы (касса, fixingissue) или банковским переводом',
        description:
          'external: выдача зарегистрирована сразу (договор «Выдан»); bank: выплата ждёт реестра для банка (`kopek deal payouts-export`), договор «Ожидает списания с р/с».',
        tags: ['lending'],
        params: NumberParams,
        body: IssueBody,
        response: { 200: DealCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const session = staffOf(request);
      const { actor } = changeOf(request);
      const body = request.body;
      await withTx(ctx.pool, async (tx) => {
        const deal = await getDeal(tx, request.params.number);
        if (body.method === 'external') {
          if (!body.ref) throw new AppError('validation', 'lending.ref_required', 'укажите основание выдачи');
          await registerExternalIssue(tx, deal.id, { ref: body.ref }, actor);
        } else {
          await startPayout(tx, deal.id, 'bank', { bik: body.bik ?? '', account: body.account ?? '' }, actor);
        }
      });
      noStore(reply);
      return cardAfter(request, session);
    },
  );

  app.post(
    '/lending/deals/:number/payments',
    {
      ...needs('payments.register'),
      schema: {
        summary: 'Регистрация платежа: идемпотентно по сервису и номеру транзакции',
        description:
          'Повтор с тем же сервисом и номером транзакции возвращает первый платёж; другая сумма с тем же номером — 409 `lending.txn_reused`.',
        tags: ['lending'],
        params: NumberParams,
        body: RepayBody,
        response: { 200: DealCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const session = staffOf(request);
      const { actor } = changeOf(request);
      const body = request.body;
      let amount: bigint;
      try {
        amount = parseRoubles(body.amount);
      } catch {
        throw new AppError('validation', 'lending.amount', 'сумма: рубли с копейками, «1234.50»');
      }
      await withTx(ctx.pool, (tx) =>
        repay(
          tx,
          {
            deal: request.params.number,
            amount,
            service: body.service,
            txnId: body.txnId,
            ...(body.date ? { date: body.date } : {}),
            ...(body.early ? { early: true } : {}),
          },
          actor,
        ),
      );
      noStore(reply);
      return cardAfter(request, session);
    },
  );

  app.post(
    '/lending/deals/:number/payments/:payment/reverse',
    {
      ...needs('payments.reverse'),
      schema: {
        summary: 'Сторнирование платежа с причиной',
        tags: ['lending'],
        params: Type.Object({
          number: Type.String({ minLength: 1, maxLength: 40 }),
          payment: Type.String({ minLength: 1, maxLength: 60 }),
        }),
        body: ReverseBody,
        response: { 200: DealCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const session = staffOf(request);
      const { actor } = changeOf(request);
      await withTx(ctx.pool, async (tx) => {
        const deal = await getDeal(tx, request.params.number);
        const found = await tx.query<{ deal_id: bigint }>(
          'SELECT deal_id FROM lending.payments WHERE number = $1',
          [request.params.payment],
        );
        if (found.rows[0]?.deal_id !== deal.id)
          throw new AppError('not_found', 'lending.payment_not_found', 'платёж по этому договору не найден');
        await reversePayment(tx, request.params.payment, request.body.reason, actor);
      });
      noStore(reply);
      return cardAfter(request, session);
    },
  );

  app.get(
    '/lending/clients/:id',
    {
      ...needs('lending.read'),
      schema: {
        summary: 'Карточка клиента: данные (паспорт замаскирован) и его договоры',
        tags: ['lending'],
        params: Type.Object({ id: IdString }),
        response: { 200: ClientCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const client = await getClient(ctx.pool, ctx.cipher, parseId(request.params.id));
      const deals = await searchDeals(
        ctx.pool,
        ctx.cipher,
        { clientId: client.id },
        { offset: 0, limit: 100, sort: 'id', desc: true },
      );
      noStore(reply);
      return {
        id: String(client.id),
        name: client.fullName,
        birthDate: client.birthDate,
        phone: maskPhone(client.phone),
        email: client.email,
        passportMasked: maskPassport(client.passport),
        blacklisted: client.blacklisted,
        bannedUntil: client.bannedUntil,
        deals: deals.rows.map(dealItem),
      } satisfies ClientCard;
    },
  );

  app.get(
    '/lending/clients/:id/passport',
    {
      ...needs('clients.pii'),
      schema: {
        summary:
          'Паспорт клиента целиком: расшифровывается для сотрудника с правом и записывается в журнал аудита',
        tags: ['lending'],
        params: Type.Object({ id: IdString }),
        response: { 200: ClientPassport, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const id = parseId(request.params.id);
      const client = await withTx(ctx.pool, async (tx) => {
        const found = await getClient(tx, ctx.cipher, id);
        await audit(tx, {
          ...changeOf(request),
          action: 'lending.client.passport_view',
          subjectType: 'lending.client',
          subjectId: String(id),
        });
        return found;
      });
      noStore(reply);
      return {
        passport: client.passport,
        issueDate: client.passportIssueDate,
        issuer: client.passportIssuer,
        divisionCode: client.passportDivisionCode,
      } satisfies ClientPassport;
    },
  );
}
