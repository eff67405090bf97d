import type { Kopecks } from '../../platform/money.ts';
import { HttpAcquiringGateway } from './http-gateway.ts';
import { AcquiringUnavailable } from './unavailable.ts';

export type AcquiringStatus = 'created' | 'authorized' | 'declined' | 'captured' | 'voided';

export interface AcquiringPayment {
  id: string;
  status: AcquiringStatus;
  /** The card as the acquirer identifies it: a token and the first six / last four digits only. */
  card?: { token: string; first6: string; last4: string } | undefined;
  error?: string | undefined;
}

/**
 * The card acquirer that takes the first instalment: a payment is created, the customer enters
 * the card on the acquirer's own form (`formUrl`), comes back to `returnUrl`, and Kopek reads the
 * result. The money is held (authorized) and captured when the session is charged, or voided.
 * The domain never knows which acquirer (real HTTP or the loopback simulator) answers.
 */
export interface AcquiringGateway {
  create(p: {
    reference: string;
    amount: Kopecks;
    description: string;
    returnUrl: string;
  }): Promise<{ id: string; formUrl: string }>;
  get(id: string): Promise<AcquiringPayment>;
  capture(id: string): Promise<AcquiringPayment>;
  void(id: string): Promise<AcquiringPayment>;
}

let gateway: AcquiringGateway | undefined;
let configured: { url: string; gateway: AcquiringGateway } | undefined;

/**
 * The process's acquirer: one installed by `setAcquiringGateway` (the demo's simulator, tests),
 * else the HTTP adapter on BNPL_ACQUIRING_URL.
 */
export function acquiringGateway(config: { bnplAcquiringUrl: string | undefined }): AcquiringGateway {
  if (gateway) return gateway;
  const url = config.bnplAcquiringUrl;
  if (!url) throw new AcquiringUnavailable('эквайринг не настроен (BNPL_ACQUIRING_URL)');
  if (configured?.url !== url) configured = { url, gateway: new HttpAcquiringGateway(url) };
  return configured.gateway;
}

export function setAcquiringGateway(next: AcquiringGateway | undefined): void {
  gateway = next;
}

export { AcquiringUnavailable } from './unavailable.ts';
