import type { JobDefinition } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import { deliverCallback } from './callbacks.ts';
import { chargeDue, expireDue } from './lifecycle.ts';

function field(payload: unknown, name: string): string {
  const value = (payload as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`job payload lacks ${name}`);
  return String(value);
}

/** The checkout's background work: callbacks, expiry and the daily charge. */
export function bnplJobs(ctx: AppContext): JobDefinition[] {
  return [
    {
      name: 'bnpl:callback',
      handler: (p, { attempt, maxAttempts }) => deliverCallback(ctx, field(p, 'id'), attempt, maxAttempts),
    },
    {
      // Sessions past their expires_at, every minute (init adds no per-session job: it stays one INSERT).
      name: 'bnpl:expire_sweep',
      cron: '* * * * *',
      handler: async () => {
        await expireDue(ctx);
      },
    },
    {
      // Hourly, so a session is charged at most an hour after its 24 hours.
      name: 'bnpl:charge',
      cron: '17 * * * *',
      handler: async () => {
        await chargeDue(ctx);
      },
    },
  ];
}
