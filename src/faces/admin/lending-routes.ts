import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { DEAL_SORTS, type DealListRow, dealPayouts, searchDeals } from '../../lending/admin-queries.ts';
import { getClient } from '../../lending/clients/repository.ts';
import { decideDeal } from '../../lending/deals/decisions.ts';
import { listFiles } from '../../lending/deals/files.ts';
import { dealHistory } from '../../lending/deals/history.ts';
import { type Deal, getDeal, getSchedule } from '../../lending/deals/repository.ts';
import { debtSummary } from '../../lending/debt/summary.ts';
import { cardPayoutGateway } from '../../lending/issue/configured-gateway.ts';
import { issueToCard, registerExternalIssue, startPayout } from '../../lending/issue/issue.ts';
import { getProduct } from '../../lending/products/repository.ts';
import { refundToCard } from '../../lending/refunds/refund.ts';
import { listPayments, repay } from '../../lending/repayments/repay.ts';
import { reversePayment } from '../../lending/repayments/reverse.ts';
import { listScheduleVersions } from '../../lending/repayments/schedule-versions.ts';
import { DEAL_STATUSES } from '../../lending/types.ts';
import { listCards } from '../../mymfo/cards.ts';
import { type Actor, audit } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Queryable } from '../../platform/db/pool.ts';
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
  RefundBody,
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
function dealActions(
  deal: Deal,
  has: (p: Permission) => boolean,
  reversible: boolean,
  leftOnAccount: boolean,
): string[] {
  const actions: string[] = [];
  if (has('lending.decide') && DECIDABLE.has(deal.status)) actions.push('approve', 'decline', 'review');
  if (has('lending.decide') && deal.status === 'Одобрен') actions.push('decline');
  if (has('lending.issue') && deal.status === 'Подписан (дистанционно)') actions.push('issue');
  if (has('payments.register') && (ACTIVE.has(deal.status) || deal.status === 'Оплачен'))
    actions.push('repay');
  if (has('payments.reverse') && reversible) actions.push('reverse');
  if (has('lending.issue') && deal.status === 'Оплачен' && leftOnAccount) actions.push('refund');
  return actions;
}

/** "427600******1234": what the site protocol stores of a card (never the full number). */
function maskCard(c: { first6: string; last4: string }): string {
  return `${c.first6}******${c.last4}`;
}

/** Answers of the card payout service that leave the outcome open: the payout stays pending. */
const NOT_FINAL = new Set(['lending.payout_unavailable', 'lending.payout_unknown']);

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
    const [client, product, schedule, payments, history, files, versions, payouts, cards] = await Promise.all(
      [
        getClient(ctx.pool, ctx.cipher, deal.clientId),
        getProduct(ctx.pool, deal.productId),
        getSchedule(ctx.pool, deal.id),
        listPayments(ctx.pool, deal.id),
        dealHistory(ctx.pool, deal.id),
        listFiles(ctx.pool, deal.id),
        listScheduleVersions(ctx.pool, deal.id),
        dealPayouts(ctx.pool, deal.id),
        listCards(ctx, deal.clientId),
      ],
    );
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
      cards: cards.map((c) => ({ id: String(c.id), masked: maskCard(c), holder: c.holder })),
      payouts: payouts.map((p) => {
        const used = p.cardToken === null ? undefined : cards.find((c) => c.token === p.cardToken);
        return {
          id: String(p.id),
          purpose: p.purpose,
          method: p.method,
          status: p.status,
          amount: money(p.amount),
          card: p.cardToken === null ? null : used ? maskCard(used) : '****',
          ref: p.ref,
          error: p.error,
        };
      }),
      actions: dealActions(
        deal,
        has,
        shown.some((p) => !p.reversed),
        (debt?.accountBalance ?? 0n) > 0n,
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

  /** The payout service's token of a card attached to the deal's client (by its id on the card). */
  const cardToken = async (deal: Deal, cardId: string | undefined): Promise<string> => {
    const found = cardId
      ? (await listCards(ctx, deal.clientId)).find((c) => String(c.id) === cardId)
      : undefined;
    if (!found)
      throw new AppError('validation', 'lending.card_missing', 'выберите карту клиента для выплаты');
    return found.token;
  };

  /**
   * Every deal action: the deal is read in the action's transaction (404 for an unknown number),
   * the module's service runs with the staff member as actor, and the answer is the deal card
   * after it, with `Cache-Control: no-store`. `transaction: false` is for the card payouts, whose
   * services commit before and after calling the payout service and never hold a transaction
   * across it.
   */
  const dealAction = <B extends TSchema, P extends TSchema = typeof NumberParams>(spec: {
    path: string;
    permission: Permission;
    summary: string;
    description?: string;
    params?: P;
    body: B;
    transaction?: boolean;
    act: (c: {
      db: Queryable;
      deal: Deal;
      body: Static<B>;
      params: Static<P>;
      actor: Actor;
    }) => Promise<unknown>;
  }): void => {
    app.post(
      spec.path,
      {
        ...needs(spec.permission),
        schema: {
          summary: spec.summary,
          ...(spec.description ? { description: spec.description } : {}),
          tags: ['lending'],
          params: spec.params ?? NumberParams,
          body: spec.body,
          response: { 200: DealCard, '4xx': ErrorBody, '5xx': ErrorBody },
        },
      },
      async (request, reply) => {
        const session = staffOf(request);
        const { actor } = changeOf(request);
        const params = request.params as Static<P> & { number: string };
        const body = request.body as Static<B>;
        const run = async (db: Queryable) =>
          spec.act({ db, deal: await getDeal(db, params.number), body, params, actor });
        if (spec.transaction === false) await run(ctx.pool);
        else await withTx(ctx.pool, run);
        noStore(reply);
        return card(params.number, (p) => session.permissions.includes(p));
      },
    );
  };

  dealAction({
    path: '/lending/deals/:number/decision',
    permission: 'lending.decide',
    summary: 'Решение по заявке: одобрить, отказать, на рассмотрение — с причиной',
    body: DecideBody,
    act: ({ db, deal, body, actor }) => decideDeal(db, deal.id, body.decision, body.reason, actor),
  });

  dealAction({
    path: '/lending/deals/:number/issue',
    permission: 'lending.issue',
    summary:
      'Выдача подписанного договора: вне системы (касса, fixingissue), банковским переводом или на карту клиента',
    description:
      'external: выдача зарегистрирована сразу (договор «Выдан»); bank: выплата ждёт реестра для банка ' +
      '(`kopek deal payouts-export`), договор «Ожидает списания с р/с»; card: выплата на привязанную карту ' +
      'клиента (`card` — её id из карточки договора) через сервис выплат (LENDING_CARD_PAYOUT_URL): выплачено — ' +
      '«Выдан», отказ — снова «Подписан (дистанционно)», нет окончательного ответа — выплата остаётся ' +
      'ожидающей («Ожидает списания с р/с»), ответ 200 с этой карточкой. Сервис выплат не настроен — 503 ' +
      '`lending.payout_not_configured`, ничего не записано.',
    body: IssueBody,
    transaction: false,
    act: async ({ deal, body, actor }) => {
      if (body.method === 'card') {
        const token = await cardToken(deal, body.card);
        const gateway = cardPayoutGateway(ctx.config);
        try {
          await issueToCard(ctx.pool, deal.id, token, gateway, actor);
        } catch (error) {
          // No final answer: the payout stays pending, the card shows it.
          if (!(error instanceof AppError && NOT_FINAL.has(error.code))) throw error;
        }
        return;
      }
      await withTx(ctx.pool, async (tx) => {
        if (body.method === 'external') {
          if (!body.ref) throw new AppError('validation', 'lending.ref_required', 'укажите основание выдачи');
          await registerExternalIssue(tx, deal.id, { ref: body.ref }, actor);
        } else {
          await startPayout(tx, deal.id, 'bank', { bik: body.bik ?? '', account: body.account ?? '' }, actor);
        }
      });
    },
  });

  dealAction({
    path: '/lending/deals/:number/refund',
    permission: 'lending.issue',
    summary: 'Возврат остатка на счёте погашенного договора на карту клиента',
    description:
      'Весь остаток («ОстатокНаСчете») уходит на привязанную карту (`card` — её id из карточки) через сервис ' +
      'выплат `refundToCard`: возврат записан и деньги перенесены в учёте до вызова сервиса; отказ возвращает ' +
      'их на счёт клиента; нет окончательного ответа — возврат ожидает (карточка показывает его состояние). ' +
      'Не погашен или нечего возвращать — 409.',
    body: RefundBody,
    transaction: false,
    act: async ({ deal, body, actor }) => {
      const token = await cardToken(deal, body.card);
      await refundToCard(ctx.pool, deal.id, token, cardPayoutGateway(ctx.config), body.reason, actor);
    },
  });

  dealAction({
    path: '/lending/deals/:number/payments',
    permission: 'payments.register',
    summary: 'Регистрация платежа: идемпотентно по сервису и номеру транзакции',
    description:
      'Повтор с тем же сервисом и номером транзакции возвращает первый платёж; другая сумма с тем же номером — 409 `lending.txn_reused`.',
    body: RepayBody,
    act: ({ db, deal, body, actor }) => {
      let amount: bigint;
      try {
        amount = parseRoubles(body.amount);
      } catch {
        throw new AppError('validation', 'lending.amount', 'сумма: рубли с копейками, «1234.50»');
      }
      return repay(
        db,
        {
          deal: deal.number,
          amount,
          service: body.service,
          txnId: body.txnId,
          ...(body.date ? { date: body.date } : {}),
          ...(body.early ? { early: true } : {}),
        },
        actor,
      );
    },
  });

  dealAction({
    path: '/lending/deals/:number/payments/:payment/reverse',
    permission: 'payments.reverse',
    summary: 'Сторнирование платежа с причиной',
    params: Type.Object({
      number: Type.String({ minLength: 1, maxLength: 40 }),
      payment: Type.String({ minLength: 1, maxLength: 60 }),
    }),
    body: ReverseBody,
    act: async ({ db, deal, body, params, actor }) => {
      const found = await db.query<{ deal_id: bigint }>(
        'SELECT deal_id FROM lending.payments WHERE number = $1',
        [params.payment],
      );
      if (found.rows[0]?.deal_id !== deal.id)
        throw new AppError('not_found', 'lending.payment_not_found', 'платёж по этому договору не найден');
      await reversePayment(db, params.payment, body.reason, actor);
    },
  });

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
