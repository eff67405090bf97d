import { startBnplAcquiring } from '../bnpl/demo.ts';
import { startDemoBanks } from '../broker/demo.ts';
import { startLendingCardPayout } from '../lending/card-payout-demo.ts';
import { startProcessingLink } from '../mymfo/payments/processing-link.ts';
import { startSmsOperator } from '../notify/demo.ts';
import type { AppContext } from '../platform/context.ts';
import { startDemoSimulator } from '../processing/demo.ts';

/**
 * The outside parties of the demo — provider and lender simulators — as separate servers on
 * loopback, started by `kopek serve` in development mode after the demo data is loaded, so that
 * `npm start` shows every journey without anything else running. The domain code talks to them
 * through the same HTTP adapters it uses for real partners.
 */
interface Companion {
  name: string;
  start(ctx: AppContext): Promise<{ close(): Promise<void> } | undefined>;
}

const COMPANIONS: Companion[] = [
  { name: 'processing: provider simulator', start: startDemoSimulator },
  { name: 'broker: demo banks', start: startDemoBanks },
  { name: 'mymfo: processing centre -> Payment/KOPEK of this server', start: startProcessingLink },
  { name: 'bnpl: acquiring simulator', start: startBnplAcquiring },
  { name: 'notify: SMS operator simulator', start: startSmsOperator },
  { name: 'lending: card payout simulator', start: startLendingCardPayout },
];

export async function startDemoCompanions(ctx: AppContext): Promise<{ close(): Promise<void> }> {
  const running: { close(): Promise<void> }[] = [];
  for (const companion of COMPANIONS) {
    try {
      const handle = await companion.start(ctx);
      if (handle) running.push(handle);
    } catch (error) {
      // A demo without one simulator is still a demo: say so and go on.
      ctx.log.warn({ err: error }, `${companion.name}: not started`);
    }
  }
  return {
    async close() {
      await Promise.allSettled(running.map((c) => c.close()));
    },
  };
}
