import type { Queryable } from '../platform/db/pool.ts';

/** Delivery attempts of agents' webhooks are kept this long (processing:prune_webhook_log). */
export const WEBHOOK_LOG_DAYS = 90;

/** One delivery attempt of an agent's webhook (processing.webhook_deliveries). */
export interface WebhookDelivery {
  agentId: bigint;
  event: string;
  jobId: string | null;
  attempt: number;
  /** The webhook's address without its query or userinfo (they may carry a key). */
  url: string;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
}

export interface WebhookDeliveryRow extends WebhookDelivery {
  id: bigint;
  at: Date;
}

export function shownUrl(raw: string): string {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(неверный адрес)';
  }
}

export async function recordDelivery(db: Queryable, d: WebhookDelivery): Promise<void> {
  await db.query(
    `INSERT INTO processing.webhook_deliveries (agent_id, event, job_id, attempt, url, status_code, duration_ms, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [d.agentId, d.event, d.jobId, d.attempt, d.url, d.statusCode, d.durationMs, d.error],
  );
}

/** The latest attempts for an agent, newest first. */
export async function agentDeliveries(
  db: Queryable,
  agentId: bigint,
  limit = 100,
): Promise<WebhookDeliveryRow[]> {
  const { rows } = await db.query<{
    id: bigint;
    agent_id: bigint;
    event: string;
    job_id: string | null;
    attempt: number;
    url: string;
    status_code: number | null;
    duration_ms: number;
    error: string | null;
    at: Date;
  }>(
    `SELECT id, agent_id, event, job_id, attempt, url, status_code, duration_ms, error, at
     FROM processing.webhook_deliveries WHERE agent_id = $1 ORDER BY id DESC LIMIT $2`,
    [agentId, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    agentId: r.agent_id,
    event: r.event,
    jobId: r.job_id,
    attempt: r.attempt,
    url: r.url,
    statusCode: r.status_code,
    durationMs: r.duration_ms,
    error: r.error,
    at: r.at,
  }));
}

/** Forgets attempts older than WEBHOOK_LOG_DAYS; returns how many. */
export async function pruneDeliveries(db: Queryable, days = WEBHOOK_LOG_DAYS): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM processing.webhook_deliveries WHERE at < now() - make_interval(days => $1)`,
    [days],
  );
  return rowCount ?? 0;
}
