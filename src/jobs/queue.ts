import { EventEmitter } from 'node:events';
import { Logger, type Runner, run, runMigrations, type TaskList, type WorkerEvents } from 'graphile-worker';
import type { Logger as Pino } from 'pino';
import { createPool, type Queryable } from '../platform/db/pool.ts';
import { bigintAsString } from '../platform/json.ts';
import {
  HEARTBEAT_MS,
  Heartbeat,
  STALE_AFTER_MS,
  UNLOCK_DEAD_WORKERS,
  unlockDeadWorkers,
} from './heartbeat.ts';

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
  /** Liveness of the workers (`jobs.workers`): refresh interval and when a silent one is dead. */
  heartbeat?: { everyMs?: number; staleAfterMs?: number };
}): Promise<Worker> {
  // A pool of our own making: it survives a database restart without an unhandled 'error' event,
  // and it is ended only after the runner has let go of it.
  const pool = createPool(options.connectionString, options.concurrency + 3, {
    applicationName: 'kopek-jobs',
    driverTypes: true,
  });
  const staleAfterMs = options.heartbeat?.staleAfterMs ?? STALE_AFTER_MS;
  const heartbeat = new Heartbeat(pool, options.log, options.heartbeat?.everyMs ?? HEARTBEAT_MS);
  const unlockDead = async () => {
    const ids = await unlockDeadWorkers(pool, staleAfterMs);
    if (ids.length > 0) options.log.warn({ workers: ids }, 'jobs of dead workers handed back to the queue');
  };
  const jobs: JobDefinition[] = [
    ...options.jobs,
    // Jobs of a killed process would stay locked for graphile-worker's 4 hours otherwise.
    { name: UNLOCK_DEAD_WORKERS, cron: '* * * * *', handler: unlockDead },
  ];
  const taskList: TaskList = {};
  for (const job of jobs) {
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
  const crontab = jobs
    .filter((j) => j.cron)
    .map((j) => `${j.cron} ${j.name}`)
    .join('\n');
  // graphile-worker 0.17 locks jobs with the id of the worker pool (one per runner), not of the
  // single workers: that id is registered as soon as the pool exists, and removed when it is
  // released cleanly.
  const events: WorkerEvents = new EventEmitter();
  const workerIds: string[] = [];
  events.on('pool:create', ({ workerPool }) => {
    workerIds.push(workerPool.id);
    heartbeat.add(workerPool.id);
  });
  events.on('pool:release', ({ workerPool }) => heartbeat.remove(workerPool.id));
  heartbeat.start();
  // A restart after a crash releases what the dead process held once it is stale.
  await unlockDead().catch((error: unknown) =>
    options.log.warn({ err: error }, 'jobs: could not release the jobs of dead workers'),
  );
  const runner: Runner = await run({
    events,
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
        await heartbeat.stop(workerIds);
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
