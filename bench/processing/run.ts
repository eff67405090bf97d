/**
 * `npm run bench -- processing [--seconds N | --quick] [--no-record]`
 *
 * The agent protocol's `pay` (simple scheme, provider simulator answering at once) and `check`
 * at 64 concurrent connections, from a separate load process (autocannon), against `kopek serve`
 * as a separate process; baselines in the same run: `pgbench -N` at 64 clients on the same
 * PostgreSQL, and a bare Fastify JSON route. Appends the figures to bench/RESULTS.md.
 *
 * The embedded-server, pgbench and RESULTS.md helpers are copied (shortened) from
 * bench/ledger/run.ts, which does not export them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrateQueue } from '../../src/jobs/queue.ts';
import { verifyLedger } from '../../src/ledger/index.ts';
import { CLI_ACTOR } from '../../src/platform/audit.ts';
import { startEmbeddedPostgres } from '../../src/platform/db/embedded.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool, type Pool } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { adjustBalance, createAgent } from '../../src/processing/agents.ts';
import { importServices, readCatalogFile } from '../../src/processing/catalog.ts';
import { changeToken, createToken } from '../../src/processing/credentials.ts';
import { DEMO_CATALOG_FILE, pointDemoServicesAt } from '../../src/processing/demo.ts';
import { capture, child, freePort, machineLine, ROOT } from '../lib/common.ts';

const CONNECTIONS = 64;
const AGENTS = 64;
const PGBENCH_SCALE = 10;
const DEFAULT_SECONDS = 20;
const QUICK_SECONDS = 5;
const RESULTS_FILE = path.resolve(import.meta.dirname, '..', 'RESULTS.md');
const RESULTS_HEADER = `# Benchmark results

Appended by \`npm run bench -- <name>\`; see bench/README.md for what each bench measures.
Earlier sections are kept as they were written: compare runs on the same machine only.
`;
const TARGET_PAY_RATE = 1500;
const TARGET_PAY_PGBENCH = 1 / 3;
const TARGET_PAY_P99 = 60;
const TARGET_CHECK_BARE = 0.4;

interface Load {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}

interface Results {
  seconds: number;
  quick: boolean;
  postgresVersion: string;
  pgbenchTps: number;
  bare: Load;
  check: Load;
  pay: Load;
  payments: number;
  paymentsPerSecond: number;
  results: Record<string, number>;
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-record': { type: 'boolean', default: false },
    },
  });
  const seconds = Number(values.seconds ?? (values.quick ? QUICK_SECONDS : DEFAULT_SECONDS));
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
  // Figures on a shared machine mean little when others are busy: the load is recorded with them.
  const loadBefore = os.loadavg()[0]!;
  try {
    const r = await run(seconds, values.quick === true, cleanup);
    const table = resultsTable(r);
    console.log(`\n${machineLine(r.postgresVersion)}\n\n${table}`);
    if (!values['no-record']) {
      if (!existsSync(RESULTS_FILE)) writeFileSync(RESULTS_FILE, RESULTS_HEADER);
      appendFileSync(
        RESULTS_FILE,
        [
          '',
          `## processing — ${new Date().toISOString()} — ${machineLine(r.postgresVersion)}`,
          '',
          `${r.seconds} s per phase${r.quick ? ' (quick)' : ''}; ${CONNECTIONS} connections from one autocannon process; ` +
            `kopek serve (one process, DB_POOL_SIZE 40, jobs on) and the OSMP simulator in their own processes; ` +
            `${AGENTS} agents; pgbench -N -c ${CONNECTIONS} -j 2 -s ${PGBENCH_SCALE}. Pay answers: ${JSON.stringify(r.results)}. ` +
            `Load average ${loadBefore.toFixed(1)} before the run, ${os.loadavg()[0]!.toFixed(1)} after (${os.cpus().length} cores).`,
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

async function run(seconds: number, quick: boolean, cleanup: (() => unknown)[]): Promise<Results> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-bench-proc-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      log: (l) => console.log(l),
    });
    cleanup.push(() => server.stop());
    adminUrl = server.adminUrl;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  cleanup.push(() => admin.end());
  const postgresVersion = (await admin.query<{ v: string }>(`SELECT current_setting('server_version') AS v`))
    .rows[0]!.v;
  const kopekUrl = await scratch(admin, adminUrl, `kopek_proc_bench_${process.pid}`, cleanup);
  const pgbenchUrl = await scratch(admin, adminUrl, `pgbench_proc_${process.pid}`, cleanup);

  console.log('\n[A] pgbench -N');
  await pgbench(pgbenchUrl, ['-i', '-s', String(PGBENCH_SCALE), '-q']);
  await admin.query('CHECKPOINT');
  const out = await pgbench(pgbenchUrl, ['-N', '-c', String(CONNECTIONS), '-j', '2', '-T', String(seconds)]);
  const pgbenchTps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1]);
  console.log(`pgbench -N: ${Math.round(pgbenchTps)} TPS`);
  await admin.query(`DROP DATABASE ${admin.escapeIdentifier(`pgbench_proc_${process.pid}`)} WITH (FORCE)`);

  console.log('\nsetup: schema, simulator, catalogue, agents, kopek serve, bare route');
  const pool = createPool(kopekUrl, 8);
  cleanup.push(() => pool.end());
  await migrate(pool);
  await migrateQueue(kopekUrl);
  const simPort = await freePort();
  await child(
    ['src/processing/simulator/main.ts', '--port', String(simPort)],
    {},
    /provider simulator/,
    cleanup,
  );
  await withTx(pool, (tx) => importServices(tx, readCatalogFile(DEMO_CATALOG_FILE)));
  await pointDemoServicesAt(pool, `http://127.0.0.1:${simPort}`);
  const tokens = await benchAgents(pool);
  const kopekPort = await freePort();
  const kopek = `http://127.0.0.1:${kopekPort}`;
  await child(
    ['bin/kopek.js', 'serve'],
    {
      DATABASE_URL: kopekUrl,
      PORT: String(kopekPort),
      KOPEK_ENV: 'production',
      KOPEK_DATA_KEY: randomBytes(32).toString('base64'),
      KOPEK_SESSION_SECRET: randomBytes(32).toString('hex'),
      KOPEK_SEED_DEMO: 'never',
      LOG_LEVEL: 'warn',
      DB_POOL_SIZE: '40',
    },
    undefined,
    cleanup,
    `${kopek}/readyz`,
  );
  const barePort = await freePort();
  await child(['bench/processing/bare-server.ts', String(barePort)], {}, /ready/, cleanup);

  const load = async (url: string, kind: string, s: number): Promise<Load> => {
    const text = await capture([
      'bench/processing/load.ts',
      url,
      kind,
      String(s),
      String(CONNECTIONS),
      tokens.join(','),
    ]);
    return JSON.parse(text) as Load;
  };
  console.log('\nwarm-up (unmeasured)');
  await load(kopek, 'pay', Math.min(3, seconds));
  await load(kopek, 'check', Math.min(2, seconds));
  await admin.query('CHECKPOINT');
  console.log('\n[B] bare Fastify route');
  const bare = await load(`http://127.0.0.1:${barePort}`, 'bare', seconds);
  console.log(`bare: ${Math.round(bare.rps)}/s, p99 ${bare.p99} ms`);
  console.log('\n[C] check');
  const check = await load(kopek, 'check', seconds);
  console.log(`check: ${Math.round(check.rps)}/s, p99 ${check.p99} ms`);
  await admin.query('CHECKPOINT');
  console.log('\n[D] pay');
  const before = await countPayments(pool);
  const pay = await load(kopek, 'pay', seconds);
  const after = await countPayments(pool);
  const results: Record<string, number> = {};
  for (const [code, n] of Object.entries(after)) results[code] = n - (before[code] ?? 0);
  const payments = results['0'] ?? 0;
  const paymentsPerSecond = payments / pay.duration;
  console.log(
    `pay: ${Math.round(pay.rps)} answers/s, ${Math.round(paymentsPerSecond)} payments/s, p99 ${pay.p99} ms`,
  );
  const report = await verifyLedger(pool);
  if (!report.ok)
    throw new Error(
      `the ledger does not verify after the bench: ${JSON.stringify(report.problems.slice(0, 3))}`,
    );
  return {
    seconds,
    quick,
    postgresVersion,
    pgbenchTps,
    bare,
    check,
    pay,
    payments,
    paymentsPerSecond,
    results,
  };
}

async function benchAgents(pool: Pool): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < AGENTS; i++) {
    tokens.push(
      await withTx(pool, async (tx) => {
        const agent = await createAgent(
          tx,
          { login: `bench${i}`, name: `Bench ${i}`, currency: 'KZT' },
          CLI_ACTOR,
        );
        const t = await createToken(tx, agent, CLI_ACTOR);
        await changeToken(tx, t.id, 'confirm', CLI_ACTOR);
        await adjustBalance(tx, agent, { amount: 10n ** 15n, kind: 'topup', reason: 'bench' }, CLI_ACTOR);
        return t.token;
      }),
    );
  }
  return tokens;
}

async function countPayments(pool: Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ result: number; n: bigint }>(
    'SELECT result, count(*)::bigint AS n FROM processing.payments GROUP BY result',
  );
  return Object.fromEntries(rows.map((r) => [String(r.result), Number(r.n)]));
}

async function scratch(
  admin: pg.Client,
  adminUrl: string,
  name: string,
  cleanup: (() => unknown)[],
): Promise<string> {
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  cleanup.push(() => admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

function pgbench(url: string, args: string[]): Promise<string> {
  const u = new URL(url);
  const env = {
    ...process.env,
    PGHOST: u.hostname,
    PGPORT: u.port,
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: u.pathname.slice(1),
  };
  return new Promise((resolve, reject) => {
    const p = spawn(process.env.PGBENCH ?? 'pgbench', args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.once('error', reject);
    p.once('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`pgbench ${args.join(' ')}: ${stderr.slice(-1000)}`)),
    );
  });
}

/** A long-running child (tsx script or bin/kopek.js), ready when its output matches or a URL answers 200. */

function resultsTable(r: Results): string {
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  const pct = (n: number) => `${Math.round(n * 100)}%`;
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const payRatio = r.paymentsPerSecond / r.pgbenchTps;
  const checkRatio = r.check.rps / r.bare.rps;
  const rows = [
    ['pgbench -N TPS', f(r.pgbenchTps), 'baseline', ''],
    ['bare Fastify route req/s', `${f(r.bare.rps)} (p99 ${r.bare.p99} ms)`, 'baseline', ''],
    [
      'pay: successful payments/s',
      f(r.paymentsPerSecond),
      `≥ ${f(TARGET_PAY_RATE)}`,
      pass(r.paymentsPerSecond >= TARGET_PAY_RATE),
    ],
    ['pay / pgbench', pct(payRatio), `≥ ${pct(TARGET_PAY_PGBENCH)}`, pass(payRatio >= TARGET_PAY_PGBENCH)],
    [
      'pay p50 / p99',
      `${r.pay.p50} ms / ${r.pay.p99} ms`,
      `p99 < ${TARGET_PAY_P99} ms`,
      pass(r.pay.p99 < TARGET_PAY_P99),
    ],
    ['check req/s', `${f(r.check.rps)} (p50 ${r.check.p50} ms, p99 ${r.check.p99} ms)`, '', ''],
    [
      'check / bare route',
      pct(checkRatio),
      `≥ ${pct(TARGET_CHECK_BARE)}`,
      pass(checkRatio >= TARGET_CHECK_BARE),
    ],
    [
      'errors / non-2xx / timeouts (pay, check)',
      `${r.pay.errors}/${r.pay.non2xx}/${r.pay.timeouts}, ${r.check.errors}/${r.check.non2xx}/${r.check.timeouts}`,
      '0',
      '',
    ],
  ];
  return [
    '| measure | value | target | result |',
    '| --- | ---: | --- | --- |',
    ...rows.map((c) => `| ${c.join(' | ')} |`),
  ].join('\n');
}
