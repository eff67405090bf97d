import type { JobDefinition } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import { refreshSortBalances } from './sort-balances.ts';
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
    {
      name: 'ledger:refresh_sort_balances',
      cron: '* * * * *',
      async handler() {
        const refreshed = await refreshSortBalances(ctx.pool);
        if (refreshed > 0) ctx.log.debug({ refreshed }, 'ledger: sort balances refreshed');
      },
    },
  ];
}
