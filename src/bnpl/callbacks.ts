import { createHmac } from 'node:crypto';
import { enqueue } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { formatRoubles } from '../platform/money.ts';
import { callbackSecret } from './merchants.ts';
import type { Session } from './sessions.ts';

/** The header carrying `sha256=<hex HMAC-SHA256 of the raw body with the merchant's callback secret>`. */
export const SIGNATURE_HEADER = 'X-Moneywall-Signature';
export const CALLBACK_MAX_ATTEMPTS = 12;
const CALLBACK_TIMEOUT_MS = 10_000;

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * Queues the decision's callback in the caller's transaction (the outbox): approval goes to
 * `success_callback_url`, a decline or cancellation to `failure_callback_url`. One per kind and
 * session: a second decision of the same kind changes nothing; none for an empty URL.
 */
export async function queueCallback(
  db: Queryable,
  session: Session,
  kind: 'success' | 'failure',
  fields: { state: string; reason?: string },
): Promise<void> {
  const url = kind === 'success' ? session.successCallbackUrl : session.failureCallbackUrl;
  // A session opened for the broker's in-house lender has no merchant to call: the broker asks.
  if (url === '') return;
  const body = JSON.stringify({
    id: Number(session.id),
    order_id: session.orderId,
    state: fields.state,
    amount: formatRoubles(session.amount),
    ...(fields.reason ? { reason: fields.reason } : {}),
  });
  const { rows } = await db.query<{ id: bigint }>(
    `INSERT INTO bnpl.callbacks (session_id, kind, url, body) VALUES ($1, $2, $3, $4)
     ON CONFLICT (session_id, kind) DO NOTHING RETURNING id`,
    [session.id, kind, url, body],
  );
  if (rows[0]) await enqueue(db, 'bnpl:callback', { id: rows[0].id }, { maxAttempts: CALLBACK_MAX_ATTEMPTS });
}

/**
 * Job `bnpl:callback`: one POST of the stored body, signed; any 2xx delivers, anything else (or
 * no answer in 10 s) is logged and thrown so the queue retries with its backoff.
 */
export async function deliverCallback(
  ctx: AppContext,
  id: string,
  attempt: number,
  maxAttempts: number,
): Promise<void> {
  const { rows } = await ctx.pool.query<{
    url: string;
    body: string;
    status: string;
    merchant_id: bigint;
  }>(
    `SELECT c.url, c.body, c.status, s.merchant_id FROM bnpl.callbacks c
     JOIN bnpl.sessions s ON s.id = c.session_id WHERE c.id = $1`,
    [id],
  );
  const row = rows[0];
  if (row?.status !== 'pending') return;
  const secret = await callbackSecret(ctx.pool, ctx.cipher, row.merchant_id);
  const started = Date.now();
  let httpStatus: number | null = null;
  let error: string | null = null;
  try {
    const response = await fetch(row.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signBody(secret, row.body) },
      body: row.body,
      signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
    });
    httpStatus = response.status;
    await response.body?.cancel();
    if (response.status < 200 || response.status > 299) error = `HTTP ${response.status}`;
  } catch (e) {
    error = (e as Error).message.slice(0, 300);
  }
  const ms = Date.now() - started;
  await ctx.pool.query(
    `INSERT INTO bnpl.callback_attempts (callback_id, attempt, http_status, error, duration_ms) VALUES ($1,$2,$3,$4,$5)`,
    [id, attempt, httpStatus, error, ms],
  );
  await ctx.pool.query(
    `UPDATE bnpl.callbacks SET attempts = attempts + 1, last_http_status = $2, last_error = $3,
       status = CASE WHEN $3::text IS NULL THEN 'delivered' WHEN $4 THEN 'failed' ELSE 'pending' END,
       delivered_at = CASE WHEN $3::text IS NULL THEN now() ELSE NULL END
     WHERE id = $1`,
    [id, httpStatus, error, attempt >= maxAttempts],
  );
  if (error) throw new Error(`callback ${id}: ${error}`);
}

export interface CallbackRow {
  id: bigint;
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

/** Callbacks, newest first, for staff (`kopek bnpl callbacks`, the console later). */
export async function listCallbacks(
  db: Queryable,
  filter: { status?: string; limit?: number } = {},
): Promise<CallbackRow[]> {
  const { rows } = await db.query<{
    id: bigint;
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
    `SELECT c.id, s.order_id, c.kind, c.url, c.status, c.attempts, c.last_http_status, c.last_error, c.created_at,
       c.delivered_at
     FROM bnpl.callbacks c JOIN bnpl.sessions s ON s.id = c.session_id
     WHERE $1::text IS NULL OR c.status = $1 ORDER BY c.id DESC LIMIT $2`,
    [filter.status ?? null, filter.limit ?? 50],
  );
  return rows.map((r) => ({
    id: r.id,
    orderId: r.order_id,
    kind: r.kind,
    url: r.url,
    status: r.status,
    attempts: r.attempts,
    lastHttpStatus: r.last_http_status,
    lastError: r.last_error,
    createdAt: r.created_at,
    deliveredAt: r.delivered_at,
  }));
}
