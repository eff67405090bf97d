/**
 * `npm run bench -- bnpl [--seconds N | --quick] [--no-record]`
 *
 * Moneywall's `init` (the full body, a new order each request: validation, encryption of the
 * personal part, one session row, its history row and its expiry job in one transaction) at 64
 * connections from a separate load process (wrk, bench/bnpl/load.lua) against `kopek serve` as a separate process,
 * with a bare Fastify JSON route as the baseline in the same run. Appends to bench/RESULTS.md.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { upsertMerchant } from '../../src/bnpl/merchants.ts';
import { migrateQueue } from '../../src/jobs/queue.ts';
import { lendingProductsSeeder } from '../../src/lending/products-demo.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { FieldCipher } from '../../src/platform/crypto.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { type Load, loadLine } from '../lib/autocannon.ts';
import { withCleanup } from '../lib/cleanup.ts';
import { benchPoolSize, kopekEnv, startBareServer, startKopek } from '../lib/kopek.ts';
import { benchOptions } from '../lib/options.ts';
import { afterWarmUp, openServer, scratchDatabase } from '../lib/postgres.ts';
import { count, loadAverageNote, markdownTable, passFail, percent, report } from '../lib/results.ts';
import { runWrk } from '../lib/wrk.ts';

const CONNECTIONS = 64;
const TARGET_RATE = 1500;
const TARGET_P99 = 50;
const TOKEN = 'bench-merchant-token';

export async function main(args: string[]): Promise<void> {
  const options = benchOptions(args, { seconds: 20, quickSeconds: 5 });
  const { seconds } = options;
  const loadBefore = os.loadavg()[0]!;
  await withCleanup(async (cleanup) => {
    const server = await openServer('bnpl', cleanup);
    const { admin, postgresVersion } = server;
    const kopekUrl = await scratchDatabase(server, `kopek_bnpl_bench_${process.pid}`, cleanup);

    console.log('setup: schema, BNPL3 product, merchant, kopek serve, bare route');
    const pool = createPool(kopekUrl, 4);
    cleanup.push(() => pool.end());
    await migrate(pool);
    await migrateQueue(kopekUrl);
    const dataKey = randomBytes(32);
    const cipher = new FieldCipher(dataKey);
    await withTx(pool, async (tx) => {
      await lendingProductsSeeder.seed(tx, { cipher } as unknown as AppContext);
      await upsertMerchant(tx, cipher, {
        code: 'bench',
        name: 'Bench',
        token: TOKEN,
        callbackSecret: 'bench',
      });
    });
    const kopek = (
      await startKopek(
        kopekEnv(kopekUrl, {
          KOPEK_DATA_KEY: dataKey.toString('base64'),
          // The expiry jobs are due in a day: the worker has nothing to do during the run.
          KOPEK_JOBS: 'off',
        }),
        cleanup,
      )
    ).url;
    const bareServer = await startBareServer(cleanup);
    const load = (base: string, kind: string, s: number): Promise<Load> =>
      runWrk('bench/bnpl/load.lua', base, s, CONNECTIONS, [kind, TOKEN]);

    console.log('warm-up (unmeasured)');
    await load(kopek, 'init', Math.min(3, seconds));
    await afterWarmUp(pool, admin);
    console.log('[A] bare Fastify route');
    const bare = await load(bareServer.url, 'bare', seconds);
    console.log(loadLine('bare', bare));
    console.log('[B] init');
    const before = Number((await pool.query(`SELECT count(*) AS n FROM bnpl.sessions`)).rows[0].n);
    const init = await load(kopek, 'init', seconds);
    const after = Number((await pool.query(`SELECT count(*) AS n FROM bnpl.sessions`)).rows[0].n);
    const created = (after - before) / init.duration;
    console.log(`init: ${Math.round(init.rps)}/s (${Math.round(created)} sessions/s), p99 ${init.p99} ms`);

    const table = markdownTable(
      ['measure', 'value', 'target', 'result'],
      ['left', 'right', 'left', 'left'],
      [
        ['bare Fastify route req/s', `${count(bare.rps)} (p99 ${bare.p99} ms)`, 'baseline', ''],
        [
          'init: sessions created/s',
          count(created),
          `≥ ${count(TARGET_RATE)}`,
          passFail(created >= TARGET_RATE),
        ],
        [
          'init p50 / p99',
          `${init.p50} ms / ${init.p99} ms`,
          `p99 < ${TARGET_P99} ms`,
          passFail(init.p99 < TARGET_P99),
        ],
        ['init / bare route', percent(init.rps / bare.rps), '', ''],
        ['errors / non-2xx / timeouts (init)', `${init.errors}/${init.non2xx}/${init.timeouts}`, '0', ''],
      ],
    );
    report(
      {
        bench: 'bnpl',
        postgresVersion,
        intro:
          `${process.env.BENCH_NOTE ? `${process.env.BENCH_NOTE}. ` : ''}${seconds} s per phase${options.quick ? ' (quick)' : ''}; ${CONNECTIONS} connections from one wrk thread; ` +
          `kopek serve (one process, DB_POOL_SIZE ${benchPoolSize()}, jobs off) in its own process; Moneywall init with the full body, a new order_id each. ` +
          loadAverageNote(loadBefore),
        table,
      },
      options.record,
    );
  });
}
