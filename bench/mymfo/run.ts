/**
 * `npm run bench -- mymfo [--seconds N | --quick] [--deals N] [--no-record]`
 *
 * The "Моя МФО" face on a database of 100,000 issued loans: `Payment/QIWI pay` (1.00 over random
 * deals, a fresh txn_id each), `PS/deal` (the cabinet's debt summary) and `Payment/QIWI check`,
 * at 64 concurrent connections from a separate autocannon process, against `kopek serve` as a
 * separate process; the baseline in the same run is a bare Fastify GET route on the same
 * machine. Appends the figures to bench/RESULTS.md. The embedded-server and RESULTS.md helpers
 * follow bench/processing/run.ts.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { migrateQueue } from '../../src/jobs/queue.ts';
import { verifyLedger } from '../../src/ledger/index.ts';
import { todayMoscow } from '../../src/lending/dates.ts';
import { addCredential } from '../../src/mymfo/credentials.ts';
import { CLI_ACTOR } from '../../src/platform/audit.ts';
import { startEmbeddedPostgres } from '../../src/platform/db/embedded.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool, type Pool } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { capture, child, freePort, machineLine } from '../lib/common.ts';
import { generateDeals } from './generate.ts';
import { benchDealNumber, benchPassport } from './numbers.ts';

const CONNECTIONS = 64;
const DEFAULT_DEALS = 100_000;
const DEFAULT_SECONDS = 20;
const QUICK_SECONDS = 5;
const RESULTS_FILE = path.resolve(import.meta.dirname, '..', 'RESULTS.md');
const RESULTS_HEADER = `# Benchmark results

Appended by \`npm run bench -- <name>\`; see bench/README.md for what each bench measures.
Earlier sections are kept as they were written: compare runs on the same machine only.
`;
const TARGET_PAY_RATE = 1000;
const TARGET_PSDEAL_RATE = 2000;
const TARGET_P99 = 50;

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
  deals: number;
  generateSeconds: number;
  postgresVersion: string;
  bare: Load;
  check: Load;
  /** undefined: the face has no PS/deal route yet (the check phase stands in for the debt summary). */
  psdeal: Load | undefined;
  pay: Load;
  payments: number;
  paymentsPerSecond: number;
}

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string' },
      deals: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'no-record': { type: 'boolean', default: false },
    },
  });
  const seconds = Number(values.seconds ?? (values.quick ? QUICK_SECONDS : DEFAULT_SECONDS));
  const deals = Number(values.deals ?? DEFAULT_DEALS);
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
  const loadBefore = os.loadavg()[0]!;
  try {
    const r = await run(seconds, deals, values.quick === true, cleanup);
    const table = resultsTable(r);
    console.log(`\n${machineLine(r.postgresVersion)}\n\n${table}`);
    if (!values['no-record']) {
      if (!existsSync(RESULTS_FILE)) writeFileSync(RESULTS_FILE, RESULTS_HEADER);
      appendFileSync(
        RESULTS_FILE,
        [
          '',
          `## mymfo — ${new Date().toISOString()} — ${machineLine(r.postgresVersion)}`,
          '',
          (loadBefore > os.cpus().length / 2
            ? '**Measured on a loaded machine (parallel work): the figures are low and unreliable.** '
            : '') +
            `${r.seconds} s per phase${r.quick ? ' (quick)' : ''}; ${r.deals.toLocaleString('en-US')} issued loans ` +
            `(generated in SQL in ${r.generateSeconds.toFixed(0)} s); ${CONNECTIONS} connections from one autocannon ` +
            `process; kopek serve (one process, DB_POOL_SIZE 40, jobs off) in its own process. ` +
            (r.psdeal
              ? ''
              : '**PS/deal was not served by the face at the time of the run: not measured; the check phase reads the same debt summary.** ') +
            `Load average ${loadBefore.toFixed(1)} before the run, ${os.loadavg()[0]!.toFixed(1)} after ` +
            `(${os.cpus().length} cores).`,
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

async function run(
  seconds: number,
  deals: number,
  quick: boolean,
  cleanup: (() => unknown)[],
): Promise<Results> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-bench-mymfo-'));
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
  const name = `kopek_mymfo_bench_${process.pid}`;
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  cleanup.push(() => admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const kopekUrl = url.toString();

  console.log(
    `\nsetup: schema, ${deals.toLocaleString('en-US')} loans, credentials, kopek serve, bare route`,
  );
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
  const kopekPort = await freePort();
  const kopek = `http://127.0.0.1:${kopekPort}`;
  await child(
    ['bin/kopek.js', 'serve'],
    {
      DATABASE_URL: kopekUrl,
      PORT: String(kopekPort),
      KOPEK_ENV: 'production',
      KOPEK_DATA_KEY: dataKey.toString('base64'),
      KOPEK_SESSION_SECRET: randomBytes(32).toString('hex'),
      KOPEK_SEED_DEMO: 'never',
      KOPEK_JOBS: 'off',
      LOG_LEVEL: 'warn',
      DB_POOL_SIZE: '40',
    },
    undefined,
    cleanup,
    `${kopek}/readyz`,
  );
  const barePort = await freePort();
  await child(['bench/mymfo/bare-server.ts', String(barePort)], {}, /ready/, cleanup);
  const hasPsDeal = await probePsDeal(kopek);
  console.log(hasPsDeal ? 'PS/deal: served' : 'PS/deal: not served by the face yet, skipped');

  const load = async (target: string, kind: string, s: number): Promise<Load> => {
    const text = await capture([
      'bench/mymfo/load.ts',
      target,
      kind,
      String(s),
      String(CONNECTIONS),
      String(deals),
    ]);
    return JSON.parse(text) as Load;
  };
  console.log('\nwarm-up (unmeasured)');
  await load(kopek, 'pay', Math.min(3, seconds));
  await load(kopek, 'check', Math.min(2, seconds));
  await admin.query('CHECKPOINT');
  console.log('\n[A] bare Fastify route');
  const bare = await load(`http://127.0.0.1:${barePort}`, 'bare', seconds);
  console.log(`bare: ${Math.round(bare.rps)}/s, p99 ${bare.p99} ms`);
  let psdeal: Load | undefined;
  if (hasPsDeal) {
    console.log('\n[B] PS/deal');
    psdeal = await load(kopek, 'psdeal', seconds);
    console.log(`PS/deal: ${Math.round(psdeal.rps)}/s, p99 ${psdeal.p99} ms`);
  }
  console.log('\n[C] Payment/QIWI check');
  const check = await load(kopek, 'check', seconds);
  console.log(`check: ${Math.round(check.rps)}/s, p99 ${check.p99} ms`);
  await admin.query('CHECKPOINT');
  console.log('\n[D] Payment/QIWI pay');
  const before = await countPayments(pool);
  const pay = await load(kopek, 'pay', seconds);
  const payments = (await countPayments(pool)) - before;
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
    deals,
    generateSeconds,
    postgresVersion,
    bare,
    check,
    psdeal,
    pay,
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
  const f = (n: number) => Math.round(n).toLocaleString('en-US');
  const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const errs = (l: Load) => `${l.errors}/${l.non2xx}/${l.timeouts}`;
  const rows = [
    [
      'bare Fastify GET route req/s',
      `${f(r.bare.rps)} (p50 ${r.bare.p50} ms, p99 ${r.bare.p99} ms)`,
      'baseline',
      '',
    ],
    [
      'pay: successful payments/s',
      `${f(r.paymentsPerSecond)} (${f(r.payments)} payments)`,
      `≥ ${f(TARGET_PAY_RATE)}`,
      pass(r.paymentsPerSecond >= TARGET_PAY_RATE),
    ],
    [
      'pay p50 / p99',
      `${r.pay.p50} ms / ${r.pay.p99} ms`,
      `p99 < ${TARGET_P99} ms`,
      pass(r.pay.p99 < TARGET_P99),
    ],
    r.psdeal
      ? [
          'PS/deal req/s',
          `${f(r.psdeal.rps)} (p50 ${r.psdeal.p50} ms, p99 ${r.psdeal.p99} ms)`,
          `≥ ${f(TARGET_PSDEAL_RATE)}, p99 < ${TARGET_P99} ms`,
          pass(r.psdeal.rps >= TARGET_PSDEAL_RATE && r.psdeal.p99 < TARGET_P99),
        ]
      : ['PS/deal req/s', 'not measured (route not served yet)', `≥ ${f(TARGET_PSDEAL_RATE)}`, ''],
    [
      'check (debt summary) req/s',
      `${f(r.check.rps)} (p50 ${r.check.p50} ms, p99 ${r.check.p99} ms)`,
      '',
      '',
    ],
    ['pay / bare route', `${Math.round((r.pay.rps / r.bare.rps) * 100)}%`, '', ''],
    [
      'errors / non-2xx / timeouts (pay, check, PS/deal)',
      `${errs(r.pay)}, ${errs(r.check)}, ${r.psdeal ? errs(r.psdeal) : '—'}`,
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
