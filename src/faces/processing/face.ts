import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import type { Face, FaceApp } from '../../platform/http/face.ts';
import { parseJson } from '../../platform/json.ts';
import { type Agent, agentBalance } from '../../processing/agents.ts';
import { findService, listServices } from '../../processing/catalog.ts';
import { checkPayment } from '../../processing/check.ts';
import { authenticateAgentCached, readAuthorization } from '../../processing/credentials.ts';
import { ProcessingRefusal, RESULT, resultMessage } from '../../processing/finality.ts';
import { operatorByPhone } from '../../processing/operators.ts';
import { payment } from '../../processing/pay.ts';
import type { RawPaymentRequest } from '../../processing/requests.ts';
import { amount, outcomeJson, serviceJson } from './answers.ts';
import {
  BalanceAnswer,
  ErrorAnswer,
  OperatorAnswer,
  PaymentAnswer,
  PaymentBody,
  PhoneRequest,
  ServiceRequest,
  ServicesAnswer,
} from './schemas.ts';

const DESCRIPTION = `Процессинговый центр для платежных агентов, протокол v20: все запросы POST с телом JSON
(UTF-8), ответ JSON с кодом \`result\` (Таблица 1) и признаком финальности.

Авторизация: \`Authorization: Bearer <токен>\` или HTTP Basic (логин агента, токен как пароль).
Принимаются только подтвержденные оператором токены; при заданном списке IP-адресов агента —
только запросы с них. Ошибка авторизации: HTTP 401/403 и \`result\` 300.

Особенности документа и как они обработаны:
- список услуг выдается под ключом \`services\` и под ключом документа \`serviсes\` (кириллическая «с»);
- суммы — числа JSON (200.00) или строки ("200.00"), не более двух знаков после точки, иначе 202;
- \`agentTransactionId\` до 18 цифр, числом или строкой, читается без потерь; 19 цифр — 202;
- \`agentTransactionDate\` — местное время агента без зоны (зона допускается);
- «Таблица 2» (типы схем) в документе отсутствует: 0 — простая, 1 — «с выбором» (\`contracts\`,
  оплата с \`extras.contractId\`), 2 — «комплексная» (\`invoice\`, оплата с \`extraServices\`);
- поле услуги \`ev_account1\` можно передать в \`extras\` как \`ev_account1\` или \`account1\`;
- даты ответа (\`transactionDate\`, \`statusDate\`) — местное время процессинга (UTC+5) без зоны;
- \`balance\` — доступный остаток (за вычетом сумм платежей в обработке);
- неизвестный serviceId — 130; запрещенный сервис — 155; ошибка сервиса — HTTP 503 с \`result\` 1.`;

const agents = new WeakMap<FastifyRequest, Agent>();

function agentOf(request: FastifyRequest): Agent {
  const agent = agents.get(request);
  if (!agent) throw new Error('processing face: request without an authenticated agent');
  return agent;
}

function refusal(error: unknown, agentTransactionId?: unknown): Record<string, unknown> {
  if (!(error instanceof ProcessingRefusal)) throw error;
  const body: Record<string, unknown> = { result: error.result, resultMessage: error.message };
  if (typeof agentTransactionId === 'string' && /^\d{1,18}$/.test(agentTransactionId))
    body.agentTransactionId = BigInt(agentTransactionId);
  else if (typeof agentTransactionId === 'number' && Number.isSafeInteger(agentTransactionId))
    body.agentTransactionId = agentTransactionId;
  return body;
}

const ANSWERS = (schema: unknown) => ({ 200: schema, 401: ErrorAnswer, 403: ErrorAnswer, 503: ErrorAnswer });

/**
 * Face `/api/v20/`: the agent processing protocol. Authenticates the agent, validates the body
 * and hands it to one processing service; every failure becomes a `{result, resultMessage}`.
 */
export const processingFace: Face = {
  name: 'processing',
  title: 'Процессинг для агентов (протокол v20)',
  description: DESCRIPTION,
  prefix: '/api/v20',
  version: '20.0.0',
  securitySchemes: {
    bearer: { type: 'http', scheme: 'bearer', description: 'подтвержденный токен агента' },
    basic: { type: 'http', scheme: 'basic', description: 'логин агента и токен как пароль' },
  },
  replyError(error, _request, reply) {
    switch (error.kind) {
      case 'unauthorized':
        return reply.status(401).send({ result: RESULT.other, resultMessage: error.message });
      case 'forbidden':
        return reply.status(403).send({ result: RESULT.other, resultMessage: error.message });
      case 'unavailable':
      case 'internal':
        // The state of the request is unknown to the agent: non-final, repeat later.
        return reply
          .status(503)
          .send({ result: RESULT.inProgress, resultMessage: resultMessage(RESULT.inProgress) });
      case 'route_not_found':
      case 'method_not_allowed':
        return reply.status(404).send({ result: RESULT.badRequest, resultMessage: error.message });
      default:
        return reply
          .status(200)
          .send({ result: RESULT.badRequest, resultMessage: `Ошибка данных запроса: ${error.message}` });
    }
  },
  async routes(app: FaceApp, ctx: AppContext) {
    // Agents send `{}`, nothing, or `text/json` to the methods without parameters: all are JSON here.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser(
      ['application/json', 'text/json'],
      { parseAs: 'string' },
      (_request, body, done) => {
        const text = (body as string).trim();
        if (text === '') return done(null, {});
        try {
          done(null, parseJson(text));
        } catch {
          done(
            Object.assign(new Error('тело запроса не является корректным JSON'), {
              code: 'KOPEK_MALFORMED_BODY',
              statusCode: 400,
            }),
            undefined,
          );
        }
      },
    );
    // Authenticate before the body is parsed or validated: a caller without a valid credential
    // gets 401/403, never a `202` that describes the schema. Route-level, so unknown paths keep 404.
    const authenticate = async (request: FastifyRequest) => {
      const agent = await authenticateAgentCached(
        ctx.pool,
        readAuthorization(request.headers.authorization),
        request.ip,
      );
      agents.set(request, agent);
    };
    app.addHook('onRoute', (route) => {
      const own = route.onRequest ? [route.onRequest].flat() : [];
      route.onRequest = [authenticate, ...own] as typeof route.onRequest;
    });

    const security: { [label: string]: string[] }[] = [{ bearer: [] }, { basic: [] }];

    app.post(
      '/services',
      { schema: { summary: 'Список услуг', security, response: ANSWERS(ServicesAnswer) } },
      async () => {
        const services = (await listServices(ctx.pool, { enabledOnly: true })).map(serviceJson);
        return { result: 0, resultMessage: 'OK', services, serviсes: services };
      },
    );

    app.post(
      '/service',
      {
        schema: {
          summary: 'Параметры услуги',
          security,
          body: ServiceRequest,
          response: ANSWERS(ServicesAnswer),
        },
      },
      async (request) => {
        const service = await findService(ctx.pool, request.body.serviceId);
        if (!service?.enabled)
          return {
            result: RESULT.serviceNotImplemented,
            resultMessage: `Сервис ${request.body.serviceId} не найден`,
          };
        const services = [serviceJson(service)];
        return { result: 0, resultMessage: 'OK', services, serviсes: services };
      },
    );

    app.post(
      '/balance',
      { schema: { summary: 'Баланс Агента', security, response: ANSWERS(BalanceAnswer) } },
      async (request) => {
        const agent = agentOf(request);
        const b = await agentBalance(ctx.pool, agent);
        return {
          result: 0,
          resultMessage: 'Успешно',
          agent: {
            agentId: agent.id,
            agentName: agent.name,
            balance: amount(b.available),
            overdraft: amount(agent.overdraft),
            notification: amount(agent.notification),
            currency: agent.currency,
          },
        };
      },
    );

    app.post(
      '/check',
      {
        schema: {
          summary: 'Проверка возможности платежа',
          security,
          body: PaymentBody,
          response: ANSWERS(PaymentAnswer),
        },
      },
      async (request) => {
        try {
          return outcomeJson(await checkPayment(ctx, agentOf(request), request.body as RawPaymentRequest));
        } catch (error) {
          return refusal(error, request.body.agentTransactionId);
        }
      },
    );

    app.post(
      '/pay',
      {
        schema: {
          summary: 'Проведение платежа',
          security,
          body: PaymentBody,
          response: ANSWERS(PaymentAnswer),
        },
      },
      async (request) => {
        try {
          return outcomeJson(await payment(ctx, agentOf(request), request.body as RawPaymentRequest));
        } catch (error) {
          return refusal(error, request.body.agentTransactionId);
        }
      },
    );

    app.post(
      '/operatorByPhone',
      {
        schema: {
          summary: 'Определение оператора сотовой связи',
          security,
          body: PhoneRequest,
          response: ANSWERS(OperatorAnswer),
        },
      },
      async (request) => {
        try {
          const operator = operatorByPhone(request.body.phoneNumber);
          return { result: 0, resultMessage: 'ok', serviceId: operator.serviceId };
        } catch (error) {
          return refusal(error);
        }
      },
    );
  },
};
