import type { Queryable } from '../platform/db/pool.ts';
import type { Kopecks } from '../platform/money.ts';
import {
  COUNT_CAP,
  likeEscape,
  orderBy,
  type Page,
  type PageRequest,
  Where,
} from '../staff/console/paging.ts';

/**
 * Read-only queries of the operator console over the processing tables: agents with their
 * ledger balances, the payments list, the dashboard's rate. Changes go through agents.ts and
 * credentials.ts.
 */
export interface AgentListRow {
  id: bigint;
  login: string;
  name: string;
  currency: string;
  balance: Kopecks;
  available: Kopecks;
  overdraft: Kopecks;
  tokensAwaiting: number;
  createdAt: Date;
}

export const AGENT_SORTS = {
  id: 'a.id',
  login: 'a.login',
  balance: 'acc.balance',
  createdAt: 'a.created_at',
} as const;
export type AgentSort = keyof typeof AGENT_SORTS;

export async function searchAgents(
  db: Queryable,
  filter: { q?: string },
  page: PageRequest<AgentSort>,
): Promise<Page<AgentListRow>> {
  const where = new Where();
  if (filter.q) {
    const like = where.param(`%${likeEscape(filter.q)}%`);
    where.raw(`(a.login ILIKE ${like} OR a.name ILIKE ${like})`);
  }
  const from = `FROM processing.agents a JOIN ledger.accounts acc ON acc.id = a.account_id ${where.sql()}`;
  const [rows, count] = await Promise.all([
    db.query<{
      id: bigint;
      login: string;
      name: string;
      currency: string;
      balance: bigint;
      pending_debits: bigint;
      overdraft: bigint;
      awaiting: bigint;
      created_at: Date;
    }>(
      `SELECT a.id, a.login, a.name, a.currency, acc.balance, acc.pending_debits, a.overdraft, a.created_at,
         (SELECT count(*) FROM processing.agent_tokens t WHERE t.agent_id = a.id AND t.status = 'awaiting_confirmation') AS awaiting
       ${from} ${orderBy(AGENT_SORTS, page, 'a.id', { notNull: true })} LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    db.query<{ n: bigint }>(`SELECT count(*) AS n ${from}`, where.values),
  ]);
  return {
    total: Number(count.rows[0]!.n),
    rows: rows.rows.map((r) => ({
      id: r.id,
      login: r.login,
      name: r.name,
      currency: r.currency,
      balance: r.balance,
      available: r.balance - r.pending_debits,
      overdraft: r.overdraft,
      tokensAwaiting: Number(r.awaiting),
      createdAt: r.created_at,
    })),
  };
}

export interface ProcessingPaymentRow {
  id: bigint;
  agent: string;
  agentTxnId: bigint;
  service: string;
  account: string;
  amount: Kopecks;
  result: number;
  final: boolean;
  message: string;
  createdAt: Date;
}

export interface ProcessingPaymentFilter {
  agent?: string;
  service?: string;
  result?: number;
  final?: boolean;
  from?: string;
  to?: string;
}

export const PROCESSING_PAYMENT_SORTS = {
  id: 'p.id',
  amount: 'p.amount_to',
  createdAt: 'p.created_at',
} as const;
export type ProcessingPaymentSort = keyof typeof PROCESSING_PAYMENT_SORTS;

export async function searchProcessingPayments(
  db: Queryable,
  filter: ProcessingPaymentFilter,
  page: PageRequest<ProcessingPaymentSort>,
): Promise<Page<ProcessingPaymentRow>> {
  const where = new Where();
  where.addIf(Boolean(filter.agent), 'a.login = $?', filter.agent);
  where.addIf(Boolean(filter.service), 'p.service_id = $?', filter.service);
  where.addIf(filter.result !== undefined, 'p.result = $?', filter.result);
  where.addIf(filter.final !== undefined, 'p.final = $?', filter.final);
  where.addIf(Boolean(filter.from), "p.created_at >= ($?::date AT TIME ZONE 'Europe/Moscow')", filter.from);
  where.addIf(Boolean(filter.to), "p.created_at < (($?::date + 1) AT TIME ZONE 'Europe/Moscow')", filter.to);
  const from = `FROM processing.payments p JOIN processing.agents a ON a.id = p.agent_id ${where.sql()}`;
  const [rows, count] = await Promise.all([
    db.query<{
      id: bigint;
      login: string;
      agent_txn_id: bigint;
      service_id: string;
      account: string;
      amount_to: bigint;
      result: number;
      final: boolean;
      result_message: string;
      created_at: Date;
    }>(
      `SELECT p.id, a.login, p.agent_txn_id, p.service_id, p.account, p.amount_to, p.result, p.final,
              p.result_message, p.created_at
       ${from} ${orderBy(PROCESSING_PAYMENT_SORTS, page, 'p.id', { notNull: true })} LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    db.query<{ n: bigint }>(
      `SELECT count(*) AS n FROM (SELECT 1 ${from} LIMIT ${COUNT_CAP + 1}) x`,
      where.values,
    ),
  ]);
  return {
    total: Number(count.rows[0]!.n),
    rows: rows.rows.map((r) => ({
      id: r.id,
      agent: r.login,
      agentTxnId: r.agent_txn_id,
      service: r.service_id,
      account: r.account,
      amount: r.amount_to,
      result: r.result,
      final: r.final,
      message: r.result_message,
      createdAt: r.created_at,
    })),
  };
}

/** Payments accepted per minute over the last hour (the dashboard's line). */
export async function paymentsPerMinute(db: Queryable): Promise<{ minute: string; payments: number }[]> {
  const { rows } = await db.query<{ minute: string; n: bigint }>(
    `SELECT to_char(date_trunc('minute', created_at AT TIME ZONE 'UTC'), 'HH24:MI') AS minute, count(*) AS n
     FROM processing.payments WHERE created_at >= now() - interval '60 minutes'
     GROUP BY 1 ORDER BY 1`,
  );
  return rows.map((r) => ({ minute: r.minute, payments: Number(r.n) }));
}

/** One payment as the console's transaction card shows it (its exchanges: exchanges.ts). */
export interface ProcessingPaymentDetail extends ProcessingPaymentRow {
  agentId: bigint;
  amountFrom: Kopecks;
  commission: Kopecks;
  agentTxnDate: string;
  providerTxnId: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  statusAt: Date | null;
  held: boolean;
}

export async function processingPaymentDetail(
  db: Queryable,
  id: bigint,
): Promise<ProcessingPaymentDetail | undefined> {
  const { rows } = await db.query<{
    id: bigint;
    agent_id: bigint;
    login: string;
    agent_txn_id: bigint;
    service_id: string;
    account: string;
    amount_to: bigint;
    amount_from: bigint;
    commission: bigint;
    agent_txn_date: string;
    result: number;
    final: boolean;
    result_message: string;
    provider_txn_id: string | null;
    attempts: number;
    next_attempt_at: Date | null;
    created_at: Date;
    status_at: Date | null;
    held: boolean;
  }>(
    `SELECT p.id, p.agent_id, a.login, p.agent_txn_id, p.service_id, p.account, p.amount_to, p.amount_from, p.commission,
       p.agent_txn_date, p.result, p.final, p.result_message, p.provider_txn_id, p.attempts, p.next_attempt_at,
       p.created_at, p.status_at, p.hold_id IS NOT NULL AS held
     FROM processing.payments p JOIN processing.agents a ON a.id = p.agent_id WHERE p.id = $1`,
    [id],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: r.id,
    agentId: r.agent_id,
    agent: r.login,
    agentTxnId: r.agent_txn_id,
    service: r.service_id,
    account: r.account,
    amount: r.amount_to,
    amountFrom: r.amount_from,
    commission: r.commission,
    agentTxnDate: r.agent_txn_date,
    result: r.result,
    final: r.final,
    message: r.result_message,
    providerTxnId: r.provider_txn_id,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    statusAt: r.status_at,
    held: r.held,
  };
}
