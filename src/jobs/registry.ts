import { bnplJobs } from '../bnpl/jobs.ts';
import { brokerJobs } from '../broker/jobs.ts';
import { ledgerJobs } from '../ledger/jobs.ts';
import { lendingJobs } from '../lending/jobs.ts';
import { notifyJobs } from '../notify/jobs.ts';
import type { AppContext } from '../platform/context.ts';
import { processingJobs } from '../processing/jobs.ts';
import { walletJobs } from '../wallet/jobs.ts';
import type { JobDefinition } from './queue.ts';

/** Every background job of every module; each module contributes its own list. */
export function allJobs(ctx: AppContext): JobDefinition[] {
  return [
    ...ledgerJobs(ctx),
    ...processingJobs(ctx),
    ...lendingJobs(ctx),
    ...brokerJobs(ctx),
    ...bnplJobs(ctx),
    ...walletJobs(ctx),
    ...notifyJobs(ctx),
  ];
}
