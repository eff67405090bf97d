/**
 * `npm run bench -- processing [--seconds N | --quick] [--no-record]`
 *
 * The agent protocol's `pay` (simple scheme, provider simulator answering at once) and `check`
 * at 64 concurrent connections, from a separate load process (wrk, bench/processing/load.lua), against `kopek serve`
 * as a separate process; baselines in the same run: `pgbench -N` at 64 clients on the same
 * PostgreSQL, and a bare Fastify JSON route. Appends the figures to bench/RESULTS.md.
 */
import os from 'node:os';
import { migrateQueue } from '../../src/jobs/queue.ts';
import { verifyLedger } from '../../src/ledger/index.ts';
import { CLI_ACTOR } from '../../src/platform/audit.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool, type Pool } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { adjustBalance, createAgent } from '../../src/processing/agents.ts';
import { importServices, readCatalogFile } from '../../src/processing/catalog.ts';
import { changeToken, createToken } from '../../src/processing/credentials.ts';
import { DEMO_CATALOG_FILE, pointDemoServicesAt } from '../../src/processing/demo.ts';
import { type Load, loadLine } from '../lib/autocannon.ts';
import { type Cleanup, withCleanup } from '../lib/cleanup.ts';
import { child, freePort } from '../lib/common.ts';
import { cpuBetween, cpuSnapshot, describeCpu } from '../lib/cpu.ts';
import { benchPoolSize, kopekEnv, startBareServer, startKopek } from '../lib/kopek.ts';
import { type BenchOptions, benchOptions } from '../lib/options.ts';
import { afterWarmUp, openServer, pgbench, pgbenchTps, scratchDatabase } from '../lib/postgres.ts';
import {
  count,
  LOADED_MACHINE,
  loadAverageNote,
  markdownTable,
  passFail,
  percent,
  report,
} from '../lib/results.ts';
import { runWrk } from '../lib/wrk.ts';

const CONNECTIONS = 64;
const AGENTS = 64;
const PGBENCH_SCALE = 10;
const TARGET_PAY_RATE = 1500;
const TARGET_PAY_PGBENCH = 1 / 3;
const TARGET_PAY_P99 = 60;
const TARGET_CHECK_BARE = 0.4;

interface Results {
  postgresVersion: string;
  pgbenchTps: number;
  bare: Load;
  check: Load;
  pay: Load;
  payments: number;
  paymentsPerSecond: number;
  results: Record<string, number>;
  checkCpu: string;
  payCpu: string;
}

export async function main(args: string[]): Promise<void> {
  const options = benchOptions(args, { seconds: 20, quickSeconds: 5 });
  // Figures on a shared machine mean little when others are busy: the load is recorded with them.
  const loadBefore = os.loadavg()[0]!;
  await withCleanup(async (cleanup) => {
    const r = await run(options, cleanup);
    report(
      {
        bench: 'processing',
        postgresVersion: r.postgresVersion,
        flag: loadBefore > os.cpus().length / 2 ? LOADED_MACHINE : '',
        intro:
          `${options.seconds} s per phase${options.quick ? ' (quick)' : ''}; ${CONNECTIONS} connections from one wrk thread; ` +
          `kopek serve (one process, DB_POOL_SIZE ${benchPoolSize()}, jobs on) and the OSMP simulator in their own processes; ` +
          `${AGENTS} agents; pgbench -N -c ${CONNECTIONS} -j 2 -s ${PGBENCH_SCALE}. Pay answers: ${JSON.stringify(r.results)}. ` +
          loadAverageNote(loadBefore),
        table: resultsTable(r),
      },
      options.record,
    );
  });
}

async function run(options: BenchOptions, cleanup: Cleanup): Promise<Results> {
  const { seconds } = options;
  const server = await openServer('proc', cleanup);
  const { admin, postgresVersion } = server;
  const database = `kopek_proc_bench_${process.pid}`;
  const kopekUrl = await scratchDatabase(server, database, cleanup);
  const pgbenchDatabase = `pgbench_proc_${process.pid}`;
  const pgbenchUrl = await scratchDatabase(server, pgbenchDatabase, cleanup);

  console.log('\n[A] pgbench -N');
  await pgbench(pgbenchUrl, ['-i', '-s', String(PGBENCH_SCALE), '-q']);
  await admin.query('CHECKPOINT');
  const out = await pgbench(pgbenchUrl, ['-N', '-c', String(CONNECTIONS), '-j', '2', '-T', String(seconds)]);
  const pgbenchRate = pgbenchTps(out);
  console.log(`pgbench -N: ${Math.round(pgbenchRate)} TPS`);
  await admin.query(`DROP DATABASE ${admin.escapeIdentifier(pgbenchDatabase)} WITH (FORCE)`);

  console.log('\nsetup: schema, simulator, catalogue, agents, kopek serve, bare route');
  const pool = createPool(kopekUrl, 8);
  cleanup.push(() => pool.end());
  await migrate(pool);
  await migrateQueue(kopekUrl);
  const simPort = await freePort();
  const simulator = await child(
    ['src/processing/simulator/main.ts', '--port', String(simPort)],
    {},
    /provider simulator/,
    cleanup,
  );
  await withTx(pool, (tx) => importServices(tx, readCatalogFile(DEMO_CATALOG_FILE)));
  await pointDemoServicesAt(pool, `http://127.0.0.1:${simPort}`);
  const tokens = await benchAgents(pool);
  const kopek = await startKopek(kopekEnv(kopekUrl), cleanup);
  const bareServer = await startBareServer(cleanup);
  const known = new Map<number, string>([
    [kopek.process.pid!, 'kopek'],
    [simulator.pid!, 'simulator'],
    [bareServer.process.pid!, 'bare'],
  ]);

  const load = (url: string, kind: string, s: number): Promise<Load> =>
    runWrk('bench/processing/load.lua', url, s, CONNECTIONS, [kind, tokens.join(',')]);
  console.log('\nwarm-up (unmeasured)');
  await load(kopek.url, 'pay', Math.min(3, seconds));
  await load(kopek.url, 'check', Math.min(2, seconds));
  await afterWarmUp(pool, admin);
  console.log('\n[B] bare Fastify route');
  const bare = await load(bareServer.url, 'bare', seconds);
  console.log(loadLine('bare', bare));
  console.log('\n[C] check');
  let cpuBefore = cpuSnapshot(known, database);
  const check = await load(kopek.url, 'check', seconds);
  const checkCpu = describeCpu(
    cpuBetween(cpuBefore, cpuSnapshot(known, database)),
    check.requests,
    check.duration,
  );
  console.log(loadLine('check', check));
  await admin.query('CHECKPOINT');
  console.log('\n[D] pay');
  const before = await countPayments(pool);
  cpuBefore = cpuSnapshot(known, database);
  const pay = await load(kopek.url, 'pay', seconds);
  const payGroups = cpuBetween(cpuBefore, cpuSnapshot(known, database));
  const after = await countPayments(pool);
  const results: Record<string, number> = {};
  for (const [code, n] of Object.entries(after)) results[code] = n - (before[code] ?? 0);
  const payments = results['0'] ?? 0;
  const paymentsPerSecond = payments / pay.duration;
  const payCpu = describeCpu(payGroups, payments, pay.duration);
  console.log(
    `pay: ${Math.round(pay.rps)} answers/s, ${Math.round(paymentsPerSecond)} payments/s, p99 ${pay.p99} ms`,
  );
  const verified = await verifyLedger(pool);
  if (!verified.ok)
    throw new Error(
      `the ledger does not verify after the bench: ${JSON.stringify(verified.problems.slice(0, 3))}`,
    );
  return {
    postgresVersion,
    pgbenchTps: pgbenchRate,
    bare,
    check,
    pay,
    payments,
    paymentsPerSecond,
    results,
    checkCpu,
    payCpu,
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

function resultsTable(r: Results): string {
  const f = count;
  const pct = percent;
  const pass = passFail;
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
    ['pay: CPU per successful payment', r.payCpu, '', ''],
    ['check: CPU per check', r.checkCpu, '', ''],
    [
      'errors / non-2xx / timeouts (pay, check)',
      `${r.pay.errors}/${r.pay.non2xx}/${r.pay.timeouts}, ${r.check.errors}/${r.check.non2xx}/${r.check.timeouts}`,
      '0',
      '',
    ],
  ];
  return markdownTable(['measure', 'value', 'target', 'result'], ['left', 'right', 'left', 'left'], rows);
}
