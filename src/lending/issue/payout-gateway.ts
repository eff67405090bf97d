import type { Kopecks } from '../../platform/money.ts';

export interface CardPayoutRequest {
  payoutId: bigint;
  dealNumber: string;
  amount: Kopecks;
  /** Token of the card in the payout service's registry (card/attachtoclient). */
  cardToken: string;
}

export type CardPayoutResult = { ok: true; ref: string } | { ok: false; error: string };

/**
 * A card payout service (Mandarinpay and the like). Called outside any database transaction;
 * a payout must be idempotent by `payoutId` on the service's side.
 */
export interface CardPayoutGateway {
  readonly name: string;
  payout(request: CardPayoutRequest): Promise<CardPayoutResult>;
}
