import type { JobDefinition } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import { purgeSessions } from './auth.ts';
import { FOLLOW_JOB, followPayment, stalePayments } from './pay.ts';
import { REFILL_JOB, refillAgent } from './refill.ts';

/**
 * - `wallet:follow_payment`: settles a paying payment from the processing centre's answer (or
 *   sends the pay again when the centre never got it).
 * - `wallet:sweep_payments` (every minute): follows up paying payments left by a process that died
 *   mid-way, or whose follow-up job was lost.
 * - `wallet:refill_agent` (every minute): moves the wallets' paid amounts to the agent's float.
 * - `wallet:purge_sessions` (hourly): drops sessions expired more than a day ago.
 */
export function walletJobs(ctx: AppContext): JobDefinition[] {
  return [
    {
      name: FOLLOW_JOB,
      async handler(payload) {
        await followPayment(ctx, BigInt((payload as { paymentId: string }).paymentId));
      },
    },
    {
      name: 'wallet:sweep_payments',
      cron: '* * * * *',
      async handler() {
        for (const id of await stalePayments(ctx)) await followPayment(ctx, id);
      },
    },
    {
      name: REFILL_JOB,
      cron: '* * * * *',
      async handler() {
        await refillAgent(ctx);
      },
    },
    {
      name: 'wallet:purge_sessions',
      cron: '17 * * * *',
      async handler() {
        await purgeSessions(ctx);
      },
    },
  ];
}
