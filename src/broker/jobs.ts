import type { JobDefinition } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import { closeAtDeadline, collectOffers, scoreForm } from './collection.ts';
import { prepareContract } from './contracts.ts';
import { cancelAtLenders, issueCredit } from './issue.ts';
import { generateRegistries } from './registries.ts';
import { checkOfferScans } from './scans.ts';
import { notifySigned, refreshPayment } from './signing.ts';
import { deliverSms } from './sms/outbox.ts';

function field(payload: unknown, name: string): string {
  const value = (payload as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`job payload lacks ${name}`);
  return String(value);
}

/** The broker's background work: every call to a lender and every SMS goes through here. */
export function brokerJobs(ctx: AppContext): JobDefinition[] {
  return [
    {
      name: 'broker:score',
      handler: (p, { attempt, maxAttempts }) =>
        scoreForm(ctx, field(p, 'formId'), field(p, 'lenderId'), attempt, maxAttempts),
    },
    {
      name: 'broker:collect',
      handler: (p) => collectOffers(ctx, field(p, 'formId'), new Date(field(p, 'deadline'))),
    },
    { name: 'broker:close_offers', handler: (p) => closeAtDeadline(ctx, field(p, 'formId')) },
    {
      name: 'broker:prepare_contract',
      handler: (p, { attempt, maxAttempts }) =>
        prepareContract(ctx, field(p, 'offerId'), attempt, maxAttempts),
    },
    {
      name: 'broker:check_scans',
      handler: (p, { attempt, maxAttempts }) =>
        checkOfferScans(ctx, field(p, 'offerId'), attempt, maxAttempts),
    },
    {
      name: 'broker:sign',
      handler: (p) => notifySigned(ctx, field(p, 'offerId'), field(p, 'phone'), field(p, 'at')),
    },
    { name: 'broker:refresh_payment', handler: (p) => refreshPayment(ctx, field(p, 'offerId')) },
    { name: 'broker:issue', handler: (p) => issueCredit(ctx, field(p, 'offerId')) },
    { name: 'broker:cancel_lenders', handler: (p) => cancelAtLenders(ctx, field(p, 'formId')) },
    {
      // Yesterday's registries (UTC business date), shortly after midnight; a rerun replaces them.
      name: 'broker:daily_registries',
      cron: '15 0 * * *',
      async handler() {
        const date = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
        await generateRegistries(ctx, date);
      },
    },
    {
      name: 'broker:send_sms',
      handler: (p, { attempt, maxAttempts }) => deliverSms(ctx, field(p, 'id'), attempt, maxAttempts),
    },
  ];
}
