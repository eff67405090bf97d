import type { Queryable } from '../../platform/db/pool.ts';
import { orderBy, type Page, type PageRequest, Where } from './paging.ts';

/**
 * Outgoing machine notifications for the messages screen: the BNPL callbacks to merchants
 * (stored with every attempt in bnpl.callbacks) and the processing "balance below threshold"
 * webhooks to agents. The latter are not stored by the processing module: they live only as
 * `processing:balance_notification` jobs while waiting, retrying or failed for good, so the
 * console reads those jobs (a delivered webhook leaves no trace but its agent's balance).
 */
export interface CallbackRow {
  id: bigint;
  sessionId: bigint;
  merchant: string;
  orderId: string;
  kind: string;
  url: string;
  status: string;
  attempts: number;
  lastHttpStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
}

export const CALLBACK_SORTS = { createdAt: 'c.created_at', attempts: 'c.attempts' } as const;
export type CallbackSort = keyof typeof CALLBACK_SORTS;

export async function searchCallbacks(
  db: Queryable,
  filter: { status?: string },
  page: PageRequest<CallbackSort>,
): Promise<Page<CallbackRow>> {
  const where = new Where();
  where.addIf(Boolean(filter.status), 'c.status = $?', filter.status);
  const from = `FROM bnpl.callbacks c JOIN bnpl.sessions s ON s.id = c.session_id
    JOIN bnpl.merchants m ON m.id = s.merchant_id ${where.sql()}`;
  const [rows, count] = await Promise.all([
    db.query<{
      id: bigint;
      session_id: bigint;
      merchant: string;
      order_id: string;
      kind: string;
      url: string;
      status: string;
      attempts: number;
      last_http_status: number | null;
      last_error: string | null;
      created_at: Date;
      delivered_at: Date | null;
    }>(
      `SELECT c.id, c.session_id, m.code AS merchant, s.order_id, c.kind, c.url, c.status, c.attempts,
              c.last_http_status, c.last_error, c.created_at, c.delivered_at
       ${from} ${orderBy(CALLBACK_SORTS, page, 'c.created_at')}, c.id DESC LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    db.query<{ n: bigint }>(`SELECT count(*) AS n ${from}`, where.values),
  ]);
  return {
    total: Number(count.rows[0]!.n),
    rows: rows.rows.map((r) => ({
      id: r.id,
      sessionId: r.session_id,
      merchant: r.merchant,
      orderId: r.order_id,
      kind: r.kind,
      url: r.url,
      status: r.status,
      attempts: r.attempts,
      lastHttpStatus: r.last_http_status,
      lastError: r.last_error,
      createdAt: r.created_at,
      deliveredAt: r.delivered_at,
    })),
  };
}

export interface WebhookJobRow {
  jobId: bigint;
  agentId: string;
  agent: string | null;
  available: string;
  notification: string;
  at: string;
  state: 'queued' | 'running' | 'retrying' | 'failed';
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  runAt: Date;
}

/** Newest first, at most `limit`. Reads the queue's tables (graphile-worker keeps payloads there). */
export async function pendingWebhooks(db: Queryable, limit = 200): Promise<WebhookJobRow[]> {
  const { rows } = await db.query<{
    id: bigint;
    payload: { agentId?: string; available?: string; notification?: string; at?: string } | null;
    attempts: number;
    max_attempts: number;
    last_error: string | null;
    run_at: Date;
    running: boolean;
    agent: string | null;
  }>(
    `SELECT j.id, j.payload, j.attempts, j.max_attempts, j.last_error, j.run_at, j.locked_at IS NOT NULL AS running,
            a.login AS agent
     FROM graphile_worker._private_jobs j
     JOIN graphile_worker._private_tasks t ON t.id = j.task_id
     LEFT JOIN processing.agents a ON a.id::text = j.payload->>'agentId'
     WHERE t.identifier = 'processing:balance_notification'
     ORDER BY j.created_at DESC, j.id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    jobId: r.id,
    agentId: String(r.payload?.agentId ?? ''),
    agent: r.agent,
    available: String(r.payload?.available ?? ''),
    notification: String(r.payload?.notification ?? ''),
    at: String(r.payload?.at ?? ''),
    state:
      r.attempts >= r.max_attempts
        ? 'failed'
        : r.running
          ? 'running'
          : r.attempts > 0
            ? 'retrying'
            : 'queued',
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lastError: r.last_error,
    runAt: r.run_at,
  }));
}
