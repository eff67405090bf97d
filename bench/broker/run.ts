/**
 * `npm run bench -- broker [--seconds N | --quick] [--workers N] [--no-record]`
 *
 * POS `create_form` at 64 connections from a separate load process (wrk, bench/broker/load.lua)
 * against `kopek serve`, three simulated banks scoring in 100-500 ms; then waits for every form to
 * close and measures how many got all three offers before the deadline. Baseline: a bare Fastify
 * JSON route.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { setRoute, upsertLender, upsertPartner, upsertPoint } from '../../src/broker/partners.ts';
import { migrateQueue } from '../../src/jobs/queue.ts';
import { FieldCipher } from '../../src/platform/crypto.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { type Load, loadLine } from '../lib/autocannon.ts';
import { type Cleanup, withCleanup } from '../lib/cleanup.ts';
import { child, freePort } from '../lib/common.ts';
import { cpuBetween, cpuSnapshot, describeCpu } from '../lib/cpu.ts';
import { benchPoolSize, kopekEnv, startBareServer, startKopek } from '../lib/kopek.ts';
import { benchOptions } from '../lib/options.ts';
import {
  afterWarmUp,
  openServer,
  printStatements,
  scratchDatabase,
  statementsReset,
} from '../lib/postgres.ts';
import { count, markdownTable, report } from '../lib/results.ts';
import { runWrk } from '../lib/wrk.ts';

const CONNECTIONS = 64;
const DEADLINE_MS = 30_000;
const TARGET_RPS = 500;
const TARGET_P99_MS = 100;

interface Collection {
  forms: number;
  complete: number;
  incomplete: number;
  stillOpen: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** create -> collect job enqueued (the dispatcher), and create -> first lender's answer. */
  dispatchP50Ms: number;
  dispatchP99Ms: number;
  firstP50Ms: number;
  firstP99Ms: number;
}

export async function main(args: string[]): Promise<void> {
  const options = benchOptions(args, { seconds: 15, quickSeconds: 5, extra: ['workers'] });
  const { seconds } = options;
  const workers = Number(options.values.workers ?? '0');
  if (!Number.isInteger(workers) || workers < 0) throw new Error('--workers: a whole number from 0');
  await withCleanup(async (cleanup) => {
    const r = await run(seconds, workers, cleanup);
    report(
      {
        bench: 'broker',
        postgresVersion: r.postgresVersion,
        intro:
          `${seconds} s of create_form at ${CONNECTIONS} connections from one wrk thread; kopek serve ` +
          `(DB_POOL_SIZE ${benchPoolSize()}, KOPEK_JOB_CONCURRENCY 64; ${workers > 0 ? `HTTP only, plus ${workers} job process(es)` : 'HTTP and jobs in one process'}); three ` +
          `simulated banks in their own process scoring in 100-500 ms; offer deadline ${DEADLINE_MS / 1000} s. ` +
          `Targets: ${TARGET_RPS} forms/s accepted, p99 < ${TARGET_P99_MS} ms, all offers within the deadline.`,
        table: `${resultsTable(r)}\n\n${r.cpu}`,
      },
      options.record,
    );
  });
}

async function run(seconds: number, workers: number, cleanup: Cleanup) {
  const server = await openServer('broker', cleanup, true);
  const { admin, postgresVersion } = server;
  const database = `kopek_broker_bench_${process.pid}`;
  const kopekUrl = await scratchDatabase(server, database, cleanup);

  console.log('setup: schema, simulated banks, partner and routes, kopek serve');
  const pool = createPool(kopekUrl, 4);
  cleanup.push(() => pool.end());
  await migrate(pool);
  await migrateQueue(kopekUrl);
  const simPorts = [await freePort(), await freePort(), await freePort()];
  const simulators = await child(
    ['bench/broker/simulators.ts', ...simPorts.map(String)],
    {},
    /ready/,
    cleanup,
  );
  const dataKey = randomBytes(32);
  const cipher = new FieldCipher(dataKey);
  await withTx(pool, async (tx) => {
    const partnerId = await upsertPartner(tx, {
      guid: 'bench-partner',
      name: 'Bench',
      token: 'bench-token',
      offerDeadlineMs: DEADLINE_MS,
    });
    await upsertPoint(tx, {
      partnerId,
      code: 'bench-point',
      name: 'Bench',
      kind: 'pos_online',
      users: [{ code: 'op', name: 'Оператор' }],
    });
    for (const [i, code] of ['bench-a', 'bench-b', 'bench-c'].entries()) {
      const lenderId = await upsertLender(tx, cipher, {
        code,
        name: code,
        adapter: 'http',
        baseUrl: `http://127.0.0.1:${simPorts[i]}`,
        secret: `${code}-secret`,
        timeoutMs: 10_000,
      });
      await setRoute(tx, { partnerId, kind: 'pos', lenderId });
    }
  });
  const env = kopekEnv(kopekUrl, {
    KOPEK_DATA_KEY: dataKey.toString('base64'),
    KOPEK_JOB_CONCURRENCY: '64',
  });
  // With job processes of their own, the HTTP process only serves (its latency is the create call's).
  const http = await startKopek({ ...env, KOPEK_JOBS: workers > 0 ? 'off' : 'on' }, cleanup);
  const kopek = http.url;
  const known = new Map<number, string>([
    [http.process.pid!, 'kopek'],
    [simulators.pid!, 'simulator'],
  ]);
  for (let i = 0; i < workers; i++) known.set((await startKopek(env, cleanup)).process.pid!, 'kopek');
  const bareServer = await startBareServer(cleanup);

  const load = (base: string, s: number, route: string): Promise<Load> =>
    runWrk('bench/broker/load.lua', base, s, CONNECTIONS, [route]);
  console.log('\n[A] bare Fastify route');
  const bare = await load(bareServer.url, Math.min(seconds, 5), '/bare');
  console.log(loadLine('bare', bare));
  console.log('\nwarm-up (2 s, unmeasured), then waiting for its offers');
  await load(kopek, 2, '/dp/create_form');
  await waitClosed(pool, DEADLINE_MS + 30_000);
  await afterWarmUp(pool, admin);
  await statementsReset(pool);
  const startedAt = new Date();
  const cpuBefore = cpuSnapshot(known, database);
  console.log(`\n[B] create_form, ${seconds} s`);
  const create = await load(kopek, seconds, '/dp/create_form');
  console.log(
    `create_form: ${Math.round(create.rps)}/s, p50 ${create.p50} ms, p99 ${create.p99} ms, non-2xx ${create.non2xx}`,
  );
  console.log('waiting for every form to close (all lenders answered or the deadline came)');
  await waitClosed(pool, DEADLINE_MS + 60_000);
  await printStatements(pool, 'create_form and collection');
  // From the first create to the last answer: the HTTP call and the whole collection of a form.
  const cpu = describeCpu(
    cpuBetween(cpuBefore, cpuSnapshot(known, database)),
    create.requests,
    create.duration,
    { unit: 'form (create and collection)', others: false },
  );
  console.log(cpu);
  const collection = await collected(pool, startedAt);
  console.log(JSON.stringify(collection));
  return { postgresVersion, bare, create, collection, workers, cpu };
}

async function waitClosed(pool: pg.Pool, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM broker.forms WHERE status = 'collecting'`,
    );
    if (rows[0]!.n === 0 || Date.now() > deadline) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** A form is complete when all three lenders' offers arrived before its deadline. */
async function collected(pool: pg.Pool, since: Date): Promise<Collection> {
  const { rows } = await pool.query<{
    forms: number;
    complete: number;
    still_open: number;
    p50: number;
    p99: number;
    max: number;
    d50: number;
    d99: number;
    f50: number;
    f99: number;
  }>(
    `WITH f AS (
       SELECT f.id, f.status, f.deadline_at, f.created_at,
         bool_and(fl.status = 'offered' AND fl.answered_at <= f.deadline_at) AS complete,
         max(fl.answered_at) AS last_answer, min(fl.answered_at) AS first_answer, f.dispatched_at
       FROM broker.forms f JOIN broker.form_lenders fl ON fl.form_id = f.id
       WHERE f.created_at >= $1 GROUP BY f.id)
     SELECT count(*)::int AS forms, count(*) FILTER (WHERE complete)::int AS complete,
       count(*) FILTER (WHERE status = 'collecting')::int AS still_open,
       coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM last_answer - created_at) * 1000), 0)::float8 AS p50,
       coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM last_answer - created_at) * 1000), 0)::float8 AS p99,
       coalesce(max(extract(epoch FROM last_answer - created_at) * 1000), 0)::float8 AS max,
       coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM dispatched_at - created_at) * 1000), 0)::float8 AS d50,
       coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM dispatched_at - created_at) * 1000), 0)::float8 AS d99,
       coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_answer - created_at) * 1000), 0)::float8 AS f50,
       coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM first_answer - created_at) * 1000), 0)::float8 AS f99
     FROM f`,
    [since],
  );
  const r = rows[0]!;
  return {
    forms: r.forms,
    complete: r.complete,
    incomplete: r.forms - r.complete,
    stillOpen: r.still_open,
    p50Ms: Math.round(r.p50),
    p99Ms: Math.round(r.p99),
    maxMs: Math.round(r.max),
    dispatchP50Ms: Math.round(r.d50),
    dispatchP99Ms: Math.round(r.d99),
    firstP50Ms: Math.round(r.f50),
    firstP99Ms: Math.round(r.f99),
  };
}

function resultsTable(r: { bare: Load; create: Load; collection: Collection }): string {
  const f = count;
  const c = r.collection;
  return markdownTable(
    ['measure', 'value', 'target'],
    ['left', 'right', 'right'],
    [
      ['bare Fastify JSON route', `${f(r.bare.rps)}/s, p99 ${r.bare.p99} ms`, 'baseline'],
      [
        'create_form accepted',
        `${f(r.create.rps)}/s (${f(r.create.requests)} in ${r.create.duration} s, non-2xx ${r.create.non2xx}, errors ${r.create.errors})`,
        `${TARGET_RPS}/s`,
      ],
      ['create_form latency', `p50 ${r.create.p50} ms, p99 ${r.create.p99} ms`, `p99 < ${TARGET_P99_MS} ms`],
      [
        "forms with all 3 lenders' offers before the deadline",
        `${f(c.complete)} of ${f(c.forms)} (${c.forms ? ((100 * c.complete) / c.forms).toFixed(1) : '0'} %)`,
        'all',
      ],
      [
        "time from create to the last lender's answer",
        `p50 ${f(c.p50Ms)} ms, p99 ${f(c.p99Ms)} ms, max ${f(c.maxMs)} ms`,
        `< ${DEADLINE_MS / 1000} s`,
      ],
      [
        'of which: create to dispatch (collect job enqueued); create to the first answer',
        `p50 ${f(c.dispatchP50Ms)} / p99 ${f(c.dispatchP99Ms)} ms; p50 ${f(c.firstP50Ms)} / p99 ${f(c.firstP99Ms)} ms`,
        '',
      ],
      ['forms still collecting after the wait', String(c.stillOpen), '0'],
    ],
  );
}
