import type { JobDefinition } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import { deliverSms } from './outbox.ts';

/** The notify module's background work: delivering the SMS outbox. */
export function notifyJobs(ctx: AppContext): JobDefinition[] {
  if (ctx.config.mode === 'production' && !ctx.config.smsGatewayUrl)
    // Said once at start: without an operator the messages only reach the in-process simulator.
    ctx.log.warn('SMS_GATEWAY_URL is not set: SMS go to the in-process simulator, not to an operator');
  return [
    {
      name: 'notify:send_sms',
      handler: (p, { attempt, maxAttempts }) => {
        const id = (p as { id?: unknown } | null)?.id;
        if (typeof id !== 'string' && typeof id !== 'number') throw new Error('job payload lacks id');
        return deliverSms(ctx, String(id), attempt, maxAttempts);
      },
    },
  ];
}
