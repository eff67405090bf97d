import type { JobDefinition } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import { stringifyJson } from '../platform/json.ts';
import { getAgent } from './agents.ts';
import { duePayments, followUpPayment, RETRY_JOB } from './pay.ts';
import { pruneDeliveries, recordDelivery, shownUrl, WEBHOOK_LOG_DAYS } from './webhook-log.ts';

interface RetryPayload {
  paymentId: string;
}

interface NotificationPayload {
  agentId: string;
  available: string;
  notification: string;
  at: string;
}

/**
 * - `processing:retry_pay`: asks the provider again about a payment with a non-final answer; the
 *   next attempt, if still needed, is scheduled by the settlement itself (growing intervals).
 * - `processing:sweep_payments` (every minute): follows up payments whose retry job was lost or
 *   whose process died between reserving and settling.
 * - `processing:balance_notification`: delivers the "balance below threshold" event to the
 *   agent's webhook (retried with backoff until it answers 2xx); every attempt is logged in
 *   processing.webhook_deliveries (status, duration, error, attempt number).
 * - `processing:prune_webhook_log` (daily): forgets attempts older than WEBHOOK_LOG_DAYS.
 */
export function processingJobs(ctx: AppContext): JobDefinition[] {
  return [
    {
      name: RETRY_JOB,
      async handler(payload) {
        const { paymentId } = payload as RetryPayload;
        await followUpPayment(ctx, BigInt(paymentId));
      },
    },
    {
      name: 'processing:sweep_payments',
      cron: '* * * * *',
      async handler() {
        for (const id of await duePayments(ctx)) await followUpPayment(ctx, id);
      },
    },
    {
      name: 'processing:balance_notification',
      async handler(payload, job) {
        const event = payload as NotificationPayload;
        const agent = await getAgent(ctx.pool, BigInt(event.agentId));
        if (!agent.webhookUrl) return;
        const started = Date.now();
        let status: number | null = null;
        let failure: string | null = null;
        try {
          const response = await fetch(agent.webhookUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: stringifyJson({
              event: 'balance.below_notification',
              agentId: agent.id,
              available: event.available,
              notification: event.notification,
              currency: agent.currency,
              at: event.at,
            }),
            signal: AbortSignal.timeout(10_000),
          });
          status = response.status;
          await response.body?.cancel();
          if (!response.ok) failure = `webhook answered HTTP ${response.status}`;
        } catch (error) {
          const e = error as Error & { cause?: Error };
          failure = e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message;
        }
        await recordDelivery(ctx.pool, {
          agentId: agent.id,
          event: 'balance.below_notification',
          jobId: job.jobId,
          attempt: job.attempt,
          url: shownUrl(agent.webhookUrl),
          statusCode: status,
          durationMs: Date.now() - started,
          error: failure,
        });
        if (failure) throw new Error(failure);
      },
    },
    {
      name: 'processing:prune_webhook_log',
      cron: '17 3 * * *',
      async handler() {
        const n = await pruneDeliveries(ctx.pool);
        if (n > 0) ctx.log.info({ deleted: n, days: WEBHOOK_LOG_DAYS }, 'processing: webhook log pruned');
      },
    },
  ];
}
