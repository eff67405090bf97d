import { randomUUID } from 'node:crypto';
import { enqueue } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import type { Tx } from '../platform/db/tx.ts';
import { withTx } from '../platform/db/tx.ts';
import type { FormRow } from './access.ts';
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

/** A form still collecting, with the lenders it still waits for. */
interface Collecting {
  form: FormRow;
  lenders: PendingLender[];
}

/**
 * The forms among `formIds` still collecting, each with its pending lenders (all, or only
 * `lenderId`) and their route mappings: one statement for a whole batch.
 */
async function collectingForms(
  ctx: AppContext,
  formIds: readonly string[],
  lenderId?: string,
): Promise<Collecting[]> {
  const { rows } = await ctx.pool.query<
    FormRow & { lender_ids: bigint[]; mappings: (FieldMapping | null)[] }
  >({
    name: 'broker.collecting_forms',
    text: `SELECT f.id, f.guid::text AS guid, f.partner_id, f.kind, f.offline, f.status, f.offer_status,
         f.phone_enc, f.payload_enc, f.amount, f.initial_payment, f.term_value, f.deadline_at, f.confirmed_offer_id,
         array_agg(fl.lender_id ORDER BY fl.lender_id) AS lender_ids,
         json_agg(r.mapping ORDER BY fl.lender_id) AS mappings
       FROM broker.forms f
       JOIN broker.form_lenders fl ON fl.form_id = f.id AND fl.status = 'pending'
         AND ($2::bigint IS NULL OR fl.lender_id = $2)
       LEFT JOIN broker.routes r ON r.partner_id = f.partner_id AND r.kind = f.kind AND r.lender_id = fl.lender_id
       WHERE f.id = ANY($1::bigint[]) AND f.status = 'collecting'
       GROUP BY f.id ORDER BY f.id`,
    values: [formIds, lenderId ?? null],
  });
  return rows.map(({ lender_ids, mappings, ...form }) => ({
    form,
    lenders: lender_ids.map((id, i) => ({ lenderId: id, mapping: mappings[i] ?? {} })),
  }));
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

interface Answer {
  lenderId: bigint;
  outcome: Outcome;
}

interface QueuedAnswers {
  formId: bigint;
  answers: Answer[];
  settle: (error?: unknown) => void;
}

/** Answers gather this long before they are written together. */
const GATHER_MS = 10;
/** Forms per write: the lock statement and the arrays stay small. */
const GROUP_FORMS = 200;
/** Writes in flight at once per process: the next group gathers while they commit. */
const PARALLEL_WRITES = 4;

/**
 * Group commit of lenders' answers. Every answer waits a few milliseconds for others (of any
 * form, any collect job of this process) and they are written together: one transaction of three
 * statements (plus BEGIN and COMMIT) for the group instead of one per form (bench/broker: ~1,500
 * answers a second at 500 forms/s).
 * If a group fails, each of its forms is written on its own, so one broken answer fails only
 * its own form's job.
 */
class AnswerWriter {
  private queue: QueuedAnswers[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing = 0;

  constructor(private readonly ctx: AppContext) {}

  write(formId: bigint, answers: Answer[]): Promise<void> {
    if (answers.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ formId, answers, settle: (e) => (e ? reject(e) : resolve()) });
      this.schedule();
    });
  }

  private schedule(): void {
    // A write in progress takes up what gathered meanwhile when it ends.
    if (this.writing >= PARALLEL_WRITES || this.queue.length === 0) return;
    if (this.queue.length >= GROUP_FORMS) {
      clearTimeout(this.timer);
      this.timer = undefined;
      void this.flush();
    } else
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, GATHER_MS);
  }

  private async flush(): Promise<void> {
    const group = this.queue.splice(0, GROUP_FORMS);
    if (group.length === 0) return;
    this.writing++;
    try {
      await recordAnswers(this.ctx, group);
      for (const q of group) q.settle();
    } catch (error) {
      if (group.length === 1) group[0]!.settle(error);
      else
        for (const q of group)
          await recordAnswers(this.ctx, [q]).then(
            () => q.settle(),
            (e: unknown) => q.settle(e),
          );
    } finally {
      this.writing--;
      this.schedule();
    }
  }
}

const writers = new WeakMap<AppContext, AnswerWriter>();

function writerFor(ctx: AppContext): AnswerWriter {
  const writer = writers.get(ctx) ?? new AnswerWriter(ctx);
  writers.set(ctx, writer);
  return writer;
}

/**
 * Writes lenders' answers for many forms under their row locks, in one transaction of three
 * statements (lock, answers with their offers, close) whatever the number of forms, lenders
 * and offers. An answer that arrives after its form's collection closed is kept as `late` and
 * its offers stay out; a lender's offers go in only with the answer that moved it from
 * `pending`; a form no lender is pending for any more closes.
 */
async function recordAnswers(ctx: AppContext, group: QueuedAnswers[]): Promise<void> {
  // One entry per (form, lender): the first answer counts, as it would in separate writes.
  const byForm = new Map<bigint, Map<bigint, Outcome>>();
  for (const q of group) {
    const lenders = byForm.get(q.formId) ?? new Map<bigint, Outcome>();
    for (const a of q.answers) if (!lenders.has(a.lenderId)) lenders.set(a.lenderId, a.outcome);
    byForm.set(q.formId, lenders);
  }
  await withTx(ctx.pool, async (tx) => {
    // In id order, as every other batch lock of forms: concurrent groups cannot deadlock.
    const { rows: locked } = await tx.query<{ id: bigint; status: string; kind: 'pos' | 'bnpl' }>({
      name: 'broker.lock_answered_forms',
      text: `SELECT id, status, kind FROM broker.forms WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
      values: [[...byForm.keys()]],
    });
    const answers: { formId: bigint; lenderId: bigint; status: string; detail: string | null }[] = [];
    const offers: { formId: bigint; lenderId: bigint; mode: string; o: LenderOffer }[] = [];
    const open: bigint[] = [];
    for (const form of locked) {
      const late = form.status !== 'collecting';
      if (!late) open.push(form.id);
      for (const [lenderId, outcome] of byForm.get(form.id)!) {
        answers.push({
          formId: form.id,
          lenderId,
          status: late ? 'late' : outcome.status,
          detail: 'detail' in outcome ? outcome.detail : null,
        });
        if (!late && outcome.status === 'offered')
          for (const o of outcome.offers)
            offers.push({
              formId: form.id,
              lenderId,
              mode: form.kind === 'bnpl' ? 'payment_link' : 'sms',
              o,
            });
      }
    }
    if (answers.length === 0) return;
    const col = <T>(pick: (x: (typeof offers)[number]) => T) => offers.map(pick);
    // `fl.form_id = ANY($1)` keeps the rows found through the primary key: joined on the keys
    // alone, statistics that saw no pending row (taken between bursts) made the planner hash a
    // scan of the whole table, 13 -> 48 ms a batch in the bench.
    await tx.query({
      name: 'broker.record_answers',
      text: `WITH u AS (
         UPDATE broker.form_lenders fl SET status = a.status, detail = a.detail, answered_at = now()
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS a(form_id, lender_id, status, detail)
         WHERE fl.form_id = ANY($1::bigint[]) AND fl.form_id = a.form_id AND fl.lender_id = a.lender_id
           AND fl.status = 'pending'
         RETURNING fl.form_id, fl.lender_id, fl.status)
       INSERT INTO broker.offers (guid, form_id, lender_id, lender_offer_id, name, initial_payment, amount,
         life_insurance_sum, work_insurance_sum, term_value, term_unit, regular_payment_amount, regular_period_type,
         payments_count, rate, total_cost, status, signing_mode)
       SELECT x.guid, x.form_id, x.lender_id, x.offer_id, x.name, x.initial, x.amount, x.life, x.work, x.term_value,
         x.term_unit, x.regular, x.period, x.payments, x.rate, x.total, 'offered', x.mode
       FROM unnest($5::uuid[], $6::bigint[], $7::bigint[], $8::text[], $9::text[], $10::bigint[], $11::bigint[],
              $12::bigint[], $13::bigint[], $14::int[], $15::text[], $16::bigint[], $17::text[], $18::int[],
              $19::numeric[], $20::bigint[], $21::text[])
         WITH ORDINALITY AS x(guid, form_id, lender_id, offer_id, name, initial, amount, life, work, term_value,
              term_unit, regular, period, payments, rate, total, mode, n)
       JOIN u ON u.form_id = x.form_id AND u.lender_id = x.lender_id AND u.status = 'offered'
       ORDER BY x.n
       ON CONFLICT (form_id, lender_id, lender_offer_id) DO NOTHING`,
      values: [
        answers.map((a) => a.formId),
        answers.map((a) => a.lenderId),
        answers.map((a) => a.status),
        answers.map((a) => a.detail),
        col(() => randomUUID()),
        col((x) => x.formId),
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
        col((x) => x.mode),
      ],
    });
    if (open.length > 0) await closeCollections(tx, open, true);
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
  const [c] = await collectingForms(ctx, [formId], lenderId);
  const pending = c?.lenders[0];
  if (!c || !pending) return;
  const fields = JSON.parse(ctx.cipher.decrypt(c.form.payload_enc)) as Record<string, unknown>;
  const outcome = await askLender(ctx, c.form, fields, pending, attempt, maxAttempts);
  await writerFor(ctx).write(c.form.id, [{ lenderId: pending.lenderId, outcome }]);
}

/** Answers that arrive this long before the deadline are written together with the others. */
const BATCH_MARGIN_MS = 1000;

/**
 * Asks every pending lender of one form at once, so the form waits for its slowest lender rather
 * than the sum. The answers that arrive before the deadline (less a margin) are written
 * together; a later one is written as it comes. A lender that could not be reached gets a job of
 * its own (`broker:score`) to retry it while the deadline allows.
 */
async function collectForm(ctx: AppContext, { form, lenders }: Collecting): Promise<void> {
  const deadline = form.deadline_at.getTime();
  if (Date.now() >= deadline) return;
  const writer = writerFor(ctx);
  const fields = JSON.parse(ctx.cipher.decrypt(form.payload_enc)) as Record<string, unknown>;
  const settled: Answer[] = [];
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
        else track(writer.write(form.id, [{ lenderId: p.lenderId, outcome }]));
      },
      () => {
        track(retryLater(ctx, String(form.id), p.lenderId));
      },
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(calls),
    new Promise((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now() - BATCH_MARGIN_MS));
    }),
  ]);
  clearTimeout(timer);
  batched = true;
  await writer.write(form.id, settled.splice(0));
  await Promise.all(calls);
  await Promise.all(late);
  if (failure) throw failure;
}

/**
 * Job `broker:collect` for one form (the payload of older releases): schedules the deadline job
 * (`broker:close_offers` at the form's deadline), then asks its lenders.
 */
export async function collectOffers(ctx: AppContext, formId: string, deadline: Date): Promise<void> {
  // The deadline job exists before any lender is asked; a retry of this job replaces it (job key).
  await enqueue(
    ctx.pool,
    'broker:close_offers',
    { formId },
    { runAt: deadline, maxAttempts: 10, jobKey: `broker:close_offers:${formId}` },
  );
  if (Date.now() >= deadline.getTime()) return;
  await collectForms(ctx, [formId]);
}

/**
 * Job `broker:collect` for a batch of forms (create_form's dispatcher, `dispatch.ts`): one
 * deadline job for the batch, the batch's forms and pending lenders in one statement, then
 * every form's lenders at once; the answers go through this process's group commit. A form that
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
  await collectForms(
    ctx,
    forms.map((f) => f.formId),
  );
}

async function collectForms(ctx: AppContext, formIds: string[]): Promise<void> {
  const results = await Promise.allSettled(
    (await collectingForms(ctx, formIds)).map((c) => collectForm(ctx, c)),
  );
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
 * Ends offer collection of forms the caller has locked and found collecting (all lenders
 * answered, or the deadline came), in one statement: `done` with whatever offers arrived;
 * `declined` when none did and some lender declined; `error` when none answered.
 * `onlyWhenAnswered`: forms still waiting for a lender stay open.
 *
 * The forms are found by id alone: with `status = 'collecting'` here too, the planner could
 * start from the partial index of collecting forms (its statistics may say there are none) and
 * run the three EXISTS for every pair of collecting form and batch id — 32 ms a batch with a
 * few hundred forms collecting. The caller's lock keeps the status it read.
 */
async function closeCollections(tx: Tx, formIds: bigint[], onlyWhenAnswered: boolean): Promise<void> {
  await tx.query({
    name: 'broker.close_collections',
    text: `UPDATE broker.forms f SET status = c.status, offer_status = c.offer_status, closed_at = now(), updated_at = now()
     FROM (SELECT s.id,
             CASE WHEN s.offers THEN 'offers' WHEN s.declined THEN 'declined' ELSE 'error' END AS status,
             CASE WHEN s.offers THEN 'done' WHEN s.declined THEN 'declined' ELSE 'error' END AS offer_status,
             s.pending
           FROM (SELECT i.id,
                   EXISTS (SELECT 1 FROM broker.offers o WHERE o.form_id = i.id) AS offers,
                   EXISTS (SELECT 1 FROM broker.form_lenders d WHERE d.form_id = i.id AND d.status = 'declined') AS declined,
                   EXISTS (SELECT 1 FROM broker.form_lenders p WHERE p.form_id = i.id AND p.status = 'pending') AS pending
                 FROM unnest($1::bigint[]) AS i(id)) s) c
     WHERE f.id = c.id AND NOT ($2 AND c.pending)`,
    values: [formIds, onlyWhenAnswered],
  });
}

/**
 * Job `broker:close_offers` of a batch, at its deadline: the forms still collecting (usually
 * none) are closed with what arrived, their silent lenders marked late, in one transaction.
 */
export async function closeManyAtDeadline(ctx: AppContext, formIds: string[]): Promise<void> {
  const { rows } = await ctx.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM broker.forms WHERE id = ANY($1::bigint[]) AND status = 'collecting'`,
    [formIds],
  );
  if (rows[0]!.n === 0) return;
  await withTx(ctx.pool, async (tx) => {
    const { rows: open } = await tx.query<{ id: bigint }>(
      `SELECT id FROM broker.forms WHERE id = ANY($1::bigint[]) AND status = 'collecting' ORDER BY id FOR UPDATE`,
      [formIds],
    );
    if (open.length === 0) return;
    const ids = open.map((r) => r.id);
    await tx.query(
      `UPDATE broker.form_lenders SET status = 'late', detail = 'кредитор не ответил до срока', answered_at = now()
       WHERE form_id = ANY($1::bigint[]) AND status = 'pending'`,
      [ids],
    );
    await closeCollections(tx, ids, false);
  });
}

/** Job `broker:close_offers`, scheduled at the deadline: lenders still silent are marked late. */
export async function closeAtDeadline(ctx: AppContext, formId: string): Promise<void> {
  await closeManyAtDeadline(ctx, [formId]);
}
