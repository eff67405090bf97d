import { formsToday } from '../../broker/admin-queries.ts';
import { dealsByStatus, paymentsOn, portfolio } from '../../lending/admin-queries.ts';
import { todayMoscow } from '../../lending/dates.ts';
import { formatRoubles } from '../../platform/money.ts';
import { paymentsPerMinute } from '../../processing/admin-queries.ts';
import type { DashboardSource, Widget } from './dashboard.ts';

/** The modules' dashboard widgets: lending, processing, broker (appended to DASHBOARD_SOURCES). */
const count = (n: number | bigint) => String(n);

export const lendingDashboard: DashboardSource = {
  id: 'lending.portfolio',
  permission: 'lending.read',
  async load(db) {
    // One connection (the cache's refresh holds a client): one query at a time.
    const statuses = await dealsByStatus(db);
    const book = await portfolio(db);
    const payments = await paymentsOn(db, todayMoscow());
    const paid = payments.reduce((s, p) => s + p.amount, 0n);
    const widgets: Widget[] = [
      {
        id: 'lending.portfolio',
        title: { ru: 'Портфель', en: 'Portfolio' },
        kind: 'stats',
        items: [
          {
            label: { ru: 'Активных займов', en: 'Active loans' },
            value: count(book.activeLoans),
            unit: 'count',
          },
          {
            label: { ru: 'Основной долг', en: 'Principal' },
            value: formatRoubles(book.principal),
            unit: 'RUB',
          },
          {
            label: { ru: 'Платежей сегодня', en: 'Payments today' },
            value: count(payments.reduce((s, p) => s + p.payments, 0)),
            unit: 'count',
          },
          { label: { ru: 'Принято сегодня', en: 'Received today' }, value: formatRoubles(paid), unit: 'RUB' },
        ],
      },
      {
        id: 'lending.deals_by_status',
        title: { ru: 'Договоры по статусам', en: 'Deals by status' },
        kind: 'pie',
        unit: 'count',
        categories: statuses.map((s) => s.status),
        series: [{ name: { ru: 'Договоров', en: 'Deals' }, values: statuses.map((s) => count(s.deals)) }],
      },
      {
        id: 'lending.overdue_buckets',
        title: { ru: 'Просрочка, дней: основной долг', en: 'Days past due: principal' },
        kind: 'bar',
        unit: 'RUB',
        categories: book.buckets.map((b) => b.bucket),
        series: [
          {
            name: { ru: 'Основной долг', en: 'Principal' },
            values: book.buckets.map((b) => formatRoubles(b.principal)),
          },
        ],
      },
    ];
    if (payments.length > 0)
      widgets.push({
        id: 'lending.payments_today',
        title: { ru: 'Платежи сегодня по каналам', en: 'Payments today by channel' },
        kind: 'bar',
        unit: 'RUB',
        categories: payments.map((p) => p.service),
        series: [
          { name: { ru: 'Сумма', en: 'Amount' }, values: payments.map((p) => formatRoubles(p.amount)) },
        ],
      });
    return widgets;
  },
};

export const processingDashboard: DashboardSource = {
  id: 'processing.per_minute',
  permission: 'processing.read',
  async load(db) {
    const rows = await paymentsPerMinute(db);
    const now = Date.now();
    const categories: string[] = [];
    for (let i = 59; i >= 0; i--) categories.push(new Date(now - i * 60_000).toISOString().slice(11, 16));
    return [
      {
        id: 'processing.per_minute',
        title: {
          ru: 'Платежи процессинга в минуту, последний час (UTC)',
          en: 'Processing payments per minute, last hour (UTC)',
        },
        kind: 'line',
        unit: 'count',
        categories,
        series: [
          {
            name: { ru: 'Платежей', en: 'Payments' },
            values: categories.map((m) => count(rows.find((r) => r.minute === m)?.payments ?? 0)),
          },
        ],
      },
    ];
  },
};

export const brokerDashboard: DashboardSource = {
  id: 'broker.forms_today',
  permission: 'broker.read',
  async load(db) {
    const rows = await formsToday(db);
    return [
      {
        id: 'broker.forms_today',
        title: { ru: 'Анкеты брокера сегодня по статусам', en: 'Broker forms today by status' },
        kind: 'bar',
        unit: 'count',
        categories: rows.map((r) => r.status),
        series: [{ name: { ru: 'Анкет', en: 'Forms' }, values: rows.map((r) => count(r.forms)) }],
      },
    ];
  },
};
