import type { AppContext } from '../platform/context.ts';
import { startCardPayoutSimulator } from './issue/card-payout-simulator.ts';
import { setCardPayoutGateway } from './issue/configured-gateway.ts';
import { createHttpCardPayoutGateway } from './issue/http-card-gateway.ts';

/**
 * The demo's card payout service (development, no LENDING_CARD_PAYOUT_URL): the loopback
 * simulator, reached through the same HTTP adapter a real service is, so the console can issue a
 * loan to a card and refund to one. Cards whose token ends in 0000 are declined.
 */
export async function startLendingCardPayout(
  ctx: AppContext,
): Promise<{ close(): Promise<void> } | undefined> {
  if (ctx.config.lendingCardPayoutUrl) return undefined;
  if (ctx.config.mode !== 'development') return undefined;
  const sim = await startCardPayoutSimulator();
  setCardPayoutGateway(createHttpCardPayoutGateway({ baseUrl: sim.url }));
  ctx.log.info(`lending: card payout simulator on ${sim.url}`);
  return {
    async close() {
      setCardPayoutGateway(undefined);
      await sim.close();
    },
  };
}
