import type {
  PartnerCard,
  PartnerCreated,
  TokenRotated,
  WalletCard,
  WalletPaymentItem,
} from '../../src/faces/admin/broker-wallet-schemas.ts';
import { request } from './api.ts';

export type { PartnerCard, PartnerCreated, TokenRotated, WalletCard, WalletPaymentItem };

const enc = encodeURIComponent;

export interface PartnerFields {
  guid?: string;
  name?: string;
  active?: boolean;
  offerDeadlineMs?: number;
  registryUrl?: string | null;
}

export interface PointFields {
  code?: string;
  name?: string;
  kind?: string;
  active?: boolean;
}

/** The console's broker configuration and wallet payment calls (src/faces/admin/broker-routes.ts, wallet-routes.ts). */
export const brokerWalletApi = {
  partner: (id: string) => request<PartnerCard>('GET', `/broker/partners/${enc(id)}`),
  createPartner: (body: PartnerFields & { guid: string; name: string; key: string }) =>
    request<PartnerCreated>('POST', '/broker/partners', body),
  updatePartner: (id: string, body: PartnerFields) =>
    request<PartnerCard>('PATCH', `/broker/partners/${enc(id)}`, body),
  rotateToken: (id: string, key: string) =>
    request<TokenRotated>('POST', `/broker/partners/${enc(id)}/token`, { key }),
  createPoint: (
    partnerId: string,
    body: PointFields & {
      code: string;
      name: string;
      kind: string;
      users?: { code: string; name: string }[];
    },
  ) => request<PartnerCard>('POST', `/broker/partners/${enc(partnerId)}/points`, body),
  updatePoint: (id: string, body: PointFields) =>
    request<PartnerCard>('PATCH', `/broker/points/${enc(id)}`, body),
  pointUser: (pointId: string, body: { code: string; name?: string; remove?: boolean }) =>
    request<PartnerCard>('POST', `/broker/points/${enc(pointId)}/users`, body),
  route: (partnerId: string, body: { lender: string; kind: 'pos' | 'bnpl'; enabled: boolean }) =>
    request<PartnerCard>('POST', `/broker/partners/${enc(partnerId)}/routes`, body),
  wallet: (id: string) => request<WalletCard>('GET', `/wallet/wallets/${enc(id)}`),
};
