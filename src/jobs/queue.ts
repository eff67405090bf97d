import { Logger, type Runner, run, runMigrations, type TaskList } from 'graphile-worker';
import type { Logger as Pino } from 'pino';
import { createPool, type Queryable } from '../platform/db/pool.ts';
import { bigintAsString } from '../platform/json.ts';

/**
 * The durable job queue: graphile-worker on the same PostgreSQL. Jobs are enqueued with plain SQL
 * in the caller's transaction, so a job exists if and only if the change it follows from committed.
 * Failed jobs are retried with exponential backoff (about exp(min(attempt, 10)) seconds) up to
 * `maxAttempts`; cron items fire once per scheduled minute across all Kopek processes.
 */
export type JobHandler = (
  payload: unknown,
  context: { attempt: number; maxAttempts: number; jobId: string },
) => Promise<void>;

export interface JobDefinition {
  /** `module:job_name` (graphile-worker allows letters, digits, `_`, `:`, `/`, `-`). */
  name: string;
  handler: JobHandler;
  /** A crontab schedule (`*\/5 * * * *`); the job then also runs on that schedule. */
  cron?: string;
}

export interface EnqueueOptions {
  runAt?: Date;
  maxAttempts?: number;
  /** Jobs with the same key replace each other while pending (debounce / dedupe). */
  jobKey?: string;
  /** Jobs in one named queue run one at a time, in order. */
  queue?: string;
}

/** Enqueues a job in the caller's transaction. Bigints in the payload arrive as decimal strings. */
export async function enqueue(
  db: Queryable,
  name: string,
  payload: unknown,
  options: EnqueueOptions = {},
): Promise<void> {
  await db.query(
    `SELECT graphile_worker.add_job($1, $2::json, queue_name => $3, run_at => $4, max_attempts => $5, job_key => $6)`,
    [
      name,
      JSON.stringify(payload ?? {}, bigintAsString),
      options.queue ?? null,
      options.runAt ?? null,
      options.maxAttempts ?? null,
      options.jobKey ?? null,
    ],
  );
}

/** Installs or upgrades the queue's own schema (run with Kopek's migrations). */
export async function migrateQueue(connectionString: string): Promise<void> {
  await runMigrations({ connectionString, logger: quietLogger() });
}

export interface Worker {
  stop(): Promise<void>;
}

export async function startWorker(options: {
  connectionString: string;
  jobs: JobDefinition[];
  concurrency: number;
  log: Pino;
}): Promise<Worker> {
  const taskList: TaskList = {};
  for (const job of options.jobs) {
    taskList[job.name] = async (payload, helpers) => {
      const started = Date.now();
      await job.handler(payload, {
        attempt: helpers.job.attempts,
        maxAttempts: helpers.job.max_attempts,
        jobId: String(helpers.job.id),
      });
      options.log.debug({ job: job.name, ms: Date.now() - started }, 'job done');
    };
  }
  const crontab = options.jobs
    .filter((j) => j.cron)
    .map((j) => `${j.cron} ${j.name}`)
    .join('\n');
  // A pool of our own making: it survives a database restart without an unhandled 'error' event,
  // and it is ended only after the runner has let go of it.
  const pool = createPool(options.connectionString, options.concurrency + 2, {
    applicationName: 'kopek-jobs',
    driverTypes: true,
  });
  const runner: Runner = await run({
    pgPool: pool,
    concurrency: options.concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    taskList,
    crontab,
    logger: pinoLogger(options.log),
    // Batched completion is flushed on shutdown; unbatched completion of a job that ends during
    // shutdown is lost (the job stays locked for hours, then runs again).
    preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
  return {
    async stop() {
      try {
        await runner.stop();
      } finally {
        await pool.end();
      }
    },
  };
}

function pinoLogger(log: Pino): Logger {
  return new Logger(() => (level, message, meta) => {
    const method =
      level === 'error' ? 'error' : level === 'warning' ? 'warn' : level === 'info' ? 'info' : 'debug';
    log[method]({ worker: meta }, message);
  });
}

function quietLogger(): Logger {
  return new Logger(() => () => undefined);
}
