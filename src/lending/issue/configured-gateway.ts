import { AppError } from '../../platform/errors.ts';
import { createHttpCardPayoutGateway } from './http-card-gateway.ts';
import type { CardPayoutGateway } from './payout-gateway.ts';

let installed: CardPayoutGateway | undefined;
let configured: { url: string; gateway: CardPayoutGateway } | undefined;

/**
 * The server's card payout service: one installed by `setCardPayoutGateway` (the demo's loopback
 * simulator), else the HTTP adapter on LENDING_CARD_PAYOUT_URL. Without either, card payouts are
 * refused with 503 `lending.payout_not_configured` (nothing is written).
 */
export function cardPayoutGateway(config: { lendingCardPayoutUrl: string | undefined }): CardPayoutGateway {
  if (installed) return installed;
  const url = config.lendingCardPayoutUrl;
  if (!url)
    throw new AppError(
      'unavailable',
      'lending.payout_not_configured',
      'сервис выдачи на карту не настроен (LENDING_CARD_PAYOUT_URL)',
    );
  if (configured?.url !== url) configured = { url, gateway: createHttpCardPayoutGateway({ baseUrl: url }) };
  return configured.gateway;
}

export function setCardPayoutGateway(next: CardPayoutGateway | undefined): void {
  installed = next;
}
