import type { Queryable } from '../../platform/db/pool.ts';
import type { DayKeyFigure } from './chart-queries.ts';

/**
 * Per-day figures of a period chart, kept in `staff.dashboard_days` (one row per chart and Moscow
 * day). A day's row is final once it was computed `settleDays` days after the day ended; until
 * then (today, the last few days, a day never computed) it is recomputed from the module's
 * tables on each dashboard refresh and stored again. So a refresh reads the module's tables for
 * the last `settleDays` + 1 days only, however long the period, and the dashboard's background
 * refresh (one process per source and period, dashboard.ts) is the job that maintains the table.
 *
 * What changes a day later than `settleDays` after it (a repayment reversed weeks later, a
 * backdated issue) is not shown until the day's row is deleted
 * (`DELETE FROM staff.dashboard_days WHERE chart = …`): the next refresh recomputes it.
 */
export interface RollupChart {
  /** Row key in staff.dashboard_days. */
  id: string;
  settleDays: number;
  compute(db: Queryable, from: string, to: string): Promise<DayKeyFigure[]>;
}

interface Stored {
  key: string;
  count: number;
  amount: string;
}

/** The chart's figures for `days` (consecutive Moscow dates, oldest first). */
export async function dailyFigures(
  db: Queryable,
  chart: RollupChart,
  days: string[],
): Promise<DayKeyFigure[]> {
  const from = days[0]!;
  const to = days.at(-1)!;
  const { rows } = await db.query<{ day: string; figures: Stored[]; settled: boolean }>(
    `SELECT day::text, figures,
            computed_at >= ((day + $4::int + 1)::timestamp AT TIME ZONE 'Europe/Moscow') AS settled
     FROM staff.dashboard_days WHERE chart = $1 AND day BETWEEN $2::date AND $3::date`,
    [chart.id, from, to, chart.settleDays],
  );
  const settled = new Map(rows.filter((r) => r.settled).map((r) => [r.day, r.figures]));
  const stale = days.filter((d) => !settled.has(d));
  const out: DayKeyFigure[] = [];
  const lo = stale[0];
  const hi = stale.at(-1);
  for (const [day, figures] of settled)
    if (lo === undefined || hi === undefined || day < lo || day > hi)
      out.push(...figures.map((f) => ({ day, key: f.key, count: f.count, amount: BigInt(f.amount) })));
  if (lo === undefined || hi === undefined) return out;
  // One query for the stale span (usually the last few days; the whole period the first time).
  const fresh = await chart.compute(db, lo, hi);
  out.push(...fresh);
  const span = days.filter((d) => d >= lo && d <= hi);
  await db.query(
    `INSERT INTO staff.dashboard_days (chart, day, figures, computed_at)
     SELECT $1, x.day, x.figures::jsonb, now() FROM unnest($2::date[], $3::text[]) AS x(day, figures)
     ON CONFLICT (chart, day) DO UPDATE SET figures = excluded.figures, computed_at = excluded.computed_at`,
    [
      chart.id,
      span,
      span.map((day) =>
        JSON.stringify(
          fresh
            .filter((f) => f.day === day)
            .map((f): Stored => ({ key: f.key, count: f.count, amount: String(f.amount) })),
        ),
      ),
    ],
  );
  return out;
}
