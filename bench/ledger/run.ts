/**
 * `npm run bench -- ledger [--seconds N | --quick] [--no-record]`
 *
 * Single-transfer throughput and latency of the ledger service at 32 concurrent callers, set
 * against `pgbench -N` (the TPC-B-like "simple update" script) on the same PostgreSQL in the
 * same run, plus the throughput of the batch API. Appends the figures to bench/RESULTS.md.
 *
 * Uses a throwaway embedded PostgreSQL unless BENCH_DATABASE_URL names a server where the user
 * may create databases (two scratch databases are made there and dropped afterwards).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { migrateQueue } from '../../src/jobs/queue.ts';
import {
  move,
  openAccount,
  type TransferInput,
  transfer,
  transferBatch,
  verifyLedger,
} from '../../src/ledger/index.ts';
import { settlementAccount } from '../../src/ledger/system-accounts.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool, type Pool } from '../../src/platform/db/pool.ts';
import { type Cleanup, withCleanup } from '../lib/cleanup.ts';
import { type BenchOptions, benchOptions } from '../lib/options.ts';
import { openServer, pgbenchTps, pgbench as runPgbenchProcess, scratchDatabase } from '../lib/postgres.ts';
import { count as fmt, markdownTable, passFail, percent as pct, report } from '../lib/results.ts';

/** Concurrent callers, as in the issue; pgbench gets the same number of clients. */
const CALLERS = 32;
/** pgbench threads: one per core of the reference machine. */
const PGBENCH_THREADS = 2;
/** pgbench_accounts has 100,000 rows per unit of scale: 1,000,000 here, so clients rarely collide. */
const PGBENCH_SCALE = 10;
/** Enough accounts that 32 callers picking random pairs rarely wait on each other's row locks. */
const ACCOUNTS = 10_000;
/** Every bench account may not go negative, like a customer wallet; this much keeps it solvent. */
const FUNDING = 1_000_000_000_000n;
const MAX_AMOUNT = 10_000;
const BATCH_SIZE = 2_000;
const TARGET_RATIO = 0.5;
const TARGET_BATCH_TPS = 20_000;
/** Share of the machine used by other processes above which a run is flagged as unreliable. */
const BUSY_WARNING = 0.1;

interface LatencySummary {
  count: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

/** `perSecond` is the TPS pgbench reports (without connection time); percentiles are from its log. */
interface PgbenchResult extends LatencySummary {
  version: string;
}

interface BatchResult {
  transfers: number;
  seconds: number;
  perSecond: number;
  /** Wall time of one `transferBatch` call, median. */
  callP50: number;
}

/** How busy the machine was during a phase and who kept it busy, to see what ran out of CPU. */
interface CpuLoad {
  /** Share of all cores busy, 0..1. */
  machine: number;
  /** This Node process, in cores (1 = one core fully busy). */
  node: number;
  /**
   * Share of all cores used by anything but this process, pgbench and the embedded server (a test
   * suite running alongside, say); undefined where that cannot be told (an external server).
   */
  others: number | undefined;
}

interface Results {
  options: BenchOptions;
  /** Share of the machine other processes kept busy just before the run, 0..1. */
  busyBefore: number;
  /** The largest share of the machine other processes used during a phase, where known. */
  busyDuring: number | undefined;
  postgresVersion: string;
  pgbench: PgbenchResult;
  pgbenchCpu: CpuLoad;
  single: LatencySummary;
  singleCpu: CpuLoad;
  batch: BatchResult;
  batchCpu: CpuLoad;
}

export async function main(args: string[]): Promise<void> {
  const options = benchOptions(args, { seconds: 20, quickSeconds: 5 });
  await withCleanup(async (cleanup) => {
    const r = await runBench(options, cleanup);
    const mode = r.options.quick ? ' (quick)' : '';
    report(
      {
        bench: 'ledger',
        postgresVersion: r.postgresVersion,
        intro:
          `${r.options.seconds} s per phase${mode}; ${CALLERS} callers / pgbench clients (-j ${PGBENCH_THREADS}, -s ${PGBENCH_SCALE}, ` +
          `${r.pgbench.version}); ledger: ${ACCOUNTS.toLocaleString('en-US')} accounts, one pool of ${CALLERS}. ${busyNote(r)}`,
        table: resultsTable(r),
      },
      options.record,
      busyNote(r),
    );
  });
}

async function runBench(options: BenchOptions, cleanup: Cleanup): Promise<Results> {
  const busyBefore = await measureBackgroundLoad();
  const server = await openServer('ledger', cleanup);
  const { admin, serverPid, postgresVersion } = server;
  const suffix = `${process.pid}`;
  const ledgerUrl = await scratchDatabase(server, `kopek_bench_${suffix}`, cleanup);
  const pgbenchUrl = await scratchDatabase(server, `pgbench_${suffix}`, cleanup);
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-bench-log-'));
  cleanup.push(() => rmSync(logDir, { recursive: true, force: true }));

  console.log(`PostgreSQL ${postgresVersion}; ${options.seconds} s per phase, ${CALLERS} callers`);
  console.log('\n[A] pgbench -N');
  await initPgbench(pgbenchUrl);
  await checkpoint(admin);
  const pgbenchCpu = startCpuMeter(serverPid);
  const pgbench = await runPgbench(pgbenchUrl, options.seconds, logDir);
  const pgbenchLoad = pgbenchCpu();

  const pool = createPool(ledgerUrl, CALLERS, { applicationName: 'kopek-bench' });
  cleanup.push(() => pool.end());
  await migrate(pool);
  await migrateQueue(ledgerUrl);
  console.log(`\nsetup: ${ACCOUNTS} RUB accounts (lower bound 0), funded from settlement`);
  const accounts = await setupAccounts(pool);
  const runId = `bench:${Date.now().toString(36)}`;

  console.log('\n[B] ledger transfer(), single');
  await checkpoint(admin);
  // The pool opens its connections lazily; pgbench's TPS leaves connection time out, so a short
  // unmeasured run does the same here (and lets V8 and the plpgsql plan cache warm up).
  await runSingle(pool, accounts, Math.min(2, options.seconds), `${runId}:warm`);
  const singleCpu = startCpuMeter(serverPid);
  const single = await runSingle(pool, accounts, options.seconds, `${runId}:single`);
  const singleLoad = singleCpu();

  console.log('\n[C] ledger transferBatch()');
  await checkpoint(admin);
  const batchCpu = startCpuMeter(serverPid);
  const batch = await runBatches(pool, accounts, options.seconds, `${runId}:batch`);
  const batchLoad = batchCpu();

  console.log('\nverifying the ledger');
  const report = await verifyLedger(pool);
  if (!report.ok) {
    const problems = report.problems.map((p) => `  ${p.kind} ${p.subject}: ${p.detail}`).join('\n');
    throw new Error(`verifyLedger found problems after the bench:\n${problems}`);
  }
  console.log(`ok: ${report.accounts} accounts, ${report.transfers} transfers, ${report.entries} entries`);

  const others = [pgbenchLoad, singleLoad, batchLoad].map((load) => load.others);
  return {
    options,
    busyBefore,
    busyDuring: others.includes(undefined) ? undefined : Math.max(...(others as number[])),
    postgresVersion,
    pgbench,
    pgbenchCpu: pgbenchLoad,
    single,
    singleCpu: singleLoad,
    batch,
    batchCpu: batchLoad,
  };
}

/**
 * Every phase is CPU-bound on a small machine, so anything else running (a test suite, say)
 * lowers the figures; measure it first so that a run on a busy machine is flagged, not trusted.
 */
async function measureBackgroundLoad(): Promise<number> {
  const meter = startCpuMeter(undefined);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const busy = meter().machine;
  console.log(`machine ${pct(busy)} busy before the run`);
  if (busy > BUSY_WARNING) console.warn('warning: other processes are using the CPU: figures will be low');
  return busy;
}

// --- server and databases -------------------------------------------------------------------

/** Each phase starts without the previous phase's dirty pages being flushed under it. */
async function checkpoint(admin: pg.Client): Promise<void> {
  await admin.query('CHECKPOINT');
}

// --- phase A: pgbench ---------------------------------------------------------------------------

async function initPgbench(url: string): Promise<void> {
  console.log(`pgbench -i -s ${PGBENCH_SCALE}`);
  await runPgbenchProcess(url, ['-i', '-s', String(PGBENCH_SCALE), '-q'], false);
}

async function runPgbench(url: string, seconds: number, logDir: string): Promise<PgbenchResult> {
  const prefix = path.join(logDir, 'pgbench');
  const args = ['-N', '-c', String(CALLERS), '-j', String(PGBENCH_THREADS), '-T', String(seconds)];
  args.push('-P', String(Math.max(1, Math.round(seconds / 4))), '-l', `--log-prefix=${prefix}`);
  console.log(`pgbench ${args.slice(0, -1).join(' ')}`);
  const output = await runPgbenchProcess(url, args, true);
  const version = (await runPgbenchProcess(url, ['--version'], false)).trim();
  return { ...summarize(readPgbenchLog(logDir), seconds), perSecond: pgbenchTps(output), version };
}

/**
 * Latencies in ms from pgbench's per-transaction logs (one file per thread: `<prefix>.<pid>` and
 * `<prefix>.<pid>.<thread>`). Each line is `client tx_no latency_us script epoch_s epoch_us`; failed
 * transactions carry a word instead of the latency and are left out.
 */
function readPgbenchLog(logDir: string): Float64Array {
  const values: number[] = [];
  for (const file of readdirSync(logDir).filter((f) => f.startsWith('pgbench.'))) {
    for (const line of readFileSync(path.join(logDir, file), 'utf8').split('\n')) {
      const latencyUs = Number(line.split(' ', 3)[2]);
      if (line !== '' && Number.isFinite(latencyUs)) values.push(latencyUs / 1000);
    }
  }
  if (values.length === 0) throw new Error(`pgbench wrote no transaction log in ${logDir}`);
  return Float64Array.from(values);
}

// --- ledger setup -------------------------------------------------------------------------------

/** Opens the bench accounts and funds each from the settlement account; returns their ids. */
async function setupAccounts(pool: Pool): Promise<bigint[]> {
  const settlement = await settlementAccount(pool, 'RUB');
  const ids = new Array<bigint>(ACCOUNTS);
  await forEachConcurrently(ACCOUNTS, 16, async (i) => {
    const account = await openAccount(pool, {
      code: `bench:wallet:${i}`,
      ownerType: 'bench',
      ownerId: String(i),
      kind: 'wallet',
      currency: 'RUB',
      lowerBound: 0n,
    });
    ids[i] = account.id;
  });
  for (let start = 0; start < ACCOUNTS; start += BATCH_SIZE) {
    const funding = ids.slice(start, start + BATCH_SIZE).map((id) => ({
      key: `bench:fund:${id}`,
      kind: 'bench.fund',
      entries: move(settlement.id, id, FUNDING),
    }));
    await transferBatch(pool, funding);
  }
  return ids;
}

async function forEachConcurrently(
  count: number,
  concurrency: number,
  work: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await work(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

function randomTransfer(accounts: readonly bigint[], key: string, kind: string): TransferInput {
  const a = Math.floor(Math.random() * accounts.length);
  // A different account: shift b past a, so the pair is uniform over distinct pairs.
  let b = Math.floor(Math.random() * (accounts.length - 1));
  if (b >= a) b++;
  const amount = BigInt(1 + Math.floor(Math.random() * MAX_AMOUNT));
  return { key, kind, entries: move(accounts[a]!, accounts[b]!, amount) };
}

// --- phase B: single transfers ------------------------------------------------------------------

/** CALLERS async callers sharing one pool, each posting one transfer after another until time is up. */
async function runSingle(
  pool: Pool,
  accounts: readonly bigint[],
  seconds: number,
  keyPrefix: string,
): Promise<LatencySummary> {
  const latencies: number[] = [];
  const started = performance.now();
  await runCallers(CALLERS, started + seconds * 1000, async (caller, i) => {
    const input = randomTransfer(accounts, `${keyPrefix}:${caller}:${i}`, 'bench.single');
    const t0 = performance.now();
    await transfer(pool, input);
    latencies.push(performance.now() - t0);
  });
  const summary = summarize(Float64Array.from(latencies), (performance.now() - started) / 1000);
  const { count, perSecond, p50, p99 } = summary;
  console.log(`${count} transfers, ${fmt(perSecond)}/s, p50 ${ms(p50)}, p99 ${ms(p99)}`);
  return summary;
}

/**
 * Runs `callers` loops of `step` until `deadline` (performance.now() ms). The first error stops
 * every loop and is rethrown once all of them have finished, so nothing still uses the pool after.
 */
async function runCallers(
  callers: number,
  deadline: number,
  step: (caller: number, i: number) => Promise<void>,
): Promise<void> {
  let failed = false;
  const loop = async (caller: number): Promise<void> => {
    try {
      for (let i = 0; !failed && performance.now() < deadline; i++) await step(caller, i);
    } catch (error) {
      failed = true;
      throw error;
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: callers }, (_, caller) => loop(caller)));
  const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (rejected) throw rejected.reason;
}

// --- phase C: batches ---------------------------------------------------------------------------

/**
 * One caller posting BATCH_SIZE random transfers per `transferBatch` call, back to back. One
 * caller because a batch locks every account it touches until commit: a second concurrent batch
 * over the same accounts would mostly wait on those locks, not add throughput.
 */
async function runBatches(
  pool: Pool,
  accounts: readonly bigint[],
  seconds: number,
  keyPrefix: string,
): Promise<BatchResult> {
  const callTimes: number[] = [];
  const started = performance.now();
  await runCallers(1, started + seconds * 1000, async (_caller, call) => {
    const inputs = Array.from({ length: BATCH_SIZE }, (_, j) =>
      randomTransfer(accounts, `${keyPrefix}:${call}:${j}`, 'bench.batch'),
    );
    const t0 = performance.now();
    await transferBatch(pool, inputs);
    callTimes.push(performance.now() - t0);
  });
  const elapsed = (performance.now() - started) / 1000;
  const transfers = callTimes.length * BATCH_SIZE;
  const result = {
    transfers,
    seconds: elapsed,
    perSecond: transfers / elapsed,
    callP50: percentile(Float64Array.from(callTimes).sort(), 0.5),
  };
  const calls = `${callTimes.length} calls of ${BATCH_SIZE}`;
  console.log(`${calls}: ${fmt(result.perSecond)} transfers/s, ${ms(result.callP50)} per call (p50)`);
  return result;
}

// --- measurement --------------------------------------------------------------------------------

function summarize(latencies: Float64Array, seconds: number): LatencySummary {
  const sorted = latencies.sort();
  return {
    count: sorted.length,
    seconds,
    perSecond: sorted.length / seconds,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
  };
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/**
 * Starts measuring; the returned function gives the load since the start. With the embedded
 * server's pid, it also tells how much CPU went to other processes.
 */
function startCpuMeter(serverPid: number | undefined): () => CpuLoad {
  const machineStart = machineTimes();
  const nodeStart = process.cpuUsage();
  const ownStart = ownCpuMs(serverPid);
  const t0 = performance.now();
  return () => {
    const machineEnd = machineTimes();
    const node = process.cpuUsage(nodeStart);
    const ownEnd = ownCpuMs(serverPid);
    const wallMs = performance.now() - t0;
    const total = machineEnd.total - machineStart.total;
    const busy = total - (machineEnd.idle - machineStart.idle);
    const own = ownStart === undefined || ownEnd === undefined ? undefined : ownEnd - ownStart;
    return {
      machine: busy / total,
      node: (node.user + node.system) / 1000 / wallMs,
      others: own === undefined ? undefined : Math.max(0, busy - own) / total,
    };
  };
}

/** Core-milliseconds since boot, busy or not, summed over all cores. */
function machineTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const cpu of os.cpus()) {
    const t = cpu.times;
    idle += t.idle;
    total += t.user + t.nice + t.sys + t.idle + t.irq;
  }
  return { idle, total };
}

/** Clock ticks per second of the times in /proc/<pid>/stat (USER_HZ, 100 on mainstream Linux). */
const USER_HZ = 100;

interface ProcStat {
  ppid: number;
  /** CPU time of the process itself, in ticks. */
  ticks: number;
  /** CPU time of its exited children that it has waited for, in ticks. */
  childTicks: number;
}

/**
 * CPU milliseconds used so far by this process and its children (pgbench), and by the embedded
 * server: the postmaster, its live processes, and the exited backends it has reaped. Undefined
 * without a server pid or without Linux's /proc.
 */
function ownCpuMs(serverPid: number | undefined): number | undefined {
  if (serverPid === undefined) return undefined;
  const self = readProcStat(process.pid);
  const server = readProcStat(serverPid);
  if (!self || !server) return undefined;
  let ticks = self.ticks + self.childTicks + server.ticks + server.childTicks;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProcStat(Number(name));
    if (stat?.ppid === serverPid || stat?.ppid === process.pid) ticks += stat.ticks;
  }
  return (ticks * 1000) / USER_HZ;
}

function readProcStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // no /proc, or the process has exited since the listing
  }
  // The command name, in parentheses, may hold spaces: count the fields after it (state = 0).
  const fields = text
    .slice(text.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return {
    ppid: fields[1]!,
    ticks: fields[11]! + fields[12]!,
    childTicks: fields[13]! + fields[14]!,
  };
}

// --- reporting ----------------------------------------------------------------------------------

function ms(n: number): string {
  return `${n.toFixed(n < 10 ? 2 : 1)} ms`;
}

function resultsTable(r: Results): string {
  const ratio = r.single.perSecond / r.pgbench.perSecond;
  const batchOk = r.batch.perSecond >= TARGET_BATCH_TPS;
  return markdownTable(
    ['measure', 'value', 'target', 'result', 'notes'],
    ['left', 'right', 'left', 'left', 'left'],
    [
      ['pgbench -N TPS', fmt(r.pgbench.perSecond), 'baseline', '', cpuNote(r.pgbenchCpu)],
      ['pgbench -N p50 / p99', `${ms(r.pgbench.p50)} / ${ms(r.pgbench.p99)}`, '', '', 'per-transaction log'],
      ['ledger single TPS', fmt(r.single.perSecond), '', '', cpuNote(r.singleCpu)],
      [
        'ledger single p50 / p95 / p99',
        `${ms(r.single.p50)} / ${ms(r.single.p95)} / ${ms(r.single.p99)}`,
        '',
        '',
        '',
      ],
      ['ledger / pgbench', pct(ratio), `≥ ${pct(TARGET_RATIO)}`, passFail(ratio >= TARGET_RATIO), ''],
      [
        'batch transfers/s',
        fmt(r.batch.perSecond),
        `≥ ${fmt(TARGET_BATCH_TPS)}`,
        passFail(batchOk),
        batchNote(r),
      ],
    ],
    true,
  );
}

function batchNote(r: Results): string {
  return `${BATCH_SIZE} per call, ${ms(r.batch.callP50)} per call; ${cpuNote(r.batchCpu)}`;
}

/** Who used the CPU during a phase: whether PostgreSQL, Node or something else was the limit. */
function cpuNote(load: CpuLoad): string {
  const others = load.others === undefined ? '' : ` (other processes ${pct(load.others)})`;
  return `machine CPU ${pct(load.machine)}${others}, Node ${load.node.toFixed(2)} cores`;
}

/** Whether other work on the machine competed with the bench for CPU, from both measurements. */
function busyNote(r: Results): string {
  const during = r.busyDuring === undefined ? '' : `, at most ${pct(r.busyDuring)} during a phase`;
  const note = `Other processes used ${pct(r.busyBefore)} of the machine just before the run${during}`;
  const busy = r.busyBefore > BUSY_WARNING || (r.busyDuring ?? 0) > BUSY_WARNING;
  return busy ? `**${note}: the figures are low and unreliable.**` : `${note}.`;
}
