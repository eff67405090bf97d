import type {
  AgentCard,
  AgentItem,
  BnplMerchantList,
  BnplSessionCard,
  BnplSessionItem,
  CallbackItem,
  ClientCard,
  ClientPassport,
  DealCard,
  DealItem,
  DecideBody,
  FormCard,
  FormItem,
  IssueBody,
  PartnerList,
  ProcessingPaymentItem,
  ProductCreateBody,
  ProductItem,
  ProductPatchBody,
  RefundBody,
  RegistryItem,
  RepayBody,
  ServiceList,
  SmsItem,
  WalletItem,
  WebhookList,
} from '../../src/faces/admin/module-schemas.ts';
import { request } from './api.ts';

export type {
  AgentCard,
  AgentItem,
  BnplMerchantList,
  BnplSessionCard,
  BnplSessionItem,
  CallbackItem,
  ClientCard,
  DealCard,
  DealItem,
  FormCard,
  FormItem,
  PartnerList,
  ProcessingPaymentItem,
  ProductCreateBody,
  ProductItem,
  ProductPatchBody,
  RegistryItem,
  ServiceList,
  SmsItem,
  WalletItem,
  WebhookList,
};

const enc = encodeURIComponent;

export interface CobResult {
  date: string;
  deals: number;
  interest: string;
  penalty: string;
  statusMoves: number;
  advancesApplied: number;
  elapsedMs: number;
}

/** The module screens' part of the admin API; types from src/faces/admin/module-schemas.ts. */
export const modulesApi = {
  dealFacets: () => request<{ statuses: string[] }>('GET', '/lending/facets'),
  deal: (number: string) => request<DealCard>('GET', `/lending/deals/${enc(number)}`),
  decide: (number: string, body: DecideBody) =>
    request<DealCard>('POST', `/lending/deals/${enc(number)}/decision`, body),
  issue: (number: string, body: IssueBody) =>
    request<DealCard>('POST', `/lending/deals/${enc(number)}/issue`, body),
  refund: (number: string, body: RefundBody) =>
    request<DealCard>('POST', `/lending/deals/${enc(number)}/refund`, body),
  repay: (number: string, body: RepayBody) =>
    request<DealCard>('POST', `/lending/deals/${enc(number)}/payments`, body),
  reverse: (number: string, payment: string, reason: string) =>
    request<DealCard>('POST', `/lending/deals/${enc(number)}/payments/${enc(payment)}/reverse`, { reason }),
  client: (id: string) => request<ClientCard>('GET', `/lending/clients/${enc(id)}`),
  clientPassport: (id: string) => request<ClientPassport>('GET', `/lending/clients/${enc(id)}/passport`),
  agent: (id: string) => request<AgentCard>('GET', `/processing/agents/${enc(id)}`),
  token: (agent: string, token: string, action: 'confirm' | 'revoke') =>
    request<AgentCard>('POST', `/processing/agents/${enc(agent)}/tokens/${enc(token)}`, { action }),
  topup: (agent: string, body: { amount: string; reason: string; key: string }) =>
    request<AgentCard>('POST', `/processing/agents/${enc(agent)}/topup`, body),
  agentIp: (agent: string, ip: string, remove = false) =>
    request<AgentCard>('POST', `/processing/agents/${enc(agent)}/ips`, { ip, remove }),
  services: () => request<ServiceList>('GET', '/processing/services'),
  partners: () => request<PartnerList>('GET', '/broker/partners'),
  form: (id: string) => request<FormCard>('GET', `/broker/forms/${enc(id)}`),
  verifyWallet: (id: string) =>
    request<{ id: string; kyc: string }>('POST', `/wallet/wallets/${enc(id)}/verify`),
  rejectWallet: (id: string, reason: string) =>
    request<{ id: string; kyc: string }>('POST', `/wallet/wallets/${enc(id)}/reject`, { reason }),
  products: () => request<{ items: ProductItem[] }>('GET', '/lending/products'),
  createProduct: (body: ProductCreateBody) => request<ProductItem>('POST', '/lending/products', body),
  updateProduct: (code: string, body: ProductPatchBody) =>
    request<ProductItem>('PATCH', `/lending/products/${enc(code)}`, body),
  runCob: (date: string) => request<CobResult>('POST', '/lending/cob', { date }),
  bnplSession: (id: string) => request<BnplSessionCard>('GET', `/bnpl/sessions/${enc(id)}`),
  resendCallback: (session: string, callback: string) =>
    request<BnplSessionCard>('POST', `/bnpl/sessions/${enc(session)}/callbacks/${enc(callback)}/resend`),
  webhooks: () => request<WebhookList>('GET', '/messages/webhooks'),
  bnplMerchants: () => request<BnplMerchantList>('GET', '/bnpl/merchants'),
  registryUrl: (id: string) => `/admin/api/broker/registries/${enc(id)}/file`,
};
