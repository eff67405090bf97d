/**
 * `npm run bench -- mymfo [--seconds N | --quick] [--deals N] [--no-record]`
 *
 * The "Моя МФО" face on a database of 100,000 issued loans: `Payment/QIWI pay` (1.00 over random
 * deals, a fresh txn_id each), `PS/deal` (the cabinet's debt summary) and `Payment/QIWI check`,
 * at 64 concurrent connections from wrk (bench/mymfo/load.lua, one thread), against `kopek serve` as a
 * separate process; the baseline in the same run is a bare Fastify GET route on the same
 * machine (bench/lib/bare-server.ts, GET). Pay and PS/deal run twice: as fast as the 64 connections
 * go (the rate target), then at the target rate on a fixed schedule (the latency target: a closed
 * loop's latency is 64 / rate by Little's law, whatever the rate). Appends the figures to
 * bench/RESULTS.md (bench/lib/results.ts).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { migrateQueue } from '../../src/jobs/queue.ts';
import { refreshSortBalances, verifyLedger } from '../../src/ledger/index.ts';
import { todayMoscow } from '../../src/lending/dates.ts';
import { addCredential } from '../../src/mymfo/credentials.ts';
import { CLI_ACTOR } from '../../src/platform/audit.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool, type Pool } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { type Load, loadLine, pacedP99 } from '../lib/autocannon.ts';
import { type Cleanup, withCleanup } from '../lib/cleanup.ts';
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
import { count, loadAverageNote, markdownTable, pacedCell, passFail, report } from '../lib/results.ts';
import { runWrk } from '../lib/wrk.ts';
import { generateDeals } from './generate.ts';
import { benchDealNumber, benchPassport } from './numbers.ts';

const CONNECTIONS = 64;
const DEFAULT_DEALS = 100_000;
const DEFAULT_SECONDS = 20;
const QUICK_SECONDS = 5;
const TARGET_PAY_RATE = 1000;
const TARGET_PSDEAL_RATE = 2000;
const TARGET_P99 = 50;

interface Results {
  seconds: number;
  quick: boolean;
  deals: number;
  generateSeconds: number;
  postgresVersion: string;
  bare: Load;
  check: Load;
  /** undefined: the face has no PS/deal route yet (the check phase stands in for the debt summary). */
  psdeal: Load | undefined;
  /** PS/deal and pay at their target rates, on a fixed schedule. */
  psdealPaced: Load | undefined;
  pay: Load;
  payPaced: Load;
  payments: number;
  paymentsPerSecond: number;
  /** Per phase: CPU per request (per payment for pay) by process group. */
  cpu: Record<string, string>;
}

export async function main(args: string[]): Promise<void> {
  const options = benchOptions(args, {
    seconds: DEFAULT_SECONDS,
    quickSeconds: QUICK_SECONDS,
    extra: ['deals'],
  });
  const deals = Number(options.values.deals ?? DEFAULT_DEALS);
  const loadBefore = os.loadavg()[0]!;
  await withCleanup(async (cleanup) => {
    const r = await run(options.seconds, deals, options.quick, cleanup);
    report(
      {
        bench: 'mymfo',
        postgresVersion: r.postgresVersion,
        intro:
          (loadBefore > os.cpus().length / 2
            ? '**Measured on a loaded machine (parallel work): the figures are low and unreliable.** '
            : '') +
          `${r.seconds} s per phase${r.quick ? ' (quick)' : ''}; ${count(r.deals)} issued loans ` +
          `(generated in SQL in ${r.generateSeconds.toFixed(0)} s); ${CONNECTIONS} connections from one wrk ` +
          'thread, as fast as they go (closed loop: the rate), then at the target rate on a fixed ' +
          'schedule (the latency; a send that finds every connection busy is counted late, and the p99 checked is an upper bound that counts them (bench/README.md)); ' +
          `kopek serve (one process, DB_POOL_SIZE ${benchPoolSize()}, jobs off) in its own process. ` +
          (r.psdeal
            ? ''
            : '**PS/deal was not served by the face at the time of the run: not measured; the check phase reads the same debt summary.** ') +
          loadAverageNote(loadBefore),
        table: `${resultsTable(r)}\n\n${Object.entries(r.cpu)
          .map(([name, line]) => `- ${name}: ${line}`)
          .join('\n')}`,
      },
      options.record,
    );
  });
}

async function run(seconds: number, deals: number, quick: boolean, cleanup: Cleanup): Promise<Results> {
  const server = await openServer('mymfo', cleanup);
  const database = `kopek_mymfo_bench_${process.pid}`;
  const kopekUrl = await scratchDatabase(server, database, cleanup);

  console.log(`\nsetup: schema, ${count(deals)} loans, credentials, kopek serve, bare route`);
  const pool = createPool(kopekUrl, 8);
  cleanup.push(() => pool.end());
  await migrate(pool);
  await migrateQueue(kopekUrl);
  const dataKey = randomBytes(32);
  const t0 = performance.now();
  await generateDeals(pool, deals, todayMoscow(), dataKey, (l) => console.log(l));
  const generateSeconds = (performance.now() - t0) / 1000;
  await withTx(pool, async (tx) => {
    await addCredential(
      tx,
      { login: 'qiwi', password: 'qiwi-password', kind: 'payment', paymentService: 'QIWI' },
      CLI_ACTOR,
    );
    await addCredential(tx, { login: 'site', password: 'site-password', kind: 'site' }, CLI_ACTOR);
  });
  const started = await startKopek(
    kopekEnv(kopekUrl, { KOPEK_DATA_KEY: dataKey.toString('base64'), KOPEK_JOBS: 'off' }),
    cleanup,
  );
  const kopek = started.url;
  const bare = await startBareServer(cleanup);
  const bareUrl = bare.url;
  const known = new Map<number, string>([
    [started.process.pid!, 'kopek'],
    [bare.process.pid!, 'bare'],
  ]);
  const cpu: Record<string, string> = {};
  /** A measured phase, with the CPU each process group spent a request (or a payment: `per`). */
  const phase = async (
    name: string,
    kind: string,
    per?: () => Promise<number>,
    rate?: number,
  ): Promise<Load> => {
    const before = cpuSnapshot(known, database);
    const l = await load(kopek, kind, seconds, rate);
    const n = per ? await per() : l.requests;
    cpu[name] = describeCpu(cpuBetween(before, cpuSnapshot(known, database)), n, l.duration);
    console.log(`${name}: ${cpu[name]}`);
    return l;
  };
  const hasPsDeal = await probePsDeal(kopek);
  console.log(hasPsDeal ? 'PS/deal: served' : 'PS/deal: not served by the face yet, skipped');

  const load = (target: string, kind: string, s: number, rate?: number): Promise<Load> =>
    runWrk('bench/mymfo/load.lua', target, s, CONNECTIONS, [kind, deals], 1, rate);
  console.log('\nwarm-up (unmeasured)');
  await load(kopek, 'pay', Math.min(3, seconds));
  await load(kopek, 'check', Math.min(2, seconds));
  if (hasPsDeal) await load(kopek, 'psdeal', Math.min(2, seconds));
  await afterWarmUp(pool, server.admin);
  console.log('\n[A] bare Fastify route');
  const bareLoad = await load(bareUrl, 'bare', seconds);
  console.log(loadLine('bare', bareLoad));
  let psdeal: Load | undefined;
  let psdealPaced: Load | undefined;
  if (hasPsDeal) {
    console.log('\n[B] PS/deal');
    psdeal = await phase('PS/deal', 'psdeal');
    console.log(loadLine('PS/deal', psdeal));
    console.log(`\n[B'] PS/deal at ${count(TARGET_PSDEAL_RATE)}/s`);
    psdealPaced = await phase(`PS/deal at ${TARGET_PSDEAL_RATE}/s`, 'psdeal', undefined, TARGET_PSDEAL_RATE);
    console.log(loadLine('PS/deal', psdealPaced));
  }
  console.log('\n[C] Payment/QIWI check');
  const check = await phase('check', 'check');
  console.log(loadLine('check', check));
  await server.admin.query('CHECKPOINT');
  await statementsReset(pool);
  console.log('\n[D] Payment/QIWI pay');
  const before = await countPayments(pool);
  let payments = 0;
  const pay = await phase('pay', 'pay', async () => {
    payments = (await countPayments(pool)) - before;
    return payments;
  });
  const paymentsPerSecond = payments / pay.duration;
  await printStatements(pool, 'pay');
  console.log(`pay: ${Math.round(paymentsPerSecond)} payments/s; ${loadLine('answers', pay)}`);
  console.log(`\n[D'] Payment/QIWI pay at ${count(TARGET_PAY_RATE)}/s`);
  const payPaced = await phase(`pay at ${TARGET_PAY_RATE}/s`, 'pay', undefined, TARGET_PAY_RATE);
  console.log(loadLine('pay', payPaced));
  // What the minute job ledger:refresh_sort_balances (off in this run) then has to copy.
  const r0 = performance.now();
  const refreshed = await refreshSortBalances(pool);
  console.log(
    `sort balances: ${count(refreshed)} accounts refreshed in ${((performance.now() - r0) / 1000).toFixed(1)} s`,
  );
  const ledger = await verifyLedger(pool);
  if (!ledger.ok)
    throw new Error(
      `the ledger does not verify after the bench: ${JSON.stringify(ledger.problems.slice(0, 3))}`,
    );
  return {
    seconds,
    quick,
    deals,
    generateSeconds,
    postgresVersion: server.postgresVersion,
    bare: bareLoad,
    check,
    psdeal,
    psdealPaced,
    cpu,
    pay,
    payPaced,
    payments,
    paymentsPerSecond,
  };
}

/** True when the face answers PS/deal with the document's debt summary. */
async function probePsDeal(kopek: string): Promise<boolean> {
  const res = await fetch(`${kopek}/MeMFOWork/hs/PS/deal/${benchDealNumber(1)}/${benchPassport(1)}`, {
    headers: { authorization: `Basic ${Buffer.from('site:site-password').toString('base64')}` },
  });
  const text = await res.text();
  return res.status === 200 && text.includes('ОбщийДолгНаТекДату');
}

async function countPayments(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: bigint }>(
    `SELECT count(*)::bigint AS n FROM lending.payments WHERE service = 'QIWI'`,
  );
  return Number(rows[0]!.n);
}

function resultsTable(r: Results): string {
  const f = count;
  const pass = passFail;
  const errs = (l: Load) => `${l.errors}/${l.non2xx}/${l.timeouts}`;
  const rows = [
    [
      'bare Fastify GET route req/s',
      `${f(r.bare.rps)} (p50 ${r.bare.p50} ms, p99 ${r.bare.p99} ms)`,
      'baseline',
      '',
    ],
    [
      'pay: successful payments/s (closed loop)',
      `${f(r.paymentsPerSecond)} (${f(r.payments)} payments)`,
      `≥ ${f(TARGET_PAY_RATE)}`,
      pass(r.paymentsPerSecond >= TARGET_PAY_RATE),
    ],
    ['pay p50 / p99 at that rate (closed loop)', `${r.pay.p50} ms / ${r.pay.p99} ms`, '', ''],
    [
      'pay at the target rate',
      pacedCell(r.payPaced, TARGET_PAY_RATE),
      `p99 < ${TARGET_P99} ms`,
      pass(pacedP99(r.payPaced) < TARGET_P99),
    ],
    ...(r.psdeal && r.psdealPaced
      ? [
          [
            'PS/deal req/s (closed loop)',
            `${f(r.psdeal.rps)} (p50 ${r.psdeal.p50} ms, p99 ${r.psdeal.p99} ms)`,
            `≥ ${f(TARGET_PSDEAL_RATE)}`,
            pass(r.psdeal.rps >= TARGET_PSDEAL_RATE),
          ],
          [
            'PS/deal at the target rate',
            pacedCell(r.psdealPaced, TARGET_PSDEAL_RATE),
            `p99 < ${TARGET_P99} ms`,
            pass(pacedP99(r.psdealPaced) < TARGET_P99),
          ],
        ]
      : [['PS/deal req/s', 'not measured (route not served yet)', `≥ ${f(TARGET_PSDEAL_RATE)}`, '']]),
    [
      'check (debt summary) req/s',
      `${f(r.check.rps)} (p50 ${r.check.p50} ms, p99 ${r.check.p99} ms)`,
      '',
      '',
    ],
    ['pay / bare route', `${Math.round((r.pay.rps / r.bare.rps) * 100)}%`, '', ''],
    [
      'errors / non-2xx / timeouts (pay, check, PS/deal; then at the target rates)',
      `${errs(r.pay)}, ${errs(r.check)}, ${r.psdeal ? errs(r.psdeal) : '—'}; ${errs(r.payPaced)}, ${r.psdealPaced ? errs(r.psdealPaced) : '—'}`,
      '0',
      '',
    ],
  ];
  return markdownTable(['measure', 'value', 'target', 'result'], ['left', 'right', 'left', 'left'], rows);
}
