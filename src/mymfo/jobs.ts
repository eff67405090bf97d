import type { JobDefinition } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import { deliverClientSms } from './sms.ts';

/** The site face's background work: messages to borrowers. */
export function mymfoJobs(ctx: AppContext): JobDefinition[] {
  return [
    {
      name: 'mymfo:send_sms',
      handler: (p, { attempt, maxAttempts }) =>
        deliverClientSms(ctx, String((p as { id?: unknown } | null)?.id ?? ''), attempt, maxAttempts),
    },
  ];
}
