import { randomUUID } from 'node:crypto';
import { enqueue } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import type { Tx } from '../platform/db/tx.ts';
import { withTx } from '../platform/db/tx.ts';
import { type FormRow, formById } from './access.ts';
import { type LenderOffer, LenderUnavailable } from './lenders/adapter.ts';
import { adapterFor, loadLender } from './lenders/registry.ts';
import { applyMapping, type FieldMapping } from './routing.ts';

type Outcome =
  | { status: 'offered'; offers: LenderOffer[] }
  | { status: 'declined' | 'error'; detail: string };

interface PendingLender {
  lenderId: bigint;
  mapping: FieldMapping;
}

async function pendingLenders(ctx: AppContext, formId: string, lenderId?: string): Promise<PendingLender[]> {
  const { rows } = await ctx.pool.query<{ lender_id: bigint; mapping: FieldMapping | null }>(
    `SELECT fl.lender_id, r.mapping FROM broker.form_lenders fl
     JOIN broker.forms f ON f.id = fl.form_id
     LEFT JOIN broker.routes r ON r.partner_id = f.partner_id AND r.kind = f.kind AND r.lender_id = fl.lender_id
     WHERE fl.form_id = $1 AND fl.status = 'pending' AND ($2::bigint IS NULL OR fl.lender_id = $2)
     ORDER BY fl.lender_id`,
    [formId, lenderId ?? null],
  );
  return rows.map((r) => ({ lenderId: r.lender_id, mapping: r.mapping ?? {} }));
}

/**
 * Asks one lender, outside any transaction. Throws `LenderUnavailable` when a retry makes sense
 * (attempts left and time before the deadline); any other failure is an `error` answer.
 */
async function askLender(
  ctx: AppContext,
  form: FormRow,
  fields: Record<string, unknown>,
  p: PendingLender,
  attempt: number,
  maxAttempts: number,
): Promise<Outcome> {
  const lender = await loadLender(ctx.pool, p.lenderId);
  try {
    const result = await adapterFor(ctx, lender).score({
      applicationId: form.guid,
      kind: form.kind,
      offline: form.offline,
      amount: form.amount,
      initialPayment: form.initial_payment,
      termValue: form.term_value ?? undefined,
      fields: applyMapping(fields, p.mapping),
    });
    if (result.decision === 'declined')
      return { status: 'declined', detail: result.reason || 'отказ кредитора' };
    return result.offers.length > 0
      ? { status: 'offered', offers: result.offers }
      : { status: 'declined', detail: 'кредитор не предложил продуктов' };
  } catch (error) {
    // Retry while there is time before the deadline; past it the close job has the last word.
    if (
      error instanceof LenderUnavailable &&
      attempt < maxAttempts &&
      Date.now() < form.deadline_at.getTime()
    )
      throw error;
    ctx.log.warn({ err: error, lender: lender.code, form: form.guid }, 'broker: lender scoring failed');
    return { status: 'error', detail: (error as Error).message.slice(0, 500) };
  }
}

/**
 * Writes lenders' answers under the form's row lock, in one transaction of three statements
 * (lock, answers with their offers, close) whatever the number of lenders and offers: the job
 * side's round trips bound the broker's throughput. An answer that arrives after collection
 * closed is kept as `late` and its offers stay out; a lender's offers go in only with the answer
 * that moved it from `pending`; when no lender is pending any more, collection closes.
 */
async function recordAnswers(
  ctx: AppContext,
  formId: string,
  answers: { lenderId: bigint; outcome: Outcome }[],
) {
  if (answers.length === 0) return;
  await withTx(ctx.pool, async (tx) => {
    const locked = await formById(tx, formId, true);
    if (!locked) return;
    const late = locked.status !== 'collecting';
    const offers = late
      ? []
      : answers.flatMap(({ lenderId, outcome }) =>
          outcome.status === 'offered' ? outcome.offers.map((o) => ({ lenderId, o })) : [],
        );
    const col = <T>(pick: (x: (typeof offers)[number]) => T) => offers.map(pick);
    await tx.query(
      `WITH u AS (
         UPDATE broker.form_lenders fl SET status = a.status, detail = a.detail, answered_at = now()
         FROM unnest($2::bigint[], $3::text[], $4::text[]) AS a(lender_id, status, detail)
         WHERE fl.form_id = $1 AND fl.lender_id = a.lender_id AND fl.status = 'pending'
         RETURNING fl.lender_id, fl.status)
       INSERT INTO broker.offers (guid, form_id, lender_id, lender_offer_id, name, initial_payment, amount,
         life_insurance_sum, work_insurance_sum, term_value, term_unit, regular_payment_amount, regular_period_type,
         payments_count, rate, total_cost, status, signing_mode)
       SELECT x.guid, $1, x.lender_id, x.offer_id, x.name, x.initial, x.amount, x.life, x.work, x.term_value,
         x.term_unit, x.regular, x.period, x.payments, x.rate, x.total, 'offered', $5
       FROM unnest($6::uuid[], $7::bigint[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[],
              $13::bigint[], $14::int[], $15::text[], $16::bigint[], $17::text[], $18::int[], $19::numeric[], $20::bigint[])
         WITH ORDINALITY AS x(guid, lender_id, offer_id, name, initial, amount, life, work, term_value, term_unit,
              regular, period, payments, rate, total, n)
       JOIN u ON u.lender_id = x.lender_id AND u.status = 'offered'
       ORDER BY x.n
       ON CONFLICT (form_id, lender_id, lender_offer_id) DO NOTHING`,
      [
        formId,
        answers.map((a) => a.lenderId),
        answers.map((a) => (late ? 'late' : a.outcome.status)),
        answers.map((a) => ('detail' in a.outcome ? a.outcome.detail : null)),
        locked.kind === 'bnpl' ? 'payment_link' : 'sms',
        col(() => randomUUID()),
        col((x) => x.lenderId),
        col((x) => x.o.lenderOfferId),
        col((x) => x.o.name),
        col((x) => x.o.initialPayment),
        col((x) => x.o.amount),
        col((x) => x.o.lifeInsuranceSum),
        col((x) => x.o.workInsuranceSum),
        col((x) => x.o.termValue),
        col((x) => x.o.termUnit),
        col((x) => x.o.regularPaymentAmount),
        col((x) => x.o.regularPeriodType),
        col((x) => x.o.paymentsCount),
        col((x) => x.o.rate),
        col((x) => totalCost(x.o)),
      ],
    );
    if (!late) await closeCollection(tx, locked.id, true);
  });
}

/** What the client pays in all: the sort key of get_offers ("sorted by the client's cost"). */
function totalCost(o: LenderOffer): bigint {
  return (
    o.regularPaymentAmount * BigInt(o.paymentsCount) +
    o.initialPayment +
    o.lifeInsuranceSum +
    o.workInsuranceSum
  );
}

/** Job `broker:score`: asks one lender again (a retry after it could not be reached). */
export async function scoreForm(
  ctx: AppContext,
  formId: string,
  lenderId: string,
  attempt: number,
  maxAttempts: number,
): Promise<void> {
  const form = await formById(ctx.pool, formId);
  if (form?.status !== 'collecting') return;
  const [pending] = await pendingLenders(ctx, formId, lenderId);
  if (!pending) return;
  const fields = JSON.parse(ctx.cipher.decrypt(form.payload_enc)) as Record<string, unknown>;
  const outcome = await askLender(ctx, form, fields, pending, attempt, maxAttempts);
  await recordAnswers(ctx, formId, [{ lenderId: pending.lenderId, outcome }]);
}

/** Answers that arrive this long before the deadline are written together with the others. */
const BATCH_MARGIN_MS = 1000;

/**
 * Job `broker:collect`: schedules the deadline job (`broker:close_offers` at the form's deadline),
 * then asks every pending lender at once, so one worker slot covers the slowest lender rather
 * than the sum. The answers that arrive before the deadline (less a margin) are written in one
 * transaction; a later one is written as it comes. A lender that could not be reached gets a job
 * of its own (`broker:score`) to retry it while the deadline allows.
 */
export async function collectOffers(
  ctx: AppContext,
  formId: string,
  deadline: Date,
  deadlineJob = true,
): Promise<void> {
  // The deadline job exists before any lender is asked; a retry of this job replaces it (job key).
  if (deadlineJob)
    await enqueue(
      ctx.pool,
      'broker:close_offers',
      { formId },
      { runAt: deadline, maxAttempts: 10, jobKey: `broker:close_offers:${formId}` },
    );
  if (Date.now() >= deadline.getTime()) return;
  const form = await formById(ctx.pool, formId);
  if (form?.status !== 'collecting') return;
  const lenders = await pendingLenders(ctx, formId);
  const fields = JSON.parse(ctx.cipher.decrypt(form.payload_enc)) as Record<string, unknown>;
  const settled: { lenderId: bigint; outcome: Outcome }[] = [];
  let batched = false;
  const late: Promise<void>[] = [];
  let failure: unknown;
  // Writes after the batch run on their own; a failure fails the job (its retry asks the rest again).
  const track = (work: Promise<void>) =>
    late.push(
      work.catch((error: unknown) => {
        failure ??= error;
      }),
    );
  const calls = lenders.map((p) =>
    askLender(ctx, form, fields, p, 1, 2).then(
      (outcome) => {
        if (!batched) settled.push({ lenderId: p.lenderId, outcome });
        else track(recordAnswers(ctx, formId, [{ lenderId: p.lenderId, outcome }]));
      },
      () => {
        track(retryLater(ctx, formId, p.lenderId));
      },
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(calls),
    new Promise((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline.getTime() - Date.now() - BATCH_MARGIN_MS));
    }),
  ]);
  clearTimeout(timer);
  batched = true;
  await recordAnswers(ctx, formId, settled.splice(0));
  await Promise.all(calls);
  await Promise.all(late);
  if (failure) throw failure;
}

/**
 * Job `broker:collect` for a batch of forms (create_form's dispatcher, `dispatch.ts`): one
 * deadline job for the batch, then every form's lenders at once. A form that
 * failed fails the job after the others are done; its retry finds the finished forms closed and
 * asks only the lenders still pending.
 */
export async function collectBatch(
  ctx: AppContext,
  forms: { formId: string; deadline: Date }[],
): Promise<void> {
  if (forms.length === 0) return;
  // One deadline job for the batch, at its latest deadline (they differ by milliseconds): a job
  // per form would cost the queue a job run per form only to find it closed long ago.
  await enqueue(
    ctx.pool,
    'broker:close_offers',
    { formIds: forms.map((f) => f.formId) },
    {
      runAt: new Date(Math.max(...forms.map((f) => f.deadline.getTime()))),
      maxAttempts: 10,
      jobKey: `broker:close_offers:${forms[0]!.formId}+${forms.length}`,
    },
  );
  const results = await Promise.allSettled(forms.map((f) => collectOffers(ctx, f.formId, f.deadline, false)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** A lender that could not be reached is asked again by a job of its own, a second later. */
function retryLater(ctx: AppContext, formId: string, lenderId: bigint): Promise<void> {
  return enqueue(
    ctx.pool,
    'broker:score',
    { formId, lenderId },
    {
      maxAttempts: SCORE_MAX_ATTEMPTS,
      runAt: new Date(Date.now() + 1000),
      jobKey: `broker:score:${formId}:${lenderId}`,
    },
  );
}

/** Lender calls get this many tries; the offer deadline usually ends them sooner. */
export const SCORE_MAX_ATTEMPTS = 3;

/**
 * Ends offer collection (all lenders answered, or the deadline came): `done` with whatever
 * offers arrived; `declined` when none did and some lender declined; `error` when none answered.
 */
export async function closeCollection(tx: Tx, formId: bigint, onlyWhenAnswered = false): Promise<void> {
  // One statement: the counts, and (when asked) the check that no lender is still pending.
  await tx.query(
    `UPDATE broker.forms f SET status = c.status, offer_status = c.offer_status, closed_at = now(), updated_at = now()
     FROM (SELECT CASE WHEN o.n > 0 THEN 'offers' WHEN d.n > 0 THEN 'declined' ELSE 'error' END AS status,
                  CASE WHEN o.n > 0 THEN 'done' WHEN d.n > 0 THEN 'declined' ELSE 'error' END AS offer_status
           FROM (SELECT count(*) AS n FROM broker.offers WHERE form_id = $1) o,
                (SELECT count(*) AS n FROM broker.form_lenders WHERE form_id = $1 AND status = 'declined') d) c
     WHERE f.id = $1 AND f.status = 'collecting'
       AND NOT ($2 AND EXISTS (SELECT 1 FROM broker.form_lenders WHERE form_id = $1 AND status = 'pending'))`,
    [formId, onlyWhenAnswered],
  );
}

/** Job `broker:close_offers` of a batch: the forms still collecting (usually none) are closed. */
export async function closeManyAtDeadline(ctx: AppContext, formIds: string[]): Promise<void> {
  const { rows } = await ctx.pool.query<{ id: string }>(
    `SELECT id::text FROM broker.forms WHERE id = ANY($1::bigint[]) AND status = 'collecting' ORDER BY id`,
    [formIds],
  );
  for (const r of rows) await closeAtDeadline(ctx, r.id);
}

/** Job `broker:close_offers`, scheduled at the deadline: lenders still silent are marked late. */
export async function closeAtDeadline(ctx: AppContext, formId: string): Promise<void> {
  await withTx(ctx.pool, async (tx) => {
    const form = await formById(tx, formId, true);
    if (form?.status !== 'collecting') return;
    await tx.query(
      `UPDATE broker.form_lenders SET status = 'late', detail = 'кредитор не ответил до срока', answered_at = now()
       WHERE form_id = $1 AND status = 'pending'`,
      [formId],
    );
    await closeCollection(tx, form.id);
  });
}
