/**
 * `npm run bench -- broker [--seconds N | --quick] [--workers N] [--no-record]`
 *
 * `create_form` at 64 connections from a separate autocannon process against `kopek serve` in
 * its own process, three simulated banks (their own process) answering scoring in 100-500 ms.
 * Measures the create call (forms/s accepted, p50/p99) and then whether every form's offers were
 * all collected before its deadline. Baseline in the same run: a bare Fastify JSON route.
 * `--workers N` runs the jobs (lender calls) in N more `kopek serve` processes sharing the queue, and
 * the HTTP process with KOPEK_JOBS=off; with 0 (the default) one process does both.
 * Appends the figures to bench/RESULTS.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { setRoute, upsertLender, upsertPartner, upsertPoint } from '../../src/broker/partners.ts';
import { migrateQueue } from '../../src/jobs/queue.ts';
import { FieldCipher } from '../../src/platform/crypto.ts';
import { startEmbeddedPostgres } from '../../src/platform/db/embedded.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { capture, child, freePort, machineLine, ROOT } from '../lib/common.ts';

const RESULTS_FILE = path.join(ROOT, 'bench', 'RESULTS.md');
const RESULTS_HEADER = `# Benchmark results

Appended by \`npm run bench -- <name>\`; see bench/README.md for what each bench measures.
Earlier sections are kept as they were written: compare runs on the same machine only.
`;
const CONNECTIONS = 64;
const DEADLINE_MS = 30_000;
const TARGET_RPS = 500;
const TARGET_P99_MS = 100;

interface Load {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}

interface Collection {
  forms: number;
  complete: number;
  incomplete: number;
  stillOpen: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      workers: { type: 'string', default: '0' },
      'no-record': { type: 'boolean', default: false },
    },
  });
  const seconds = Number(values.seconds ?? (values.quick ? 5 : 15));
  const workers = Number(values.workers);
  const cleanup: (() => unknown)[] = [];
  const runCleanup = async () => {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`cleanup: ${(error as Error).message}`);
      }
    }
    cleanup.length = 0;
  };
  const onSignal = () => void runCleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  try {
    const r = await run(seconds, workers, cleanup);
    const table = resultsTable(r);
    console.log(`\n${machineLine(r.postgresVersion)}\n\n${table}`);
    if (!values['no-record']) {
      if (!existsSync(RESULTS_FILE)) writeFileSync(RESULTS_FILE, RESULTS_HEADER);
      appendFileSync(
        RESULTS_FILE,
        [
          '',
          `## broker — ${new Date().toISOString()} — ${machineLine(r.postgresVersion)}`,
          '',
          `${seconds} s of create_form at ${CONNECTIONS} connections from one autocannon process; kopek serve ` +
            `(DB_POOL_SIZE 40, KOPEK_JOB_CONCURRENCY 64; ${workers > 0 ? `HTTP only, plus ${workers} job process(es)` : 'HTTP and jobs in one process'}); three ` +
            `simulated banks in their own process scoring in 100-500 ms; offer deadline ${DEADLINE_MS / 1000} s. ` +
            `Targets: ${TARGET_RPS} forms/s accepted, p99 < ${TARGET_P99_MS} ms, all offers within the deadline.`,
          '',
          table,
          '',
        ].join('\n'),
      );
      console.log(`appended to ${path.relative(process.cwd(), RESULTS_FILE)}`);
    }
  } finally {
    await runCleanup();
    process.off('SIGINT', onSignal);
  }
}

async function run(seconds: number, workers: number, cleanup: (() => unknown)[]) {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-bench-broker-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    cleanup.push(() => server.stop());
    adminUrl = server.adminUrl;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  cleanup.push(() => admin.end());
  const postgresVersion = (await admin.query<{ v: string }>(`SELECT current_setting('server_version') AS v`))
    .rows[0]!.v;
  const dbName = `kopek_broker_bench_${process.pid}`;
  await admin.query(`CREATE DATABASE ${dbName}`);
  cleanup.push(() => admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const kopekUrl = url.toString();

  console.log('setup: schema, simulated banks, partner and routes, kopek serve');
  const pool = createPool(kopekUrl, 4);
  cleanup.push(() => pool.end());
  await migrate(pool);
  await migrateQueue(kopekUrl);
  const simPorts = [await freePort(), await freePort(), await freePort()];
  await child(['bench/broker/simulators.ts', ...simPorts.map(String)], {}, /ready/, cleanup);
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
  const env = (port: number) => ({
    DATABASE_URL: kopekUrl,
    PORT: String(port),
    KOPEK_ENV: 'production',
    KOPEK_DATA_KEY: dataKey.toString('base64'),
    KOPEK_SESSION_SECRET: randomBytes(32).toString('hex'),
    KOPEK_SEED_DEMO: 'never',
    LOG_LEVEL: 'warn',
    DB_POOL_SIZE: '40',
    KOPEK_JOB_CONCURRENCY: '64',
  });
  const kopekPort = await freePort();
  const kopek = `http://127.0.0.1:${kopekPort}`;
  // With job processes of their own, the HTTP process only serves (its latency is the create call's).
  await child(
    ['bin/kopek.js', 'serve'],
    { ...env(kopekPort), KOPEK_JOBS: workers > 0 ? 'off' : 'on' },
    undefined,
    cleanup,
    `${kopek}/readyz`,
  );
  for (let i = 0; i < workers; i++) {
    const port = await freePort();
    await child(['bin/kopek.js', 'serve'], env(port), undefined, cleanup, `http://127.0.0.1:${port}/readyz`);
  }
  const barePort = await freePort();
  await child(['bench/processing/bare-server.ts', String(barePort)], {}, /ready/, cleanup);

  const load = async (base: string, s: number, route: string): Promise<Load> =>
    JSON.parse(await capture(['bench/broker/load.ts', base, String(s), String(CONNECTIONS), route])) as Load;
  console.log('\n[A] bare Fastify route');
  const bare = await load(`http://127.0.0.1:${barePort}`, Math.min(seconds, 5), '/bare');
  console.log(`bare: ${Math.round(bare.rps)}/s, p99 ${bare.p99} ms`);
  console.log('\nwarm-up (2 s, unmeasured), then waiting for its offers');
  await load(kopek, 2, '/dp/create_form');
  await waitClosed(pool, DEADLINE_MS + 30_000);
  await admin.query('CHECKPOINT');
  const startedAt = new Date();
  console.log(`\n[B] create_form, ${seconds} s`);
  const create = await load(kopek, seconds, '/dp/create_form');
  console.log(
    `create_form: ${Math.round(create.rps)}/s, p50 ${create.p50} ms, p99 ${create.p99} ms, non-2xx ${create.non2xx}`,
  );
  console.log('waiting for every form to close (all lenders answered or the deadline came)');
  await waitClosed(pool, DEADLINE_MS + 60_000);
  const collection = await collected(pool, startedAt);
  console.log(JSON.stringify(collection));
  return { postgresVersion, bare, create, collection, workers };
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
  }>(
    `WITH f AS (
       SELECT f.id, f.status, f.deadline_at, f.created_at,
         bool_and(fl.status = 'offered' AND fl.answered_at <= f.deadline_at) AS complete,
         max(fl.answered_at) AS last_answer
       FROM broker.forms f JOIN broker.form_lenders fl ON fl.form_id = f.id
       WHERE f.created_at >= $1 GROUP BY f.id)
     SELECT count(*)::int AS forms, count(*) FILTER (WHERE complete)::int AS complete,
       count(*) FILTER (WHERE status = 'collecting')::int AS still_open,
       coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM last_answer - created_at) * 1000), 0)::float8 AS p50,
       coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM last_answer - created_at) * 1000), 0)::float8 AS p99,
       coalesce(max(extract(epoch FROM last_answer - created_at) * 1000), 0)::float8 AS max
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
  };
}

function resultsTable(r: { bare: Load; create: Load; collection: Collection }): string {
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  const c = r.collection;
  return [
    '| measure | value | target |',
    '| --- | ---: | ---: |',
    `| bare Fastify JSON route | ${f(r.bare.rps)}/s, p99 ${r.bare.p99} ms | baseline |`,
    `| create_form accepted | ${f(r.create.rps)}/s (${f(r.create.requests)} in ${r.create.duration} s, non-2xx ${r.create.non2xx}, errors ${r.create.errors}) | ${TARGET_RPS}/s |`,
    `| create_form latency | p50 ${r.create.p50} ms, p99 ${r.create.p99} ms | p99 < ${TARGET_P99_MS} ms |`,
    `| forms with all 3 lenders' offers before the deadline | ${f(c.complete)} of ${f(c.forms)} (${c.forms ? ((100 * c.complete) / c.forms).toFixed(1) : '0'} %) | all |`,
    `| time from create to the last lender's answer | p50 ${f(c.p50Ms)} ms, p99 ${f(c.p99Ms)} ms, max ${f(c.maxMs)} ms | < ${DEADLINE_MS / 1000} s |`,
    `| forms still collecting after the wait | ${c.stillOpen} | 0 |`,
  ].join('\n');
}
