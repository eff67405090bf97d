import type { Queryable } from '../platform/db/pool.ts';

/**
 * The provider exchanges of one payment (processing.provider_exchanges), oldest first. They are
 * written by the settlement statement itself (migrations/0020_processing_log.sql), so a pay
 * spends no statement on them; checks are not stored (a check writes nothing to the database,
 * see docs/processing.md, "Logs").
 */
export interface ExchangeRow {
  id: bigint;
  command: 'check' | 'pay' | 'status';
  startedAt: Date;
  durationMs: number;
  request: { url: string; params: Record<string, string | string[]> };
  httpStatus: number | null;
  providerCode: string | null;
  result: number;
  comment: string | null;
  body: string | null;
  error: string | null;
}

export async function paymentExchanges(db: Queryable, paymentId: bigint): Promise<ExchangeRow[]> {
  const { rows } = await db.query<{
    id: bigint;
    command: ExchangeRow['command'];
    started_at: Date;
    duration_ms: number;
    request: ExchangeRow['request'];
    http_status: number | null;
    provider_code: string | null;
    result: number;
    comment: string | null;
    body: string | null;
    error: string | null;
  }>(
    `SELECT id, command, started_at, duration_ms, request, http_status, provider_code, result, comment, body, error
     FROM processing.provider_exchanges WHERE payment_id = $1 ORDER BY id`,
    [paymentId],
  );
  return rows.map((r) => ({
    id: r.id,
    command: r.command,
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    request: r.request,
    httpStatus: r.http_status,
    providerCode: r.provider_code,
    result: r.result,
    comment: r.comment,
    body: r.body,
    error: r.error,
  }));
}
