import os from 'node:os';
import type { Pool } from 'pg';
import type { Logger as Pino } from 'pino';
import type { Queryable } from '../platform/db/pool.ts';
import { withTx } from '../platform/db/tx.ts';

/** How often a process refreshes `seen_at` of its workers. */
export const HEARTBEAT_MS = 15_000;
/** A worker not seen for this long is dead: its jobs go back to the queue. */
export const STALE_AFTER_MS = 60_000;

export const UNLOCK_DEAD_WORKERS = 'jobs:unlock_dead_workers';

/**
 * Keeps `jobs.workers` rows for this process's graphile-worker worker pools (the id jobs are
 * locked with): inserted when a pool is created, `seen_at` refreshed every `everyMs`, deleted when the worker or the process stops
 * cleanly. Upserts, so a row swept while the database was unreachable comes back.
 */
export class Heartbeat {
  private readonly ids = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly db: Pool,
    private readonly log: Pino,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.beat(), this.everyMs);
    this.timer.unref();
  }

  add(workerId: string): void {
    this.ids.add(workerId);
    this.beat([workerId]);
  }

  remove(workerId: string): void {
    this.ids.delete(workerId);
    if (this.stopped) return; // stop() deletes every row of this process
    this.chain(async () => {
      await this.db.query('DELETE FROM jobs.workers WHERE worker_id = $1', [workerId]);
    });
  }

  /** Refreshes the given workers (all of this process's by default), never throwing. */
  beat(ids: string[] = [...this.ids]): void {
    if (this.stopped || ids.length === 0) return;
    this.chain(async () => {
      await this.db.query(
        `INSERT INTO jobs.workers (worker_id, pid, host)
         SELECT unnest($1::text[]), $2, $3
         ON CONFLICT (worker_id) DO UPDATE SET seen_at = now(), pid = EXCLUDED.pid, host = EXCLUDED.host`,
        [ids, process.pid, os.hostname()],
      );
    });
  }

  /** A clean stop: no more beats, and this process's rows are gone (nothing of it is left locked). */
  async stop(workerIds: string[]): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.inFlight;
    const ids = [...new Set([...workerIds, ...this.ids])];
    if (ids.length > 0)
      await this.db
        .query('DELETE FROM jobs.workers WHERE worker_id = ANY($1::text[])', [ids])
        .catch((error: unknown) => this.log.warn({ err: error }, 'job workers: could not unregister'));
  }

  /** Writes one after another, so a delete never overtakes the insert of the same worker. */
  private chain(write: () => Promise<void>): void {
    this.inFlight = this.inFlight.then(write).catch((error: unknown) => {
      // The database may be away (a restart); the next beat registers again.
      this.log.warn({ err: error }, 'job workers: heartbeat failed');
    });
  }
}

/**
 * Hands the jobs of workers not seen for `staleAfterMs` back to the queue and forgets those
 * workers, in one transaction. `graphile_worker.force_unlock_workers` is the function
 * graphile-worker's `WorkerUtils.forceUnlockWorkers` calls; calling it here keeps the delete and
 * the unlock atomic. Returns the worker ids released.
 */
export async function unlockDeadWorkers(db: Pool, staleAfterMs: number): Promise<string[]> {
  return withTx(db, async (tx: Queryable) => {
    const { rows } = await tx.query<{ worker_id: string }>(
      `DELETE FROM jobs.workers
        WHERE seen_at < now() - make_interval(secs => $1::double precision / 1000)
        RETURNING worker_id`,
      [staleAfterMs],
    );
    const ids = rows.map((r) => r.worker_id);
    if (ids.length > 0) await tx.query('SELECT graphile_worker.force_unlock_workers($1::text[])', [ids]);
    return ids;
  });
}
