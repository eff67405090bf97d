import { addDays, todayMoscow } from '../../lending/dates.ts';
import { formatRoubles } from '../../platform/money.ts';
import {
  agentNames,
  bnplByDay,
  collectionsByDay,
  type DayKeyFigure,
  FUNNEL_STAGES,
  funnelByDay,
  issuedByDay,
  turnoverByDay,
} from './chart-queries.ts';
import { dailyFigures, type RollupChart } from './chart-rollup.ts';
import type { DashboardSource, Widget } from './dashboard.ts';

/**
 * The dashboard's period charts (the console's period selector: the last N Moscow days,
 * today included): issues and collections by day, processing turnover by agent, the broker
 * funnel, BNPL checkouts by state. Appended to DASHBOARD_SOURCES, one source per permission.
 */

/** How many agents the turnover chart shows per currency. */
export const TOP_AGENTS = 10;

/** The period's Moscow dates, oldest first. */
export function periodDays(days: number, today: string = todayMoscow()): string[] {
  return Array.from({ length: days }, (_, i) => addDays(today, i - days + 1));
}

/**
 * The rolled-up charts (chart-rollup.ts) and how long after a day its figures may still change:
 * repayments and issues are registered for past business dates for a couple of days; a
 * processing payment is final within hours (the recovery job); broker forms and BNPL checkouts
 * move on (signed, issued, charged) for up to a week.
 */
export const ROLLUPS = {
  issued: { id: 'lending.issued', settleDays: 3, compute: issuedByDay },
  collections: { id: 'lending.collections', settleDays: 3, compute: collectionsByDay },
  turnover: { id: 'processing.turnover', settleDays: 1, compute: turnoverByDay },
  funnel: { id: 'broker.funnel', settleDays: 7, compute: funnelByDay },
  bnpl: { id: 'bnpl.by_state', settleDays: 7, compute: bnplByDay },
} satisfies Record<string, RollupChart>;

/** One value per day of the period from per-day figures without keys. */
function byDay(
  days: string[],
  rows: DayKeyFigure[],
  pick: (r: DayKeyFigure) => string,
  zero: string,
): string[] {
  const of = new Map(rows.map((r) => [r.day, r]));
  return days.map((d) => {
    const r = of.get(d);
    return r ? pick(r) : zero;
  });
}

/** Per-day figures summed over the period by key. */
function byKey(rows: DayKeyFigure[]): Map<string, { count: number; amount: bigint }> {
  const out = new Map<string, { count: number; amount: bigint }>();
  for (const r of rows) {
    const sum = out.get(r.key) ?? { count: 0, amount: 0n };
    out.set(r.key, { count: sum.count + r.count, amount: sum.amount + r.amount });
  }
  return out;
}

export const lendingCharts: DashboardSource = {
  id: 'lending.charts',
  permission: 'lending.read',
  async load(db, { days }) {
    const period = periodDays(days);
    const issued = await dailyFigures(db, ROLLUPS.issued, period);
    const collected = await dailyFigures(db, ROLLUPS.collections, period);
    return [
      {
        id: 'lending.issued_volume_by_day',
        title: { ru: 'Выдачи по дням: сумма', en: 'Loans issued per day: amount' },
        kind: 'bar',
        unit: 'RUB',
        categories: period,
        series: [
          {
            name: { ru: 'Выдано', en: 'Issued' },
            values: byDay(period, issued, (r) => formatRoubles(r.amount), '0.00'),
          },
        ],
      },
      {
        id: 'lending.issued_count_by_day',
        title: { ru: 'Выдачи по дням: число займов', en: 'Loans issued per day: count' },
        kind: 'line',
        unit: 'count',
        categories: period,
        series: [
          { name: { ru: 'Займов', en: 'Loans' }, values: byDay(period, issued, (r) => String(r.count), '0') },
        ],
      },
      {
        id: 'lending.collections_by_day',
        title: { ru: 'Поступления платежей по дням', en: 'Repayments received per day' },
        kind: 'bar',
        unit: 'RUB',
        categories: period,
        series: [
          {
            name: { ru: 'Принято', en: 'Received' },
            values: byDay(period, collected, (r) => formatRoubles(r.amount), '0.00'),
          },
        ],
      },
    ];
  },
};

export const processingTurnover: DashboardSource = {
  id: 'processing.turnover',
  permission: 'processing.read',
  async load(db, { days }) {
    const sums = byKey(await dailyFigures(db, ROLLUPS.turnover, periodDays(days)));
    const agents = await agentNames(db, [...sums.keys()]);
    const currencies = [...new Set(agents.map((a) => a.currency))].sort();
    return currencies.map((currency): Widget => {
      const top = agents
        .filter((a) => a.currency === currency)
        .map((a) => ({ ...a, amount: sums.get(a.id)!.amount }))
        .sort((x, y) => (x.amount === y.amount ? Number(x.id) - Number(y.id) : x.amount > y.amount ? -1 : 1))
        .slice(0, TOP_AGENTS);
      return {
        id: `processing.turnover_by_agent.${currency}`,
        title: {
          ru: `Оборот процессинга по агентам за период, ${currency}`,
          en: `Processing turnover by agent for the period, ${currency}`,
        },
        kind: 'bar',
        unit: currency,
        categories: top.map((a) => a.name),
        series: [{ name: { ru: 'Оборот', en: 'Turnover' }, values: top.map((a) => formatRoubles(a.amount)) }],
      };
    });
  },
};

export const brokerFunnelChart: DashboardSource = {
  id: 'broker.funnel',
  permission: 'broker.read',
  async load(db, { days }) {
    const sums = byKey(await dailyFigures(db, ROLLUPS.funnel, periodDays(days)));
    return [
      {
        id: 'broker.funnel',
        title: {
          ru: 'Воронка брокера за период: анкеты → предложения → подписаны → выданы',
          en: 'Broker funnel for the period: forms → offers → signed → issued',
        },
        kind: 'bar',
        unit: 'count',
        categories: ['Анкеты', 'С предложениями', 'Подписаны', 'Выданы'],
        series: [
          {
            name: { ru: 'Анкет', en: 'Forms' },
            values: FUNNEL_STAGES.map((stage) => String(sums.get(stage)?.count ?? 0)),
          },
        ],
      },
    ];
  },
};

export const bnplStates: DashboardSource = {
  id: 'bnpl.by_state',
  permission: 'bnpl.read',
  async load(db, { days }) {
    const sums = byKey(await dailyFigures(db, ROLLUPS.bnpl, periodDays(days)));
    const states = [...sums.keys()].sort();
    return [
      {
        id: 'bnpl.sessions_by_state',
        title: {
          ru: 'BNPL: покупки за период по состояниям, сумма',
          en: 'BNPL: checkouts for the period by state, amount',
        },
        kind: 'bar',
        unit: 'RUB',
        categories: states,
        series: [
          {
            name: { ru: 'Сумма', en: 'Amount' },
            values: states.map((st) => formatRoubles(sums.get(st)!.amount)),
          },
        ],
      },
    ];
  },
};
