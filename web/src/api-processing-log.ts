import type {
  AgentWebhookLog,
  ProcessingPaymentCard,
  ProviderExchangeItem,
  WebhookDeliveryItem,
} from '../../src/faces/admin/processing-log-schemas.ts';
import { request } from './api.ts';

export type { AgentWebhookLog, ProcessingPaymentCard, ProviderExchangeItem, WebhookDeliveryItem };

const enc = encodeURIComponent;

/** The processing transaction card and an agent's webhook log (issue 9). */
export const processingLogApi = {
  payment: (id: string) => request<ProcessingPaymentCard>('GET', `/processing/payments/${enc(id)}`),
  webhooks: (agent: string) => request<AgentWebhookLog>('GET', `/processing/agents/${enc(agent)}/webhooks`),
};
