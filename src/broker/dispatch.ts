import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';

/**
 * create_form's outbox. A form commits without a job of its own (an `add_job` per form was the
 * dearest part of the create call: a task upsert, the job row and a NOTIFY that serialises
 * commits); the form row itself is the outbox entry (`dispatched_at IS NULL`). This process
 * gathers the forms it created over FLUSH_MS (or until a batch is full) and hands them to one
 * `broker:collect` job per batch, enqueued with their dispatch mark in one statement. Fewer,
 * fuller jobs: each holds a worker slot while its slowest lender answers, and each costs the
 * queue a NOTIFY here and two statements in the job process. A form a crashed process
 * never dispatched is picked up by the `broker:dispatch_sweep` job a few seconds later.
 */
const FLUSH_MS = 50;
/** Forms per collect job: one worker slot then covers the slowest lender of all of them. */
export const BATCH_FORMS = 50;
/** Undispatched this long after commit: its process is gone (or stuck); the sweep takes it. */
const SWEEP_AFTER_S = 5;

const queued = new Map<AppContext, bigint[]>();
let timer: NodeJS.Timeout | undefined;
let flushing: Promise<void> | undefined;

/** After the form committed: its lenders are asked within a few milliseconds. */
export function dispatchSoon(ctx: AppContext, formId: bigint): void {
  const list = queued.get(ctx) ?? [];
  list.push(formId);
  queued.set(ctx, list);
  if (list.length >= BATCH_FORMS && !flushing) {
    clearTimeout(timer);
    timer = undefined;
    void flushAll();
  } else timer ??= setTimeout(() => void flushAll(), FLUSH_MS);
}

async function flushAll(): Promise<void> {
  timer = undefined;
  // One flush at a time: the next batch gathers while this one is written.
  if (flushing) {
    timer ??= setTimeout(() => void flushAll(), FLUSH_MS);
    return;
  }
  const work = [...queued.entries()];
  queued.clear();
  flushing = (async () => {
    for (const [ctx, ids] of work) {
      try {
        await dispatchForms(ctx.pool, { ids });
      } catch (error) {
        // The forms stay undispatched; the sweep job enqueues them a few seconds later.
        ctx.log.warn({ err: error, forms: ids.length }, 'broker: dispatch failed, left to the sweep');
      }
    }
  })();
  await flushing;
  flushing = undefined;
}

/** Waits until every form created so far in this process has been handed to a job (tests, shutdown). */
export async function drainDispatch(): Promise<void> {
  while (timer || flushing || queued.size > 0) {
    if (flushing) await flushing;
    else {
      clearTimeout(timer);
      await flushAll();
    }
  }
}

/**
 * Marks forms dispatched and enqueues their collect jobs (BATCH_FORMS forms a job), in one
 * statement: either both happen or neither. `ids`: these forms; `sweep`: forms left undispatched.
 */
export async function dispatchForms(
  db: Queryable,
  which: { ids: bigint[] } | { sweep: true },
): Promise<number> {
  const { rows } = await db.query<{ forms: number }>(
    `WITH f AS (
       UPDATE broker.forms SET dispatched_at = now()
       WHERE id IN (SELECT id FROM broker.forms WHERE dispatched_at IS NULL AND
         ${'ids' in which ? 'id = ANY($1::bigint[])' : `created_at < now() - interval '${SWEEP_AFTER_S} seconds' ORDER BY created_at LIMIT 5000`}
         FOR UPDATE SKIP LOCKED)
       RETURNING id, deadline_at),
     b AS (
       SELECT (row_number() OVER (ORDER BY id) - 1) / ${BATCH_FORMS} AS n,
         json_build_object('formId', id::text, 'deadline', deadline_at) AS form FROM f),
     j AS (
       SELECT count(*) FROM graphile_worker.add_jobs(array(
         SELECT ROW('broker:collect', json_build_object('forms', json_agg(form)), NULL, NULL, 5, NULL, NULL, NULL)::graphile_worker.job_spec
         FROM b GROUP BY n)))
     SELECT (SELECT count(*) FROM f)::int AS forms, (SELECT * FROM j) AS jobs`,
    'ids' in which ? [which.ids.map(String)] : [],
  );
  return rows[0]!.forms;
}
