/**
 * `node --import tsx bench/mymfo/profile.ts [deals]`: one caller, no concurrency — the time of
 * each step of check and pay on the bench's generated data, to see where a request spends it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { getClient } from '../../src/lending/clients/repository.ts';
import { todayMoscow } from '../../src/lending/dates.ts';
import { getDeal } from '../../src/lending/deals/repository.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { payDeal } from '../../src/mymfo/payments/pay.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { FieldCipher } from '../../src/platform/crypto.ts';
import { startEmbeddedPostgres } from '../../src/platform/db/embedded.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { freePort } from '../lib/common.ts';
import { generateDeals } from './generate.ts';
import { benchDealNumber } from './numbers.ts';

const deals = Number(process.argv[2] ?? 10_000);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-mymfo-profile-'));
const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
try {
  const pool = createPool(server.adminUrl, 20);
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
  // The statements of one pay, with their times.
  if (process.env.TRACE) {
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => Promise<unknown> };
    const original = proto.query;
    const log: string[] = [];
    proto.query = function (this: unknown, ...a: unknown[]) {
      const t = performance.now();
      const text = typeof a[0] === 'string' ? a[0] : String((a[0] as { text?: string })?.text);
      const r = original.apply(this, a) as Promise<unknown>;
      void r.then(
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
  // Parallel callers on distinct deals: payments/s that do not grow with callers are serialised.
  let seq = 0;
  for (const callers of [1, 4, 16]) {
    const t0 = performance.now();
    let done = 0;
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
    console.log(
      `payDeal, ${callers} parallel callers: ${Math.round(done / ((performance.now() - t0) / 1000))}/s`,
    );
    if (sampler) console.log(`  waits: ${[...waits].map(([w, n]) => `${w} ${n}`).join(', ')}`);
  }
  await pool.end();
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
