import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { parseId } from '../../platform/ids.ts';
import { formatRoubles, parseRoubles } from '../../platform/money.ts';
import {
  AGENT_SORTS,
  type AgentListRow,
  PROCESSING_PAYMENT_SORTS,
  searchAgents,
  searchProcessingPayments,
} from '../../processing/admin-queries.ts';
import { adjustBalance, agentBalance, agentIps, allowIp, getAgent } from '../../processing/agents.ts';
import { listServices } from '../../processing/catalog.ts';
import { changeToken, listTokens, TOKEN_STATUS_RU, type TokenInfo } from '../../processing/credentials.ts';
import { changeOf, needs, noStore } from './guard.ts';
import { registerList } from './list.ts';
import {
  AgentCard,
  AgentIpBody,
  AgentItem,
  AgentQuery,
  ProcessingPaymentItem,
  ProcessingPaymentQuery,
  ServiceList,
  TokenAction,
  type TokenItem,
  TopupBody,
} from './module-schemas.ts';
import { ErrorBody, IdString } from './schemas.ts';

function agentItem(r: AgentListRow): AgentItem {
  return {
    id: String(r.id),
    login: r.login,
    name: r.name,
    currency: r.currency,
    balance: formatRoubles(r.balance),
    available: formatRoubles(r.available),
    overdraft: formatRoubles(r.overdraft),
    tokens: r.tokensAwaiting,
    createdAt: r.createdAt.toISOString(),
  };
}

function tokenItem(t: TokenInfo): TokenItem {
  return {
    id: String(t.id),
    status: t.status,
    statusTitle: TOKEN_STATUS_RU[t.status],
    createdAt: t.createdAt.toISOString(),
  };
}

export function processingRoutes(app: FaceApp, ctx: AppContext): void {
  registerList(app, ctx, {
    path: '/processing/agents',
    permission: 'processing.read',
    summary: 'Агенты процессинга: остаток по главной книге, овердрафт, токены на подтверждении',
    tags: ['processing'],
    query: AgentQuery,
    item: AgentItem,
    sorts: AGENT_SORTS,
    defaultSort: 'id',
    defaultDesc: false,
    filter: (q) => (q.q ? { q: q.q } : {}),
    fetch: searchAgents,
    toItem: agentItem,
    csv: {
      name: 'agents',
      columns: [
        { header: { ru: 'Логин', en: 'Login' }, value: (r) => r.login },
        { header: { ru: 'Название', en: 'Name' }, value: (r) => r.name },
        { header: { ru: 'Валюта', en: 'Currency' }, value: (r) => r.currency },
        { header: { ru: 'Остаток', en: 'Balance' }, value: (r) => formatRoubles(r.balance) },
        { header: { ru: 'Овердрафт', en: 'Overdraft' }, value: (r) => formatRoubles(r.overdraft) },
      ],
    },
  });

  const agentCard = async (id: bigint): Promise<AgentCard> => {
    const agent = await getAgent(ctx.pool, id);
    const [balance, ips, tokens, listed] = await Promise.all([
      agentBalance(ctx.pool, agent),
      agentIps(ctx.pool, agent),
      listTokens(ctx.pool, agent),
      searchAgents(ctx.pool, { q: agent.login }, { offset: 0, limit: 50, sort: 'id', desc: false }),
    ]);
    const row = listed.rows.find((r) => r.id === agent.id)!;
    return {
      agent: agentItem(row),
      reserved: formatRoubles(balance.reserved),
      ips,
      tokens: tokens.map(tokenItem),
    };
  };

  app.get(
    '/processing/agents/:id',
    {
      ...needs('processing.read'),
      schema: {
        summary: 'Карточка агента: остаток и резерв, разрешённые адреса, токены',
        tags: ['processing'],
        params: Type.Object({ id: IdString }),
        response: { 200: AgentCard, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return agentCard(parseId(request.params.id));
    },
  );

  app.post(
    '/processing/agents/:id/tokens/:token',
    {
      ...needs('processing.agents.manage'),
      schema: {
        summary: 'Подтвердить или отозвать токен агента',
        description:
          'Жизненный цикл документа: «Ожидайте подтверждения» → «Токен подтвержден» → «Токен отозван»; другой переход — 409 `processing.token_state`.',
        tags: ['processing'],
        params: Type.Object({ id: IdString, token: IdString }),
        body: TokenAction,
        response: { 200: AgentCard, '4xx': ErrorBody },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string; token: string }; Body: TokenAction }>, reply) => {
      const agentId = parseId(request.params.id);
      const tokenId = parseId(request.params.token);
      await withTx(ctx.pool, async (tx) => {
        const owner = await tx.query<{ agent_id: bigint }>(
          'SELECT agent_id FROM processing.agent_tokens WHERE id = $1',
          [tokenId],
        );
        if (owner.rows[0] && owner.rows[0].agent_id !== agentId)
          throw new AppError(
            'not_found',
            'processing.token_not_found',
            `токен ${tokenId} у агента не найден`,
          );
        await changeToken(tx, tokenId, request.body.action, changeOf(request).actor);
      });
      noStore(reply);
      return agentCard(agentId);
    },
  );

  app.post(
    '/processing/agents/:id/topup',
    {
      ...needs('processing.agents.manage'),
      schema: {
        summary: 'Пополнить баланс агента (проводка с расчётного счёта, в журнале аудита)',
        description:
          'Тот же сервис, что `kopek agent topup`. Ключ `key` консоль выбирает на каждую форму: повтор с тем же ключом и содержимым возвращает первую проводку и не двигает деньги дважды; тот же ключ с другой суммой — 409 от главной книги.',
        tags: ['processing'],
        params: Type.Object({ id: IdString }),
        body: TopupBody,
        response: { 200: AgentCard, '4xx': ErrorBody },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string }; Body: TopupBody }>, reply) => {
      const agentId = parseId(request.params.id);
      const body = request.body;
      let amount: bigint;
      try {
        amount = parseRoubles(body.amount, { allowZero: false });
      } catch {
        throw new AppError(
          'validation',
          'processing.amount',
          'сумма: рубли с копейками больше нуля, «1500.00»',
        );
      }
      await withTx(ctx.pool, async (tx) =>
        adjustBalance(
          tx,
          await getAgent(tx, agentId),
          { amount, kind: 'topup', reason: body.reason, key: `console:topup:${agentId}:${body.key}` },
          changeOf(request).actor,
        ),
      );
      noStore(reply);
      return agentCard(agentId);
    },
  );

  app.post(
    '/processing/agents/:id/ips',
    {
      ...needs('processing.agents.manage'),
      schema: {
        summary: 'Добавить или убрать адрес (сеть) в списке разрешённых адресов агента',
        description:
          'Пустой список — без ограничения. Неверный адрес — 400 `processing.ip`; добавление уже разрешённого адреса ничего не меняет.',
        tags: ['processing'],
        params: Type.Object({ id: IdString }),
        body: AgentIpBody,
        response: { 200: AgentCard, '4xx': ErrorBody },
      },
    },
    async (request: FastifyRequest<{ Params: { id: string }; Body: AgentIpBody }>, reply) => {
      const agentId = parseId(request.params.id);
      await withTx(ctx.pool, async (tx) =>
        allowIp(
          tx,
          await getAgent(tx, agentId),
          request.body.ip.trim(),
          changeOf(request).actor,
          request.body.remove === true,
        ),
      );
      noStore(reply);
      return agentCard(agentId);
    },
  );

  app.get(
    '/processing/services',
    {
      ...needs('processing.read'),
      schema: {
        summary: 'Каталог услуг процессинга: схема, лимиты суммы, комиссия, провайдер',
        description: 'Каталог правится файлом (`kopek service import`); консоль его только показывает.',
        tags: ['processing'],
        response: { 200: ServiceList, '4xx': ErrorBody },
      },
    },
    async (_request, reply) => {
      const services = await listServices(ctx.pool);
      noStore(reply);
      return {
        items: services.map((s) => ({
          id: s.id,
          type: s.type,
          name: s.name,
          group: s.group,
          currency: s.currency,
          fixedPayment: s.fixedPayment,
          minAmount: formatRoubles(s.minAmount),
          maxAmount: formatRoubles(s.maxAmount),
          commissionBp: s.commissionBp,
          commissionFixed: formatRoubles(s.commissionFixed),
          provider: s.provider.adapter,
          enabled: s.enabled,
        })),
      };
    },
  );

  registerList(app, ctx, {
    path: '/processing/payments',
    permission: 'processing.read',
    summary: 'Платежи процессинга: фильтры по агенту, услуге, коду результата, периоду',
    tags: ['processing'],
    query: ProcessingPaymentQuery,
    item: ProcessingPaymentItem,
    sorts: PROCESSING_PAYMENT_SORTS,
    defaultSort: 'id',
    defaultDesc: true,
    filter: (q) => ({
      ...(q.agent ? { agent: q.agent } : {}),
      ...(q.service ? { service: q.service } : {}),
      ...(q.result ? { result: Number(q.result) } : {}),
      ...(q.final ? { final: q.final === 'true' } : {}),
      ...(q.from ? { from: q.from } : {}),
      ...(q.to ? { to: q.to } : {}),
    }),
    fetch: searchProcessingPayments,
    toItem: (r) => ({
      id: String(r.id),
      agent: r.agent,
      agentTxnId: String(r.agentTxnId),
      service: r.service,
      account: r.account,
      amount: formatRoubles(r.amount),
      result: r.result,
      final: r.final,
      message: r.message,
      createdAt: r.createdAt.toISOString(),
    }),
    csv: {
      name: 'processing-payments',
      columns: [
        { header: { ru: 'Номер', en: 'Id' }, value: (r) => r.id },
        { header: { ru: 'Агент', en: 'Agent' }, value: (r) => r.agent },
        { header: { ru: 'Транзакция агента', en: 'Agent txn' }, value: (r) => r.agentTxnId },
        { header: { ru: 'Услуга', en: 'Service' }, value: (r) => r.service },
        { header: { ru: 'Сумма', en: 'Amount' }, value: (r) => formatRoubles(r.amount) },
        { header: { ru: 'Результат', en: 'Result' }, value: (r) => r.result },
        { header: { ru: 'Создан', en: 'Created' }, value: (r) => r.createdAt.toISOString() },
      ],
    },
  });
}
