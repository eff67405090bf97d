import type { Queryable } from '../../platform/db/pool.ts';
import type { Kopecks } from '../../platform/money.ts';
import { orderBy, type Page, type PageRequest, Where } from './paging.ts';

/**
 * The console's read model of BNPL: sessions (paged, by state and merchant), one session's state
 * history and its callbacks with every delivery attempt. Read-only; personal data stays encrypted.
 */
export interface BnplSessionRow {
  id: bigint;
  merchant: string;
  orderId: string;
  amount: Kopecks;
  state: string;
  step: string;
  dealNumber: string | null;
  declineReason: string | null;
  createdAt: Date;
}

export const BNPL_SORTS = { id: 's.id', amount: 's.amount', createdAt: 's.created_at' } as const;
export type BnplSort = keyof typeof BNPL_SORTS;

const SELECT = `SELECT s.id, m.code AS merchant, s.order_id, s.amount, s.state, s.step, d.number AS deal_number,
    s.decline_reason, s.created_at
  FROM bnpl.sessions s JOIN bnpl.merchants m ON m.id = s.merchant_id LEFT JOIN lending.deals d ON d.id = s.deal_id`;

interface Row {
  id: bigint;
  merchant: string;
  order_id: string;
  amount: bigint;
  state: string;
  step: string;
  deal_number: string | null;
  decline_reason: string | null;
  created_at: Date;
}

const toRow = (r: Row): BnplSessionRow => ({
  id: r.id,
  merchant: r.merchant,
  orderId: r.order_id,
  amount: r.amount,
  state: r.state,
  step: r.step,
  dealNumber: r.deal_number,
  declineReason: r.decline_reason,
  createdAt: r.created_at,
});

export async function searchBnplSessions(
  db: Queryable,
  filter: { state?: string; merchant?: string; orderId?: string },
  page: PageRequest<BnplSort>,
): Promise<Page<BnplSessionRow>> {
  const where = new Where();
  where.addIf(Boolean(filter.state), 's.state = $?', filter.state);
  where.addIf(Boolean(filter.merchant), 'm.code = $?', filter.merchant);
  where.addIf(Boolean(filter.orderId), 's.order_id = $?', filter.orderId);
  const [rows, count] = await Promise.all([
    db.query<Row>(
      `${SELECT} ${where.sql()} ${orderBy(BNPL_SORTS, page, 's.id')} LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    db.query<{ n: bigint }>(
      `SELECT count(*) AS n FROM bnpl.sessions s JOIN bnpl.merchants m ON m.id = s.merchant_id ${where.sql()}`,
      where.values,
    ),
  ]);
  return { total: Number(count.rows[0]!.n), rows: rows.rows.map(toRow) };
}

export interface BnplSessionDetail {
  session: BnplSessionRow;
  history: { at: Date; from: string | null; to: string; reason: string | null }[];
  refunds: { id: bigint; amount: Kopecks; kind: string; paymentNumber: string | null; createdAt: Date }[];
  callbacks: {
    id: bigint;
    kind: string;
    url: string;
    status: string;
    attempts: {
      attempt: number;
      httpStatus: number | null;
      error: string | null;
      durationMs: number;
      at: Date;
    }[];
    deliveredAt: Date | null;
  }[];
}

export async function bnplSessionDetail(db: Queryable, id: bigint): Promise<BnplSessionDetail | undefined> {
  const found = await db.query<Row>(`${SELECT} WHERE s.id = $1`, [id]);
  if (!found.rows[0]) return undefined;
  const history = await db.query<{
    at: Date;
    from_state: string | null;
    to_state: string;
    reason: string | null;
  }>('SELECT at, from_state, to_state, reason FROM bnpl.state_history WHERE session_id = $1 ORDER BY id', [
    id,
  ]);
  const callbacks = await db.query<{
    id: bigint;
    kind: string;
    url: string;
    status: string;
    delivered_at: Date | null;
    attempts: {
      attempt: number;
      http_status: number | null;
      error: string | null;
      duration_ms: number;
      at: string;
    }[];
  }>(
    `SELECT c.id, c.kind, c.url, c.status, c.delivered_at,
       coalesce((SELECT json_agg(json_build_object('attempt', a.attempt, 'http_status', a.http_status, 'error', a.error,
                  'duration_ms', a.duration_ms, 'at', a.at) ORDER BY a.id)
                 FROM bnpl.callback_attempts a WHERE a.callback_id = c.id), '[]') AS attempts
     FROM bnpl.callbacks c WHERE c.session_id = $1 ORDER BY c.id`,
    [id],
  );
  const refunds = await db.query<{
    id: bigint;
    amount: bigint;
    kind: string;
    payment_number: string | null;
    created_at: Date;
  }>(
    'SELECT id, amount, kind, payment_number, created_at FROM bnpl.refunds WHERE session_id = $1 ORDER BY id',
    [id],
  );
  return {
    session: toRow(found.rows[0]),
    history: history.rows.map((h) => ({ at: h.at, from: h.from_state, to: h.to_state, reason: h.reason })),
    refunds: refunds.rows.map((r) => ({
      id: r.id,
      amount: r.amount,
      kind: r.kind,
      paymentNumber: r.payment_number,
      createdAt: r.created_at,
    })),
    callbacks: callbacks.rows.map((c) => ({
      id: c.id,
      kind: c.kind,
      url: c.url,
      status: c.status,
      deliveredAt: c.delivered_at,
      attempts: c.attempts.map((a) => ({
        attempt: a.attempt,
        httpStatus: a.http_status,
        error: a.error,
        durationMs: a.duration_ms,
        at: new Date(a.at),
      })),
    })),
  };
}

export interface BnplMerchantRow {
  id: bigint;
  code: string;
  name: string;
  active: boolean;
  sessions: number;
  approved: number;
  createdAt: Date;
}

/** Merchants with their session counts; tokens and callback secrets never leave the database. */
export async function listBnplMerchants(db: Queryable): Promise<BnplMerchantRow[]> {
  const { rows } = await db.query<{
    id: bigint;
    code: string;
    name: string;
    active: boolean;
    sessions: bigint;
    approved: bigint;
    created_at: Date;
  }>(
    `SELECT m.id, m.code, m.name, m.active, m.created_at,
       (SELECT count(*) FROM bnpl.sessions s WHERE s.merchant_id = m.id) AS sessions,
       (SELECT count(*) FROM bnpl.sessions s WHERE s.merchant_id = m.id AND s.deal_id IS NOT NULL) AS approved
     FROM bnpl.merchants m ORDER BY m.code`,
  );
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    active: r.active,
    sessions: Number(r.sessions),
    approved: Number(r.approved),
    createdAt: r.created_at,
  }));
}
