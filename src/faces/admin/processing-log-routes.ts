import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { parseId } from '../../platform/ids.ts';
import { formatRoubles } from '../../platform/money.ts';
import { processingPaymentDetail } from '../../processing/admin-queries.ts';
import { getAgent } from '../../processing/agents.ts';
import { paymentExchanges } from '../../processing/exchanges.ts';
import { agentDeliveries, WEBHOOK_LOG_DAYS } from '../../processing/webhook-log.ts';
import { needs, noStore } from './guard.ts';
import {
  AgentWebhookLog,
  ProcessingPaymentCard as PaymentCardSchema,
  type ProcessingPaymentCard,
} from './processing-log-schemas.ts';
import { ErrorBody, IdString } from './schemas.ts';

/** The processing transaction card (with its provider exchanges) and an agent's webhook log. */
export function processingLogRoutes(app: FaceApp, ctx: AppContext): void {
  app.get(
    '/processing/payments/:id',
    {
      ...needs('processing.read'),
      schema: {
        summary: 'Карточка платежа процессинга: состояние и обмены с провайдером',
        description:
          'Обмены (pay и повторные запросы статуса) записывает сама проводка расчёта, отдельного запроса к базе платёж не тратит. Проверки (check) не хранятся: check ничего не пишет в базу. Пароль провайдера и запрос из его адреса не сохраняются; тело ответа обрезано до 4000 символов.',
        tags: ['processing'],
        params: Type.Object({ id: IdString }),
        response: { 200: PaymentCardSchema, '4xx': ErrorBody },
      },
    },
    async (request, reply): Promise<ProcessingPaymentCard> => {
      const id = parseId(request.params.id);
      const [p, exchanges] = await Promise.all([
        processingPaymentDetail(ctx.pool, id),
        paymentExchanges(ctx.pool, id),
      ]);
      if (!p) throw new AppError('not_found', 'processing.payment_not_found', `платёж ${id} не найден`);
      noStore(reply);
      return {
        payment: {
          id: String(p.id),
          agentId: String(p.agentId),
          agent: p.agent,
          agentTxnId: String(p.agentTxnId),
          agentTxnDate: p.agentTxnDate,
          service: p.service,
          account: p.account,
          amount: formatRoubles(p.amount),
          amountFrom: formatRoubles(p.amountFrom),
          commission: formatRoubles(p.commission),
          result: p.result,
          final: p.final,
          message: p.message,
          providerTxnId: p.providerTxnId,
          attempts: p.attempts,
          nextAttemptAt: p.nextAttemptAt?.toISOString() ?? null,
          createdAt: p.createdAt.toISOString(),
          statusAt: p.statusAt?.toISOString() ?? null,
          held: p.held,
        },
        exchanges: exchanges.map((e) => ({
          id: String(e.id),
          command: e.command,
          startedAt: e.startedAt.toISOString(),
          durationMs: e.durationMs,
          url: e.request.url ?? '',
          params: e.request.params ?? {},
          httpStatus: e.httpStatus,
          providerCode: e.providerCode,
          result: e.result,
          comment: e.comment,
          body: e.body,
          error: e.error,
        })),
      };
    },
  );

  app.get(
    '/processing/agents/:id/webhooks',
    {
      ...needs('processing.read'),
      schema: {
        summary: 'Журнал доставки вебхуков агента: каждая попытка, код ответа, длительность, ошибка',
        description: `Последние 100 попыток, новые сначала; хранятся ${WEBHOOK_LOG_DAYS} дней.`,
        tags: ['processing'],
        params: Type.Object({ id: IdString }),
        response: { 200: AgentWebhookLog, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const agent = await getAgent(ctx.pool, parseId(request.params.id));
      const rows = await agentDeliveries(ctx.pool, agent.id);
      noStore(reply);
      return {
        retentionDays: WEBHOOK_LOG_DAYS,
        items: rows.map((r) => ({
          id: String(r.id),
          at: r.at.toISOString(),
          event: r.event,
          attempt: r.attempt,
          url: r.url,
          statusCode: r.statusCode,
          durationMs: r.durationMs,
          error: r.error,
          delivered: r.statusCode !== null && r.statusCode >= 200 && r.statusCode < 300,
        })),
      };
    },
  );
}
