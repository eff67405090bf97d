import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { COUNT_CAP, likeEscape, orderBy, type Page, type PageRequest, Where } from './paging.ts';

/**
 * The console's read model of the ledger: account search with server-side paging, sorting and
 * filters, and the totals of the dashboard. Read-only; balances change only through src/ledger.
 * (Kept here until the ledger module grows its own listing; it reads ledger tables only.)
 */
export interface AccountListRow {
  id: bigint;
  code: string;
  ownerType: string;
  ownerId: string;
  kind: string;
  currency: string;
  balance: Kopecks;
  available: Kopecks;
  lowerBound: Kopecks | null;
  upperBound: Kopecks | null;
  createdAt: Date;
}

export interface AccountFilter {
  /** Part of the code, or an exact account id. */
  q?: string;
  currency?: string;
  kind?: string;
  ownerType?: string;
  ownerId?: string;
}

export const ACCOUNT_SORTS = {
  id: 'id',
  code: 'code',
  kind: 'kind',
  currency: 'currency',
  // Refreshed every minute (src/ledger/sort-balances.ts): no index may cover the balance itself.
  balance: 'sort_balance',
  createdAt: 'created_at',
} as const;
export type AccountSort = keyof typeof ACCOUNT_SORTS;

export async function searchAccounts(
  db: Queryable,
  filter: AccountFilter,
  page: PageRequest<AccountSort>,
): Promise<Page<AccountListRow>> {
  const where = new Where();
  if (filter.q) {
    const q = filter.q.trim();
    if (/^\d{1,18}$/.test(q)) {
      const id = where.param(BigInt(q));
      const like = where.param(`%${likeEscape(q)}%`);
      where.raw(`(id = ${id} OR code LIKE ${like})`);
    } else {
      where.add('code ILIKE $?', `%${likeEscape(q)}%`);
    }
  }
  where.addIf(Boolean(filter.currency), 'currency = $?', filter.currency);
  where.addIf(Boolean(filter.kind), 'kind = $?', filter.kind);
  where.addIf(Boolean(filter.ownerType), 'owner_type = $?', filter.ownerType);
  where.addIf(Boolean(filter.ownerId), 'owner_id = $?', filter.ownerId);
  const [rows, count] = await Promise.all([
    db.query<{
      id: bigint;
      code: string;
      owner_type: string;
      owner_id: string;
      kind: string;
      currency: string;
      balance: bigint;
      pending_debits: bigint;
      lower_bound: bigint | null;
      upper_bound: bigint | null;
      created_at: Date;
    }>(
      `SELECT id, code, owner_type, owner_id, kind, currency, balance, pending_debits, lower_bound, upper_bound, created_at
       FROM ledger.accounts ${where.sql()} ${orderBy(ACCOUNT_SORTS, page, 'id', { notNull: true })}
       LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    // Exact up to COUNT_CAP: counting a million accounts for a pager costs more than the page.
    db.query<{ n: bigint }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM ledger.accounts ${where.sql()} LIMIT ${COUNT_CAP + 1}) x`,
      where.values,
    ),
  ]);
  return {
    total: Number(count.rows[0]!.n),
    rows: rows.rows.map((r) => ({
      id: r.id,
      code: r.code,
      ownerType: r.owner_type,
      ownerId: r.owner_id,
      kind: r.kind,
      currency: r.currency,
      balance: r.balance,
      available: r.balance - r.pending_debits,
      lowerBound: r.lower_bound,
      upperBound: r.upper_bound,
      createdAt: r.created_at,
    })),
  };
}

/** Distinct values for the filters' drop-downs. */
export async function accountFacets(db: Queryable): Promise<{ currencies: string[]; kinds: string[] }> {
  const [currencies, kinds] = await Promise.all([
    db.query<{ v: string }>('SELECT DISTINCT currency AS v FROM ledger.accounts ORDER BY 1'),
    db.query<{ v: string }>('SELECT DISTINCT kind AS v FROM ledger.accounts ORDER BY 1'),
  ]);
  return { currencies: currencies.rows.map((r) => r.v), kinds: kinds.rows.map((r) => r.v) };
}

export interface LedgerTotal {
  currency: string;
  kind: string;
  accounts: number;
  balance: Kopecks;
  /** Sum of positive balances and of negative ones: net is zero across a currency's accounts. */
  positive: Kopecks;
  negative: Kopecks;
}

export async function ledgerTotals(db: Queryable): Promise<LedgerTotal[]> {
  const { rows } = await db.query<{
    currency: string;
    kind: string;
    accounts: bigint;
    balance: bigint;
    positive: bigint;
    negative: bigint;
  }>(
    `SELECT currency, kind, count(*) AS accounts, coalesce(sum(balance), 0)::bigint AS balance,
            coalesce(sum(balance) FILTER (WHERE balance > 0), 0)::bigint AS positive,
            coalesce(sum(balance) FILTER (WHERE balance < 0), 0)::bigint AS negative
     FROM ledger.accounts GROUP BY currency, kind ORDER BY currency, kind`,
  );
  return rows.map((r) => ({
    currency: r.currency,
    kind: r.kind,
    accounts: Number(r.accounts),
    balance: r.balance,
    positive: r.positive,
    negative: r.negative,
  }));
}

export interface TransfersPerDay {
  day: string;
  currency: string;
  transfers: number;
  /** Sum of the positive legs: what moved that day. */
  volume: Kopecks;
}

/** Posted transfers per day and currency over the last `days` days (UTC days). */
export async function transfersPerDay(db: Queryable, days: number): Promise<TransfersPerDay[]> {
  const { rows } = await db.query<{ day: string; currency: string; transfers: bigint; volume: bigint }>(
    `SELECT to_char(date_trunc('day', t.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, a.currency,
            count(DISTINCT t.id) AS transfers, coalesce(sum(e.amount) FILTER (WHERE e.amount > 0), 0)::bigint AS volume
     FROM ledger.transfers t
     JOIN ledger.entries e ON e.transfer_id = t.id
     JOIN ledger.accounts a ON a.id = e.account_id
     WHERE t.status = 'posted' AND t.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - make_interval(days => $1 - 1)
     GROUP BY 1, 2 ORDER BY 1, 2`,
    [days],
  );
  return rows.map((r) => ({
    day: r.day,
    currency: r.currency,
    transfers: Number(r.transfers),
    volume: r.volume,
  }));
}

export interface AccountDetail extends AccountListRow {
  pendingDebits: Kopecks;
  pendingCredits: Kopecks;
}

export async function accountDetail(db: Queryable, id: bigint): Promise<AccountDetail> {
  const { rows } = await db.query<{
    id: bigint;
    code: string;
    owner_type: string;
    owner_id: string;
    kind: string;
    currency: string;
    balance: bigint;
    pending_debits: bigint;
    pending_credits: bigint;
    lower_bound: bigint | null;
    upper_bound: bigint | null;
    created_at: Date;
  }>(
    `SELECT id, code, owner_type, owner_id, kind, currency, balance, pending_debits, pending_credits,
            lower_bound, upper_bound, created_at
     FROM ledger.accounts WHERE id = $1`,
    [id],
  );
  const r = rows[0];
  if (!r)
    throw new AppError('not_found', 'ledger.account_not_found', 'счёт не найден', { account: String(id) });
  return {
    id: r.id,
    code: r.code,
    ownerType: r.owner_type,
    ownerId: r.owner_id,
    kind: r.kind,
    currency: r.currency,
    balance: r.balance,
    available: r.balance - r.pending_debits,
    pendingDebits: r.pending_debits,
    pendingCredits: r.pending_credits,
    lowerBound: r.lower_bound,
    upperBound: r.upper_bound,
    createdAt: r.created_at,
  };
}
