import type { JobDefinition } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import {
  closeAtDeadline,
  closeManyAtDeadline,
  collectBatch,
  collectOffers,
  scoreForm,
} from './collection.ts';
import { prepareContract } from './contracts.ts';
import { dispatchForms } from './dispatch.ts';
import { cancelAtLenders, issueCredit } from './issue.ts';
import { generateRegistries } from './registries.ts';
import { checkOfferScans } from './scans.ts';
import { notifySigned, refreshPayment } from './signing.ts';

function field(payload: unknown, name: string): string {
  const value = (payload as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`job payload lacks ${name}`);
  return String(value);
}

/** The broker's background work: every call to a lender goes through here (SMS: notify:send_sms). */
export function brokerJobs(ctx: AppContext): JobDefinition[] {
  return [
    {
      name: 'broker:score',
      handler: (p, { attempt, maxAttempts }) =>
        scoreForm(ctx, field(p, 'formId'), field(p, 'lenderId'), attempt, maxAttempts),
    },
    {
      // A batch of forms from create_form's dispatcher ({forms: [{formId, deadline}]}), or one form.
      name: 'broker:collect',
      handler: (p) => {
        const forms = (p as { forms?: unknown } | null)?.forms;
        return Array.isArray(forms)
          ? collectBatch(
              ctx,
              forms.map((f) => ({ formId: field(f, 'formId'), deadline: new Date(field(f, 'deadline')) })),
            )
          : collectOffers(ctx, field(p, 'formId'), new Date(field(p, 'deadline')));
      },
    },
    {
      // Forms whose process died before handing them to a collect job (see dispatch.ts).
      name: 'broker:dispatch_sweep',
      cron: '* * * * *',
      handler: async () => {
        await dispatchForms(ctx.pool, { sweep: true });
      },
    },
    {
      // A batch's forms ({formIds}) or one form ({formId}).
      name: 'broker:close_offers',
      handler: (p) => {
        const ids = (p as { formIds?: unknown } | null)?.formIds;
        return Array.isArray(ids)
          ? closeManyAtDeadline(ctx, ids.map(String))
          : closeAtDeadline(ctx, field(p, 'formId'));
      },
    },
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
    {
      name: 'broker:cancel_lenders',
      handler: (p) =>
        cancelAtLenders(
          ctx,
          field(p, 'formId'),
          (p as { keepLenderId?: unknown }).keepLenderId === undefined ? undefined : field(p, 'keepLenderId'),
        ),
    },
    {
      // Yesterday's registries (UTC business date), shortly after midnight; a rerun replaces them.
      name: 'broker:daily_registries',
      cron: '15 0 * * *',
      async handler() {
        const date = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
        await generateRegistries(ctx, date);
      },
    },
  ];
}
