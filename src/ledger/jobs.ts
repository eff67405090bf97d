import type { JobDefinition } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import { expireHolds } from './transfers.ts';

export function ledgerJobs(ctx: AppContext): JobDefinition[] {
  return [
    {
      name: 'ledger:expire_holds',
      cron: '* * * * *',
      async handler() {
        let total = 0;
        for (let n = await expireHolds(ctx.pool); n > 0; n = await expireHolds(ctx.pool)) total += n;
        if (total > 0) ctx.log.info({ expired: total }, 'ledger: expired holds released');
      },
    },
  ];
}
