import type { Pool, Queryable } from '../../platform/db/pool.ts';
import { formatRoubles } from '../../platform/money.ts';
import type { Permission } from '../permissions.ts';
import { bnplStates, brokerFunnelChart, lendingCharts, processingTurnover } from './chart-widgets.ts';
import { ledgerTotals, transfersPerDay } from './ledger-read.ts';
import { brokerDashboard, lendingDashboard, processingDashboard } from './module-widgets.ts';

/** Text in both console locales. */
export interface Text {
  ru: string;
  en: string;
}

/**
 * One widget of the dashboard, in a shape the console draws without knowing the module: numbers
 * (`stats`) or a chart over categories. Money travels as exact decimal strings of roubles
 * ("1234.50"); counts as decimal strings too, so the shape is one.
 */
export type Widget =
  | { id: string; title: Text; kind: 'stats'; items: { label: Text; value: string; unit: Unit }[] }
  | {
      id: string;
      title: Text;
      kind: 'bar' | 'line' | 'pie';
      unit: Unit;
      categories: string[];
      series: { name: Text; values: string[] }[];
    };

/** `count`, or a currency code (the values are then decimal amounts in that currency). */
export type Unit = 'count' | string;

/**
 * A module's contribution to the dashboard: widgets shown to roles holding `permission`.
 * A module appends its source to DASHBOARD_SOURCES.
 */
export interface DashboardSource {
  id: string;
  permission: Permission;
  load(db: Queryable, options: { days: number }): Promise<Widget[]>;
}

const ledgerSource: DashboardSource = {
  id: 'ledger.totals',
  permission: 'ledger.read',
  async load(db) {
    const totals = await ledgerTotals(db);
    const currencies = [...new Set(totals.map((t) => t.currency))];
    const kinds = [...new Set(totals.map((t) => t.kind))];
    const stats: Widget = {
      id: 'ledger.totals_by_currency',
      title: { ru: 'Остатки по валютам', en: 'Balances by currency' },
      kind: 'stats',
      items: currencies.map((currency) => {
        const of = totals.filter((t) => t.currency === currency);
        const positive = of.reduce((sum, t) => sum + t.positive, 0n);
        const accounts = of.reduce((sum, t) => sum + t.accounts, 0);
        return {
          label: { ru: `${currency}: ${accounts} сч.`, en: `${currency}: ${accounts} acc.` },
          value: formatRoubles(positive),
          unit: currency,
        };
      }),
    };
    const byKind: Widget[] = currencies.map((currency) => ({
      id: `ledger.balance_by_kind.${currency}`,
      title: { ru: `Остатки по видам счетов, ${currency}`, en: `Balances by account kind, ${currency}` },
      kind: 'bar',
      unit: currency,
      categories: kinds,
      series: [
        {
          name: { ru: 'Остаток', en: 'Balance' },
          values: kinds.map((kind) =>
            formatRoubles(totals.find((t) => t.currency === currency && t.kind === kind)?.balance ?? 0n),
          ),
        },
      ],
    }));
    return [stats, ...byKind];
  },
};

const transfersSource: DashboardSource = {
  id: 'ledger.transfers_per_day',
  permission: 'dashboard.read',
  async load(db, { days }) {
    const rows = await transfersPerDay(db, days);
    const today = new Date();
    const categories: string[] = [];
    for (let i = days - 1; i >= 0; i--) {
      const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i));
      categories.push(d.toISOString().slice(0, 10));
    }
    const currencies = [...new Set(rows.map((r) => r.currency))].sort();
    const count: Widget = {
      id: 'ledger.transfers_per_day',
      title: { ru: 'Проводки по дням', en: 'Transfers per day' },
      kind: 'bar',
      unit: 'count',
      categories,
      series: [
        {
          name: { ru: 'Проводок', en: 'Transfers' },
          values: categories.map((day) =>
            String(rows.filter((r) => r.day === day).reduce((sum, r) => sum + r.transfers, 0)),
          ),
        },
      ],
    };
    const volume: Widget[] = currencies.map((currency) => ({
      id: `ledger.volume_per_day.${currency}`,
      title: { ru: `Оборот по дням, ${currency}`, en: `Turnover per day, ${currency}` },
      kind: 'line',
      unit: currency,
      categories,
      series: [
        {
          name: { ru: 'Оборот', en: 'Turnover' },
          values: categories.map((day) =>
            formatRoubles(rows.find((r) => r.day === day && r.currency === currency)?.volume ?? 0n),
          ),
        },
      ],
    }));
    return [count, ...volume];
  },
};

/** Every module's dashboard widgets, in display order. Modules append theirs. */
export const DASHBOARD_SOURCES: DashboardSource[] = [
  ledgerSource,
  transfersSource,
  lendingDashboard,
  lendingCharts,
  processingDashboard,
  processingTurnover,
  brokerDashboard,
  brokerFunnelChart,
  bnplStates,
];

/** Widgets older than this are recomputed in the background; the stale ones are shown meanwhile. */
export const DASHBOARD_MAX_AGE_MS = 60_000;

export interface DashboardOptions {
  days: number;
  /** 0: always recompute (tests, a "refresh" button). */
  maxAgeMs?: number;
  onError?: (error: unknown) => void;
}

/**
 * The widgets of every source the caller may see. Each source's widgets are cached in
 * `staff.dashboard_cache` (shared by every process): a fresh entry is answered at once, a stale
 * one too while one process recomputes it in the background (an advisory lock keeps it to one),
 * and only a source never computed is computed while the caller waits. So the dashboard stays
 * fast however large the tables behind the widgets grow; it lags them by up to a minute.
 */
export async function loadDashboard(
  pool: Pool,
  allowed: (permission: Permission) => boolean,
  options: DashboardOptions,
  sources: DashboardSource[] = DASHBOARD_SOURCES,
): Promise<Widget[]> {
  const maxAge = options.maxAgeMs ?? DASHBOARD_MAX_AGE_MS;
  const visible = sources.filter((s) => allowed(s.permission));
  const keys = visible.map((s) => `${s.id}:${options.days}`);
  const { rows } = await pool.query<{ key: string; widgets: Widget[]; age_ms: number }>(
    `SELECT key, widgets, (extract(epoch FROM now() - computed_at) * 1000)::float8 AS age_ms
     FROM staff.dashboard_cache WHERE key = ANY($1)`,
    [keys],
  );
  const cached = new Map(rows.map((r) => [r.key, r]));
  const parts = await Promise.all(
    visible.map(async (source, i) => {
      const key = keys[i]!;
      const hit = cached.get(key);
      if (hit && maxAge > 0) {
        if (hit.age_ms > maxAge)
          void refresh(pool, source, key, options).catch((error: unknown) => options.onError?.(error));
        return hit.widgets;
      }
      return (await refresh(pool, source, key, options, true)) ?? [];
    }),
  );
  return parts.flat();
}

/** Recomputes one source's widgets and stores them; unless `wait`, gives up when another process is at it. */
async function refresh(
  pool: Pool,
  source: DashboardSource,
  key: string,
  options: DashboardOptions,
  wait = false,
): Promise<Widget[] | undefined> {
  const client = await pool.connect();
  try {
    if (wait) {
      await client.query(`SELECT pg_advisory_lock(hashtext('kopek.dashboard:' || $1))`, [key]);
    } else {
      const lock = await client.query<{ ok: boolean }>(
        `SELECT pg_try_advisory_lock(hashtext('kopek.dashboard:' || $1)) AS ok`,
        [key],
      );
      if (!lock.rows[0]?.ok) return undefined;
    }
    try {
      const widgets = await source.load(client, options);
      await client.query(
        `INSERT INTO staff.dashboard_cache (key, widgets, computed_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (key) DO UPDATE SET widgets = excluded.widgets, computed_at = excluded.computed_at`,
        [key, JSON.stringify(widgets)],
      );
      return widgets;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext('kopek.dashboard:' || $1))`, [key]);
    }
  } finally {
    client.release();
  }
}
