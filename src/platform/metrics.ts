import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Pool } from './db/pool.ts';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
}

/** Prometheus metrics of one process: HTTP per route, the DB pool, the job queue, Node itself. */
export function createMetrics(pool: Pool): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kopek_' });
  const httpDuration = new Histogram({
    name: 'kopek_http_request_duration_seconds',
    help: 'HTTP request latency by route; its _count is the request rate',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'kopek_db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  new Gauge({
    name: 'kopek_job_queue_depth',
    help: 'Jobs in the queue: ready to run, scheduled for later, locked (running), failed for good',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      try {
        const { rows } = await pool.query<{ ready: bigint; later: bigint; running: bigint; failed: bigint }>(
          `SELECT count(*) FILTER (WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts) AS ready,
                  count(*) FILTER (WHERE locked_at IS NULL AND run_at > now() AND attempts < max_attempts) AS later,
                  count(*) FILTER (WHERE locked_at IS NOT NULL) AS running,
                  count(*) FILTER (WHERE attempts >= max_attempts) AS failed
           FROM graphile_worker.jobs`,
        );
        const r = rows[0]!;
        this.set({ state: 'ready' }, Number(r.ready));
        this.set({ state: 'scheduled' }, Number(r.later));
        this.set({ state: 'running' }, Number(r.running));
        this.set({ state: 'failed' }, Number(r.failed));
      } catch {
        // Database unreachable: /readyz says so; the gauge keeps its last value.
      }
    },
  });
  return { registry, httpDuration };
}
