/**
 * `npm run bench -- wallet [--seconds N | --quick] [--shards N] [--no-record]`
 *
 * The mserver 2 wallet's create + pay of one-step payments (Мегафон, provider simulator answering
 * at once) at 64 connections, from a separate load process (wrk, bench/wallet/load.lua, one thread:
 * creates, and pays each created payment with its wallet's session cookie, 64 wallets), against `kopek serve` as
 * a separate process; the baseline in the same run: a bare Fastify JSON route at the same connections.
 * Create + pay runs twice: as fast as the 64 connections go (the rate target), then at the target
 * rate on a fixed schedule (the latency target: a closed loop's mean latency is 64 / rate by
 * Little's law). Appends the figures to bench/RESULTS.md.
 */
import os from 'node:os';
import { migrateQueue } from '../../src/jobs/queue.ts';
import { move, transfer, verifyLedger } from '../../src/ledger/index.ts';
import { settlementAccount } from '../../src/ledger/system-accounts.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { FieldCipher, hashPassword } from '../../src/platform/crypto.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool, type Pool } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { createLogger } from '../../src/platform/logging.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { importServices, readCatalogFile } from '../../src/processing/catalog.ts';
import { DEMO_CATALOG_FILE, pointDemoServicesAt } from '../../src/processing/demo.ts';
import { ensureWalletAgents } from '../../src/wallet/demo.ts';
import { insertWallet } from '../../src/wallet/wallets.ts';
import { type Load, loadLine, pacedP99 } from '../lib/autocannon.ts';
import { type Cleanup, withCleanup } from '../lib/cleanup.ts';
import { child, freePort } from '../lib/common.ts';
import { cpuBetween, cpuSnapshot, describeCpu } from '../lib/cpu.ts';
import { benchPoolSize, kopekEnv, startBareServer, startKopek } from '../lib/kopek.ts';
import { type BenchOptions, benchOptions } from '../lib/options.ts';
import {
  afterWarmUp,
  openServer,
  printStatements,
  scratchDatabase,
  statementsReset,
} from '../lib/postgres.ts';
import {
  count,
  LOADED_MACHINE,
  loadAverageNote,
  markdownTable,
  pacedCell,
  passFail,
  report,
} from '../lib/results.ts';
import { runWrk } from '../lib/wrk.ts';

const CONNECTIONS = 64;
const WALLETS = 64;
/**
 * Wallet agents (WALLET_AGENT_SHARDS; `--shards N`). Each pay locks its agent's balance row in
 * the processing centre's reserve and settle; since those are batched, one statement locks it
 * once for up to 32 pays.
 */
const DEFAULT_AGENT_SHARDS = 1;
const PASSWORD = 'bench-password';
const TARGET_RATE = 800;
const TARGET_P99 = 80;

interface Phase {
  load: Load;
  payments: number;
  paymentsPerSecond: number;
  /** CPU per completed payment by process group (bench/lib/cpu.ts). */
  cpu: string;
}

interface Results {
  postgresVersion: string;
  bare: Load;
  /** Closed loop, then at the target rate (a create and a pay per payment). */
  pay: Phase;
  paced: Phase;
  states: Record<string, number>;
}

export async function main(args: string[]): Promise<void> {
  const options = benchOptions(args, { seconds: 20, quickSeconds: 5, extra: ['shards'] });
  const shards = Number(options.values.shards ?? DEFAULT_AGENT_SHARDS);
  if (!Number.isInteger(shards) || shards < 1) throw new Error('--shards: a whole number from 1');
  const loadBefore = os.loadavg()[0]!;
  await withCleanup(async (cleanup) => {
    const r = await run(options, shards, cleanup);
    report(
      {
        bench: 'wallet',
        postgresVersion: r.postgresVersion,
        flag: loadBefore > os.cpus().length ? LOADED_MACHINE : '',
        intro:
          `${options.seconds} s per phase${options.quick ? ' (quick)' : ''}; ${CONNECTIONS} connections from one wrk thread, ` +
          `each repeating create + pay (one-step service 1, 1 rouble) with the session cookie of one of ${WALLETS} wallets; ` +
          `kopek serve (one process, DB_POOL_SIZE ${benchPoolSize()}, jobs on, WALLET_AGENT_SHARDS ${shards}) and the OSMP simulator in their own processes. ` +
          'Two phases: as fast as the connections go (closed loop: the rate), then at the target rate on a fixed schedule ' +
          '(the latency; a send that finds every connection busy is counted late, and the p99 checked is an upper bound that counts them (bench/README.md)). ' +
          `Payment states after the run: ${JSON.stringify(r.states)}. ` +
          loadAverageNote(loadBefore),
        table: `${resultsTable(r)}\n\n- closed loop: ${r.pay.cpu}\n- at the target rate: ${r.paced.cpu}`,
      },
      options.record,
    );
  });
}

async function run(options: BenchOptions, shards: number, cleanup: Cleanup): Promise<Results> {
  const { seconds } = options;
  const server = await openServer('wallet', cleanup);
  const { admin, postgresVersion } = server;
  const database = `kopek_wallet_bench_${process.pid}`;
  const kopekUrl = await scratchDatabase(server, database, cleanup);

  console.log('setup: schema, simulator, catalogue, wallet agent, wallets, kopek serve, bare route');
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
  const env = kopekEnv(kopekUrl, { WALLET_AGENT_SHARDS: String(shards) });
  await withTx(pool, async (tx) => {
    await importServices(tx, readCatalogFile(DEMO_CATALOG_FILE));
    await ensureWalletAgents(tx, 'wallet', shards, 10n ** 15n);
  });
  await pointDemoServicesAt(pool, `http://127.0.0.1:${simPort}`);
  await benchWallets(pool, env);
  const started = await startKopek(env, cleanup);
  const kopek = started.url;
  const known = new Map<number, string>([
    [started.process.pid!, 'kopek'],
    [simulator.pid!, 'simulator'],
  ]);
  const cookies = await logIn(kopek);
  const bareServer = await startBareServer(cleanup);

  const load = (target: string, kind: string, s: number, rate?: number): Promise<Load> =>
    runWrk('bench/wallet/load.lua', target, s, CONNECTIONS, [kind, cookies.join(',')], 1, rate);
  console.log('\nwarm-up (unmeasured)');
  await load(kopek, 'pay', Math.min(3, seconds));
  await afterWarmUp(pool, admin);
  console.log('\n[A] bare Fastify route');
  const bare = await load(bareServer.url, 'bare', seconds);
  console.log(loadLine('bare', bare));
  const phase = async (label: string, rate?: number): Promise<Phase> => {
    console.log(`\n${label}`);
    await statementsReset(pool);
    const before = await finished(pool);
    const cpuBefore = cpuSnapshot(known, database);
    const l = await load(kopek, 'pay', seconds, rate);
    const payments = (await finished(pool)) - before;
    await printStatements(pool, 'create + pay');
    const cpu = describeCpu(cpuBetween(cpuBefore, cpuSnapshot(known, database)), payments, l.duration, {
      unit: 'completed payment (its create and pay)',
    });
    console.log(cpu);
    const paymentsPerSecond = payments / l.duration;
    console.log(`${loadLine('create+pay requests', l)}; ${Math.round(paymentsPerSecond)} payments/s`);
    return { load: l, payments, paymentsPerSecond, cpu };
  };
  const pay = await phase('[B] create + pay, as fast as the connections go');
  // A payment is a create and a pay: the schedule sends twice the target's payments a second.
  const paced = await phase(`[C] create + pay at ${TARGET_RATE} payments/s`, 2 * TARGET_RATE);
  const { rows } = await pool.query<{ state: string; n: string }>(
    'SELECT state, count(*)::text AS n FROM wallet.payments GROUP BY state',
  );
  const states = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  const verified = await verifyLedger(pool);
  if (!verified.ok)
    throw new Error(`the ledger does not verify: ${JSON.stringify(verified.problems.slice(0, 3))}`);
  return { postgresVersion, bare, pay, paced, states };
}

/** 64 active wallets with a large balance (production mode: no dev credit; topped up from settlement). */
async function benchWallets(pool: Pool, env: Record<string, string>): Promise<void> {
  const config = loadConfig(env);
  const dataKey = Buffer.from(env.KOPEK_DATA_KEY!, 'base64');
  const ctx: AppContext = {
    config,
    pool,
    log: createLogger('silent'),
    secrets: { dataKey, sessionSecret: env.KOPEK_SESSION_SECRET! },
    cipher: new FieldCipher(dataKey),
    metrics: createMetrics(pool),
  };
  const hash = await hashPassword(PASSWORD);
  await withTx(pool, async (tx) => {
    const settlement = await settlementAccount(tx, 'RUB');
    for (let i = 0; i < WALLETS; i++) {
      const wallet = await insertWallet(tx, ctx, phone(i), hash, { activate: true });
      await transfer(tx, {
        key: `bench:wallet:${wallet.id}`,
        kind: 'bench.topup',
        entries: move(settlement.id, wallet.accountId, 10n ** 12n),
      });
    }
  });
}

function phone(i: number): string {
  return `+7900${String(i).padStart(7, '0')}`;
}

/** One Basic login per wallet: the load then sends only the session cookie. */
async function logIn(kopek: string): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < WALLETS; i++) {
    const res = await fetch(`${kopek}/v1/wallet`, {
      headers: { authorization: `Basic ${Buffer.from(`${phone(i)}:${PASSWORD}`).toString('base64')}` },
    });
    const cookie = /JSESSIONID=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
    if (res.status !== 200 || !cookie) throw new Error(`login of wallet ${i}: HTTP ${res.status}`);
    cookies.push(cookie);
  }
  return cookies;
}

async function finished(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*)::text AS n FROM wallet.payments WHERE state = 'finished'`,
  );
  return Number(rows[0]!.n);
}

function resultsTable(r: Results): string {
  const f = count;
  const pass = passFail;
  const errs = (l: Load) => `${l.errors}/${l.non2xx}/${l.timeouts}`;
  const rows = [
    [
      'bare Fastify route req/s',
      `${f(r.bare.rps)} (p50 ${r.bare.p50} ms, p99 ${r.bare.p99} ms)`,
      'baseline',
      '',
    ],
    [
      'create + pay, closed loop: completed payments/s',
      `${f(r.pay.paymentsPerSecond)} (${f(r.pay.load.rps)} requests/s; p50 ${r.pay.load.p50} ms, p99 ${r.pay.load.p99} ms)`,
      `≥ ${f(TARGET_RATE)}`,
      pass(r.pay.paymentsPerSecond >= TARGET_RATE),
    ],
    [
      'create + pay at the target rate: request latency',
      `${pacedCell(r.paced.load, 2 * TARGET_RATE)}; ${f(r.paced.paymentsPerSecond)} payments/s completed`,
      `p99 < ${TARGET_P99} ms`,
      pass(pacedP99(r.paced.load) < TARGET_P99),
    ],
    [
      'errors / non-2xx / timeouts (closed loop; at the target rate)',
      `${errs(r.pay.load)}; ${errs(r.paced.load)}`,
      '0',
      '',
    ],
  ];
  return markdownTable(['measure', 'value', 'target', 'result'], ['left', 'right', 'left', 'left'], rows);
}
