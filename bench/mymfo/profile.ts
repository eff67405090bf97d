/**
 * `node --import tsx bench/mymfo/profile.ts [deals]`: one caller, no concurrency — the time of
 * each step of check and pay on the bench's generated data, to see where a request spends it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { getClient } from '../../src/lending/clients/repository.ts';
import { todayMoscow } from '../../src/lending/dates.ts';
import { getDeal } from '../../src/lending/deals/repository.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { payDeal } from '../../src/mymfo/payments/pay.ts';
import { payBatchStats, sharePays } from '../../src/mymfo/payments/pay-batch.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { FieldCipher } from '../../src/platform/crypto.ts';
import { startEmbeddedPostgres } from '../../src/platform/db/embedded.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { freePort } from '../lib/common.ts';
import { generateDeals } from './generate.ts';
import { benchDealNumber } from './numbers.ts';

const deals = Number(process.argv[2] ?? 10_000);

/**
 * CPU seconds used so far by the PostgreSQL server under `pgDir` (postmaster, its live
 * children and the ones it reaped), from /proc: the load-independent cost of a phase on Linux.
 */
function postgresCpu(pgDir: string): number {
  const ticks = 100; // USER_HZ
  const postmaster = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command (which may hold spaces): state ppid … utime stime cutime cstime.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(f[1]);
    if (pid === postmaster) total += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    else if (ppid === postmaster) total += Number(f[11]) + Number(f[12]);
  }
  return total / ticks;
}
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-mymfo-profile-'));
const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
try {
  const pool = createPool(server.adminUrl, 40);
  await migrate(pool);
  const dataKey = randomBytes(32);
  await generateDeals(pool, deals, todayMoscow(), dataKey, () => undefined);
  const ctx = { pool, cipher: new FieldCipher(dataKey) } as unknown as AppContext;
  const time = async (name: string, n: number, work: (i: number) => Promise<unknown>) => {
    const t0 = performance.now();
    for (let i = 1; i <= n; i++) await work(i);
    console.log(`${name}: ${((performance.now() - t0) / n).toFixed(2)} ms`);
  };
  const pick = (i: number) => benchDealNumber(1 + ((i * 7919) % deals));
  await time('getDeal', 200, (i) => getDeal(pool, pick(i)));
  await time('debtSummary', 200, (i) => debtSummary(pool, pick(i)));
  const id = (i: number) => BigInt(1_000_000_000 + 1 + ((i * 7919) % deals));
  await time('  schedule', 200, (i) =>
    pool.query('SELECT * FROM lending.schedule_lines WHERE deal_id = $1', [id(i)]),
  );
  await time('  payments', 200, (i) =>
    pool.query('SELECT * FROM lending.payments WHERE deal_id = $1', [id(i)]),
  );
  await time('  loan_state', 200, (i) =>
    pool.query('SELECT * FROM lending.loan_state WHERE deal_id = $1', [id(i)]),
  );
  await time('  accrual_calc', 200, (i) =>
    pool.query('SELECT * FROM lending.accrual_calc($1::date, $2, $2)', [todayMoscow(), id(i)]),
  );
  await time('  accrual_calc_deal', 200, (i) =>
    pool.query('SELECT * FROM lending.accrual_calc_deal($1::date, $2)', [todayMoscow(), id(i)]),
  );
  if (process.env.EXPLAIN) {
    const plan = await pool.query(
      'EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM lending.accrual_calc($1::date, $2, $2)',
      [todayMoscow(), id(1)],
    );
    console.log(plan.rows.map((r) => r['QUERY PLAN']).join('\n'));
  }
  await time('  account', 200, (i) => pool.query('SELECT * FROM ledger.accounts WHERE id = $1', [id(i)]));
  await time('  select 1', 200, () => pool.query('SELECT 1'));
  await time('getClient', 200, async (i) =>
    getClient(pool, ctx.cipher, (await getDeal(pool, pick(i))).clientId),
  );
  await time('payDeal', 200, (i) =>
    payDeal(
      ctx,
      {
        command: 'pay',
        txnId: `p${i}`,
        txnDate: '2026-11-23 12:00:00',
        account: pick(i + 1000),
        amount: 100n,
      },
      { service: 'QIWI', online: false },
    ),
  );
  // FUNCS=1: where PostgreSQL spends a pay, by SQL function (self and total time per pay).
  if (process.env.FUNCS) {
    await pool.query("ALTER SYSTEM SET track_functions = 'all'");
    await pool.query('SELECT pg_reload_conf()');
    await new Promise((r) => setTimeout(r, 200));
    await pool.query('SELECT pg_stat_reset()');
    const n = 500;
    for (let i = 1; i <= n; i++)
      await payDeal(
        ctx,
        {
          command: 'pay',
          txnId: `f${i}`,
          txnDate: '2026-11-23 12:00:00',
          account: pick(i + 3000),
          amount: 100n,
        },
        { service: 'QIWI', online: false },
      );
    await new Promise((r) => setTimeout(r, 1500));
    const { rows } = await pool.query<{ f: string; calls: bigint; self: number; total: number }>(
      `SELECT schemaname || '.' || funcname AS f, calls, self_time AS self, total_time AS total
       FROM pg_stat_user_functions ORDER BY self_time DESC LIMIT 15`,
    );
    for (const r of rows)
      console.log(
        `${r.f}: ${Number(r.calls) / n} calls, self ${(r.self / n).toFixed(3)} ms, total ${(r.total / n).toFixed(3)} ms a pay`,
      );
    await pool.query('ALTER SYSTEM RESET track_functions');
    await pool.query('SELECT pg_reload_conf()');
  }
  // The statements of one pay, with their times.
  if (process.env.TRACE) {
    const proto = pg.Client.prototype as unknown as {
      query: (...a: unknown[]) => Promise<unknown> | undefined;
    };
    const original = proto.query;
    const log: string[] = [];
    proto.query = function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      const text = typeof a[0] === 'string' ? a[0] : String((a[0] as { text?: string })?.text);
      const r = original.apply(this, a) as Promise<unknown> | undefined;
      // pool.query passes a callback and gets no promise: such a statement is counted untimed.
      if (!r) log.push(`   —      ${text.replace(/\s+/g, ' ').slice(0, 110)}`);
      void r?.then(
        () =>
          log.push(`${(performance.now() - t).toFixed(2)} ms  ${text.replace(/\s+/g, ' ').slice(0, 110)}`),
        () => undefined,
      );
      return r;
    };
    await payDeal(
      ctx,
      { command: 'pay', txnId: 'trace', txnDate: '2026-11-23 12:00:00', account: pick(77_777), amount: 100n },
      { service: 'QIWI', online: false },
    );
    proto.query = original;
    console.log(`${log.length} statements:\n${log.join('\n')}`);
  }
  // Parallel callers on distinct deals, each pay in its own transaction ("alone", as before
  // group commit) and shared (pay-batch.ts): payments/s, statements and commits per pay.
  // Payments/s that do not grow with callers are serialised.
  let seq = 0;
  const proto = pg.Client.prototype as unknown as {
    query: (...a: unknown[]) => Promise<unknown> | undefined;
  };
  const original = proto.query;
  let statements = 0;
  let commits = 0;
  proto.query = function (this: unknown, ...a: unknown[]) {
    statements++;
    if (a[0] === 'COMMIT') commits++;
    return original.apply(this, a) as Promise<unknown>;
  };
  // Shared: the shards split among 4 batchers (the default), 16 (one each) or 1.
  const variants = [
    { shared: false, groups: 4 },
    { shared: true, groups: 4 },
    { shared: true, groups: 16 },
    { shared: true, groups: 2 },
    { shared: true, groups: 1 },
  ];
  for (const callers of [1, 16, 64]) {
    for (const { shared, groups } of callers === 64 ? variants : variants.slice(0, 2)) {
      sharePays(pool, shared, groups);
      const t0 = performance.now();
      let done = 0;
      statements = 0;
      commits = 0;
      const batches0 = payBatchStats(pool);
      const cpu0 = process.cpuUsage();
      const pgCpu0 = postgresCpu(path.join(dataDir, 'pg'));
      // What the busy sessions wait for (WAIT=1): a lock on one row shows as Lock/transactionid.
      const waits = new Map<string, number>();
      const sampler = process.env.WAIT
        ? setInterval(() => {
            void pool
              .query<{ w: string }>(
                `SELECT coalesce(wait_event_type || '/' || wait_event, 'CPU') AS w FROM pg_stat_activity
                 WHERE state = 'active' AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
              )
              .then(({ rows }) => {
                for (const r of rows) waits.set(r.w, (waits.get(r.w) ?? 0) + 1);
              });
          }, 20)
        : undefined;
      await Promise.all(
        Array.from({ length: callers }, async () => {
          while (performance.now() - t0 < 3_000) {
            const i = ++seq;
            await payDeal(
              ctx,
              {
                command: 'pay',
                txnId: `q${i}`,
                txnDate: '2026-11-23 12:00:00',
                account: pick(i + 5000),
                amount: 100n,
              },
              { service: 'QIWI', online: false },
            );
            done++;
          }
        }),
      );
      if (sampler) clearInterval(sampler);
      const batches = payBatchStats(pool);
      const perPay = (n: number) => (n / done).toFixed(2);
      const nodeMs = (process.cpuUsage(cpu0).user + process.cpuUsage(cpu0).system) / 1000 / done;
      const pgMs = ((postgresCpu(path.join(dataDir, 'pg')) - pgCpu0) * 1000) / done;
      console.log(
        `payDeal, ${callers} parallel callers, ${shared ? `shared by ${groups}` : 'alone'}: ` +
          `${Math.round(done / ((performance.now() - t0) / 1000))}/s, ${perPay(statements)} statements ` +
          `and ${perPay(commits)} commits a pay, CPU ${nodeMs.toFixed(2)} ms node + ${pgMs.toFixed(2)} ms PostgreSQL a pay` +
          (shared
            ? `, ${batches.items - batches0.items} pays in ${batches.batches - batches0.batches} batches`
            : ''),
      );
      if (sampler) console.log(`  waits: ${[...waits].map(([w, n]) => `${w} ${n}`).join(', ')}`);
    }
  }
  proto.query = original;
  await pool.end();
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
