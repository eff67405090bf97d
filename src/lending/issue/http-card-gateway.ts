import { AppError } from '../../platform/errors.ts';
import type { CardPayoutGateway, CardPayoutRequest, CardPayoutResult } from './payout-gateway.ts';

/**
 * The card payout service over HTTP: `POST <baseUrl>/payouts` with
 * `{"payout_id", "deal", "amount" (kopecks, a string), "card_token"}`, answered
 * `{"status": "paid", "ref"}` or `{"status": "declined", "error"}`. The payout id is the
 * service's idempotency key, so a retry after a lost answer pays once.
 */
export function createHttpCardPayoutGateway(options: {
  baseUrl: string;
  token?: string;
  timeoutMs?: number;
}): CardPayoutGateway {
  return {
    name: `http:${new URL(options.baseUrl).host}`,
    async payout(request: CardPayoutRequest): Promise<CardPayoutResult> {
      let response: Response;
      try {
        response = await fetch(new URL('payouts', withSlash(options.baseUrl)), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
          body: JSON.stringify({
            payout_id: String(request.payoutId),
            deal: request.dealNumber,
            amount: String(request.amount),
            card_token: request.cardToken,
          }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        });
      } catch (error) {
        throw new AppError('unavailable', 'lending.payout_unavailable', 'сервис выдачи на карту недоступен', {
          cause: (error as Error).message,
        });
      }
      const body = (await response.json().catch(() => ({}))) as {
        status?: string;
        ref?: string;
        error?: string;
      };
      if (response.ok && body.status === 'paid' && body.ref) return { ok: true, ref: body.ref };
      if (response.ok && body.status === 'declined')
        return { ok: false, error: body.error ?? 'выдача отклонена' };
      // Anything else leaves the outcome unknown: the payout stays pending for staff to settle.
      throw new AppError('unavailable', 'lending.payout_unknown', 'сервис выдачи ответил неожиданно', {
        status: response.status,
      });
    },
  };
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
