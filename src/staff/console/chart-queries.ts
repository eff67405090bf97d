import type { Queryable } from '../../platform/db/pool.ts';
import type { Kopecks } from '../../platform/money.ts';

/**
 * Read-only figures of the dashboard's period charts over the modules' tables, per Moscow day
 * and key (`from`..`to` inclusive; timestamps cut at Moscow midnight). Each query is an
 * index-only scan of those days' entries in an index of migrations/0022; the charts keep the
 * results per day in `staff.dashboard_days` (chart-rollup.ts), so a dashboard refresh reads only
 * the last few days here.
 */
export interface DayKeyFigure {
  day: string;
  /** What the chart splits a day by (an agent id, a funnel stage, a state); '' when it does not. */
  key: string;
  count: number;
  amount: Kopecks;
}

type Row = { day: string; key: string; n: bigint; amount: bigint };
const figures = (rows: Row[]): DayKeyFigure[] =>
  rows.map((r) => ({ day: r.day, key: r.key, count: Number(r.n), amount: r.amount }));

const MOSCOW_FROM = `($1::date)::timestamp AT TIME ZONE 'Europe/Moscow'`;
const MOSCOW_TO = `($2::date + 1)::timestamp AT TIME ZONE 'Europe/Moscow'`;
/**
 * A row's Moscow day, grouped by `date_bin` from the period's first midnight (integer arithmetic
 * per row; Moscow keeps no daylight saving time, so its days are 24 hours) and turned into a
 * date once per group: converting every row's time zone costs several times the index scan.
 */
const MOSCOW_DAY_BIN = (column: string) => `date_bin('1 day', ${column}, ${MOSCOW_FROM})`;
const MOSCOW_DAY = (column: string) => `(${MOSCOW_DAY_BIN(column)} AT TIME ZONE 'Europe/Moscow')::date::text`;

/** Deals issued per issue date: how many and their principal (a deal counts on its issue date). */
export async function issuedByDay(db: Queryable, from: string, to: string): Promise<DayKeyFigure[]> {
  const { rows } = await db.query<Row>(
    `SELECT issue_date::text AS day, '' AS key, count(*) AS n, sum(amount)::bigint AS amount FROM lending.deals
     WHERE issue_date IS NOT NULL AND issue_date BETWEEN $1::date AND $2::date
     GROUP BY issue_date`,
    [from, to],
  );
  return figures(rows);
}

/** Repayments received per business date (not reversed, not internal advance offsets). */
export async function collectionsByDay(db: Queryable, from: string, to: string): Promise<DayKeyFigure[]> {
  const { rows } = await db.query<Row>(
    `SELECT business_date::text AS day, '' AS key, count(*) AS n, sum(amount)::bigint AS amount FROM lending.payments
     WHERE reversed_at IS NULL AND service <> 'advance' AND business_date BETWEEN $1::date AND $2::date
     GROUP BY business_date`,
    [from, to],
  );
  return figures(rows);
}

/** Successful processing payments (final, result 0) per day and agent id: count and amountTo. */
export async function turnoverByDay(db: Queryable, from: string, to: string): Promise<DayKeyFigure[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${MOSCOW_DAY('created_at')} AS day, agent_id::text AS key, count(*) AS n, sum(amount_to)::bigint AS amount
     FROM processing.payments
     WHERE final AND result = 0 AND created_at >= ${MOSCOW_FROM} AND created_at < ${MOSCOW_TO}
     GROUP BY ${MOSCOW_DAY_BIN('created_at')}, agent_id`,
    [from, to],
  );
  return figures(rows);
}

export interface AgentName {
  id: string;
  name: string;
  currency: string;
}

export async function agentNames(db: Queryable, ids: string[]): Promise<AgentName[]> {
  const { rows } = await db.query<{ id: string; name: string; currency: string }>(
    `SELECT id::text, name, currency FROM processing.agents WHERE id = ANY ($1::bigint[])`,
    [ids],
  );
  return rows;
}

export const FUNNEL_STAGES = ['forms', 'offers', 'signed', 'issued'] as const;

/**
 * Broker forms created per day and how far they got: keys `forms`, `offers` (at least one
 * offer), `signed`, `issued`. Stages are cumulative: an issued form counts as signed and as
 * having had offers, whatever its offers' rows say now.
 */
export async function funnelByDay(db: Queryable, from: string, to: string): Promise<DayKeyFigure[]> {
  const { rows } = await db.query<{
    day: string;
    forms: bigint;
    offered: bigint;
    signed: bigint;
    issued: bigint;
  }>(
    `SELECT ${MOSCOW_DAY('f.created_at')} AS day, count(*) AS forms,
            count(*) FILTER (WHERE f.status = 'issued' OR o.signed > 0 OR o.offers > 0) AS offered,
            count(*) FILTER (WHERE f.status = 'issued' OR o.signed > 0) AS signed,
            count(*) FILTER (WHERE f.status = 'issued') AS issued
     FROM broker.forms f
     CROSS JOIN LATERAL (SELECT count(*) AS offers, count(o.signed_at) AS signed
                         FROM broker.offers o WHERE o.form_id = f.id) o
     WHERE f.created_at >= ${MOSCOW_FROM} AND f.created_at < ${MOSCOW_TO}
     GROUP BY ${MOSCOW_DAY_BIN('f.created_at')}`,
    [from, to],
  );
  return rows.flatMap((r) =>
    (
      [
        ['forms', r.forms],
        ['offers', r.offered],
        ['signed', r.signed],
        ['issued', r.issued],
      ] as const
    ).map(([key, n]) => ({ day: r.day, key, count: Number(n), amount: 0n })),
  );
}

/** BNPL checkouts started per day, by their state now: how many and for how much. */
export async function bnplByDay(db: Queryable, from: string, to: string): Promise<DayKeyFigure[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${MOSCOW_DAY('created_at')} AS day, state AS key, count(*) AS n, sum(amount)::bigint AS amount
     FROM bnpl.sessions WHERE created_at >= ${MOSCOW_FROM} AND created_at < ${MOSCOW_TO}
     GROUP BY ${MOSCOW_DAY_BIN('created_at')}, state`,
    [from, to],
  );
  return figures(rows);
}
