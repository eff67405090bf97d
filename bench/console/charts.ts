/**
 * The dashboard's period charts on the console bench's database (src/staff/console/chart-widgets.ts):
 * generated rows behind them (repayments on the generated loans, processing payments of 20
 * agents, broker forms with offers, signatures and issues), then each chart source's `load()`
 * timed directly (the console answers from its cache, so the HTTP figure alone would not show
 * the queries): once cold (no day stored in staff.dashboard_days: the whole period read from the
 * module's tables) and then as every refresh runs it (stored days read, the last few recomputed),
 * with the plans of the cold queries printed to check they are index-only scans.
 */

import { upsertLender, upsertPartner, upsertPoint } from '../../src/broker/partners.ts';
import { CLI_ACTOR } from '../../src/platform/audit.ts';
import type { AppContext } from '../../src/platform/context.ts';
import type { Pool, Queryable } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { createAgent } from '../../src/processing/agents.ts';
import { importServices, readCatalogFile } from '../../src/processing/catalog.ts';
import { DEMO_CATALOG_FILE } from '../../src/processing/demo.ts';
import {
  bnplStates,
  brokerFunnelChart,
  lendingCharts,
  processingTurnover,
} from '../../src/staff/console/chart-widgets.ts';
import type { DashboardSource } from '../../src/staff/console/dashboard.ts';

/** Generated ids of the loans start above this (bench/cob/generate.ts). */
const BASE = 1_000_000_000;
const AGENTS = 20;

export interface ChartFigure {
  name: string;
  /** The first load() with no stored days: the whole period read from the module's tables. */
  coldMs: number;
  runs: number;
  p50: number;
  p99: number;
  max: number;
}

/** Rows for the charts, set-based: sizes scale with the loans (payments = loans, forms = loans / 5). */
export async function generateChartData(
  ctx: AppContext,
  deals: number,
  today: string,
  log: (line: string) => void,
): Promise<void> {
  const step = async (what: string, sql: string, params: unknown[] = []) => {
    const t0 = performance.now();
    await ctx.pool.query(sql, params);
    log(`  ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  // One repayment per second loan, 1..20 days after its issue and not after today; the loan's
  // issue transfer stands in for the payment's (the chart reads neither).
  await step(
    'repayments (1 per 2 loans)',
    `INSERT INTO lending.payments (number, deal_id, service, txn_id, business_date, amount, overdue_interest,
       overdue_principal, penalty, current_interest, current_principal, other, early_principal, to_advance, transfer_id)
     SELECT 'BP' || d.id, d.id, (ARRAY['QIWI', 'Site/1', 'cash'])[1 + d.id % 3], d.id::text,
       least(d.issue_date + (1 + d.id % 20)::int, $2::date), 10000 + (d.id % 50) * 1000, 0, 0, 0, 0,
       10000 + (d.id % 50) * 1000, 0, 0, 0, d.id
     FROM lending.deals d WHERE d.id > $1 AND d.source = 'bench' AND d.id % 2 = 0`,
    [BASE, today],
  );
  const agentIds = await withTx(ctx.pool, async (tx) => {
    await importServices(tx, readCatalogFile(DEMO_CATALOG_FILE));
    const ids: bigint[] = [];
    for (let i = 1; i <= AGENTS; i++)
      ids.push(
        (await createAgent(tx, { login: `bench${i}`, name: `Агент ${i}`, currency: 'KZT' }, CLI_ACTOR)).id,
      );
    return ids;
  });
  // As many processing payments as loans over the last 30 days, 90 % successful.
  await step(
    `processing payments (${deals.toLocaleString('en-US')}, ${AGENTS} agents)`,
    `INSERT INTO processing.payments (agent_id, agent_txn_id, request_hash, service_id, account, amount_to,
       amount_from, agent_txn_date, request, result, final, result_message, created_at)
     SELECT ($1::bigint[])[1 + (i * 7) % array_length($1::bigint[], 1)], i, 'bench', 'P1011', '7770017711',
       10000 + (i % 100) * 1000, 10000 + (i % 100) * 1000, '2026-01-01T00:00:00', '{}',
       CASE WHEN i % 10 = 0 THEN 300 ELSE 0 END, true, 'bench',
       now() - make_interval(secs => i::double precision * 30 * 86400 / $2::int)
     FROM generate_series(1, $2::int) i`,
    [agentIds, deals],
  );
  const { partnerId, pointId, lenderId } = await withTx(ctx.pool, async (tx) => {
    const partnerId = await upsertPartner(tx, {
      guid: 'bench-partner',
      name: 'Партнёр бенча',
      token: 'bench',
    });
    const pointId = await upsertPoint(tx, { partnerId, code: 'bench', name: 'Точка', kind: 'pos_online' });
    const lenderId = await upsertLender(tx, ctx.cipher, {
      code: 'bench-lender',
      name: 'Кредитор бенча',
      adapter: 'http',
      baseUrl: 'http://127.0.0.1:9',
      secret: 'bench',
    });
    return { partnerId, pointId, lenderId };
  });
  const forms = Math.max(1, Math.floor(deals / 5));
  // Of every 10 forms: 4 get no offer, 6 one offer, 3 of those signed, 2 of those issued.
  await step(
    `broker forms (${forms.toLocaleString('en-US')}) and offers`,
    `WITH f AS (
       INSERT INTO broker.forms (guid, partner_id, point_id, external_id, kind, offline, request_hash, payload_enc,
         phone_enc, amount, status, offer_status, deadline_at, created_at)
       SELECT gen_random_uuid(), $1, $2, 'bench-' || i, 'pos', false, 'bench', 'bench', 'bench', 5000000,
         CASE WHEN i % 10 < 4 THEN 'declined' WHEN i % 10 < 6 THEN 'issued' WHEN i % 10 < 7 THEN 'offer_confirmed'
              ELSE 'offers' END,
         CASE WHEN i % 10 < 4 THEN 'declined' ELSE 'done' END,
         now(), now() - make_interval(secs => i::double precision * 90 * 86400 / $4::int)
       FROM generate_series(1, $4::int) i
       RETURNING id, external_id),
     -- An offer's key is its form's lender row (migration 0034).
     fl AS (
       INSERT INTO broker.form_lenders (form_id, lender_id, status, answered_at)
       SELECT f.id, $3, CASE WHEN substr(f.external_id, 7)::int % 10 < 4 THEN 'declined' ELSE 'offered' END, now()
       FROM f)
     INSERT INTO broker.offers (guid, form_id, lender_id, lender_offer_id, name, initial_payment, amount, term_value,
       term_unit, regular_payment_amount, regular_period_type, payments_count, rate, total_cost, status, signing_mode,
       signing_status, signed_at)
     SELECT gen_random_uuid(), f.id, $3, 'o', 'Рассрочка', 0, 5000000, 12, 'month', 450000, 'month', 12, 10, 5400000,
       CASE WHEN n % 10 < 6 THEN 'issued' WHEN n % 10 < 7 THEN 'signed' ELSE 'offered' END, 'sms',
       CASE WHEN n % 10 < 7 THEN 'SIGNED' ELSE 'NOT_SIGNED' END,
       CASE WHEN n % 10 < 7 THEN now() END
     FROM f CROSS JOIN LATERAL (SELECT substr(f.external_id, 7)::int AS n) x
     WHERE n % 10 >= 4`,
    [partnerId, pointId, lenderId, forms],
  );
}

const SOURCES: DashboardSource[] = [lendingCharts, processingTurnover, brokerFunnelChart, bnplStates];

/** Each chart source's load() `runs` times per period; prints its queries' plans once. */
export async function timeChartSources(
  pool: Pool,
  runs: number,
  log: (line: string) => void,
): Promise<ChartFigure[]> {
  await explainCharts(pool, log);
  const figures: ChartFigure[] = [];
  for (const source of SOURCES)
    for (const days of [30, 90]) {
      const times: number[] = [];
      let coldMs = 0;
      const client = await pool.connect();
      try {
        await client.query('DELETE FROM staff.dashboard_days');
        const c0 = performance.now();
        await source.load(client, { days });
        coldMs = Math.round(performance.now() - c0);
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          await source.load(client, { days });
          times.push(performance.now() - t0);
        }
      } finally {
        client.release();
      }
      times.sort((a, b) => a - b);
      const at = (q: number) =>
        Math.round(times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!);
      const figure = {
        name: `chart source ${source.id}, ${days} days`,
        coldMs,
        runs,
        p50: at(0.5),
        p99: at(0.99),
        max: at(1),
      };
      figures.push(figure);
      log(
        `${figure.name}: cold ${coldMs} ms; then ${runs} runs, p50 ${figure.p50} ms, p99 ${figure.p99} ms, max ${figure.max} ms`,
      );
    }
  return figures;
}

/**
 * The plans of every query the chart sources run over 30 days, cold (no stored days: the whole
 * period is read from the module's tables): each source's load() runs against a connection that
 * EXPLAINs (ANALYZE, BUFFERS) instead; its results are not used, nothing is stored.
 */
async function explainCharts(pool: Pool, log: (line: string) => void): Promise<void> {
  const client = await pool.connect();
  try {
    const explaining = {
      async query(text: string | { text: string; values?: unknown[] }, values?: readonly unknown[]) {
        const sql = typeof text === 'string' ? text : text.text;
        const params = typeof text === 'string' ? values : text.values;
        // EXPLAIN ANALYZE would run a write: only the reads are explained.
        if (!/^\s*SELECT/i.test(sql)) return { rows: [], rowCount: 0, command: 'SELECT', oid: 0, fields: [] };
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN (ANALYZE, BUFFERS) ${sql}`,
          params as unknown[] | undefined,
        );
        log(`plan of: ${sql.replace(/\s+/g, ' ').slice(0, 100)}…`);
        for (const r of rows) log(`    ${r['QUERY PLAN']}`);
        return { rows: [], rowCount: 0, command: 'SELECT', oid: 0, fields: [] };
      },
    } as unknown as Queryable;
    for (const source of SOURCES) await source.load(explaining, { days: 30 }).catch(() => undefined);
  } finally {
    client.release();
  }
}
