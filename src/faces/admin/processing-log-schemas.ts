import { type Static, Type } from '@sinclair/typebox';
import { IdString, Money, Timestamp } from './schemas.ts';

/** Schemas of the processing transaction card and the agents' webhook log (issue 9). */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const ProviderExchangeItem = Type.Object({
  id: IdString,
  command: Type.Union([Type.Literal('check'), Type.Literal('pay'), Type.Literal('status')], {
    description: '`status` is a follow-up of a non-final answer (OSMP: a repeated `command=pay`)',
  }),
  startedAt: Timestamp,
  durationMs: Type.Integer(),
  url: Type.String({ description: "the provider's address without userinfo and query" }),
  params: Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]), {
    description: 'the parameters Kopek sent; credentials (Basic auth) are never stored',
  }),
  httpStatus: Nullable(Type.Integer()),
  providerCode: Nullable(Type.String({ description: "the provider's own result code as written" })),
  result: Type.Integer({ description: "the agent protocol's code Kopek read from the answer" }),
  comment: Nullable(Type.String()),
  body: Nullable(Type.String({ description: 'the raw answer, at most 4,000 characters' })),
  error: Nullable(Type.String({ description: 'no answer: timeout, refused connection, HTTP 5xx' })),
});
export type ProviderExchangeItem = Static<typeof ProviderExchangeItem>;

export const ProcessingPaymentCard = Type.Object({
  payment: Type.Object({
    id: IdString,
    agentId: IdString,
    agent: Type.String(),
    agentTxnId: Type.String(),
    agentTxnDate: Type.String(),
    service: Type.String(),
    account: Type.String(),
    amount: Money,
    amountFrom: Money,
    commission: Money,
    result: Type.Integer(),
    final: Type.Boolean(),
    message: Type.String(),
    providerTxnId: Nullable(Type.String()),
    attempts: Type.Integer(),
    nextAttemptAt: Nullable(Timestamp),
    createdAt: Timestamp,
    statusAt: Nullable(Timestamp),
    held: Type.Boolean({ description: 'the money was reserved (false: refused with 220 before any hold)' }),
  }),
  exchanges: Type.Array(ProviderExchangeItem),
});
export type ProcessingPaymentCard = Static<typeof ProcessingPaymentCard>;

export const WebhookDeliveryItem = Type.Object({
  id: IdString,
  at: Timestamp,
  event: Type.String(),
  attempt: Type.Integer(),
  url: Type.String(),
  statusCode: Nullable(Type.Integer()),
  durationMs: Type.Integer(),
  error: Nullable(Type.String()),
  delivered: Type.Boolean({ description: 'answered 2xx' }),
});
export type WebhookDeliveryItem = Static<typeof WebhookDeliveryItem>;

export const AgentWebhookLog = Type.Object({
  items: Type.Array(WebhookDeliveryItem),
  retentionDays: Type.Integer(),
});
export type AgentWebhookLog = Static<typeof AgentWebhookLog>;
