import type { JobDefinition } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import { runCob } from './accrual/cob.ts';
import { addDays, isBusinessDate, todayMoscow } from './dates.ts';

/** Dates a missed night catches up at most, oldest first. */
const MAX_CATCH_UP_DAYS = 31;

/**
 * `lending:cob`: at 00:30 Moscow (21:30 UTC) closes the business date that just ended, and any
 * earlier dates a stopped server missed. A payload `{ "date": "YYYY-MM-DD" }` closes that date.
 * Each date is idempotent, so a retry or a second process changes nothing.
 */
export function lendingJobs(ctx: AppContext): JobDefinition[] {
  return [
    {
      name: 'lending:cob',
      cron: '30 21 * * *',
      async handler(payload) {
        const asked = (payload as { date?: unknown } | null)?.date;
        const dates =
          typeof asked === 'string' && isBusinessDate(asked)
            ? [asked]
            : await datesToClose(ctx, addDays(todayMoscow(), -1));
        for (const date of dates) {
          const r = await runCob(ctx.pool, date);
          ctx.log.info(
            {
              date,
              deals: r.deals,
              interest: String(r.interest),
              penalty: String(r.penalty),
              ms: r.elapsedMs,
            },
            'lending: close of business done',
          );
        }
      },
    },
  ];
}

async function datesToClose(ctx: AppContext, yesterday: string): Promise<string[]> {
  const { rows } = await ctx.pool.query<{ last: string | null }>(
    'SELECT max(business_date)::text AS last FROM lending.cob_runs WHERE finished_at IS NOT NULL',
  );
  const last = rows[0]?.last;
  let from = last ? addDays(last, 1) : yesterday;
  if (from < addDays(yesterday, -MAX_CATCH_UP_DAYS)) from = addDays(yesterday, -MAX_CATCH_UP_DAYS);
  const dates: string[] = [];
  for (let d = from; d <= yesterday; d = addDays(d, 1)) dates.push(d);
  return dates.length > 0 ? dates : [yesterday];
}
