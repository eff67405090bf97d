/**
 * `npm run bench -- fuzz [--count N | --quick] [--seed S] [--no-record]`
 *
 * The hostile-input run of test/resilience/fuzz.test.ts at full size: N (default 10,000)
 * malformed requests per face against every face built in-process on a scratch database with the
 * demo data set. Fails when any answer is a 5xx, leaks internals, is not in the protocol's form,
 * or the database changed; appends the counts to bench/RESULTS.md (bench/lib/results.ts).
 * `--quick`: 500 requests per face.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seedDemo } from '../../src/demo/seed.ts';
import { FACES } from '../../src/faces/index.ts';
import { migrateQueue } from '../../src/jobs/queue.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { FieldCipher } from '../../src/platform/crypto.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logging.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { type FuzzReport, fuzzFace, summarize } from '../../test/resilience/fuzz-run.ts';
import { PROFILES } from '../../test/resilience/profiles.ts';
import { withCleanup } from '../lib/cleanup.ts';
import { benchOptions } from '../lib/options.ts';
import { openServer, scratchDatabase } from '../lib/postgres.ts';
import { markdownTable, report } from '../lib/results.ts';

export async function main(args: string[]): Promise<void> {
  const options = benchOptions(args, { extra: ['count', 'seed'] });
  const count = Number(options.values.count ?? (options.quick ? '500' : '10000'));
  const seed = Number(options.values.seed ?? '20261123');
  await withCleanup(async (cleanup) => {
    const server = await openServer('fuzz', cleanup, true);
    const version = server.postgresVersion;
    // Kopek's own data dir (documents the faces write).
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-bench-fuzz-data-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const url = new URL(await scratchDatabase(server, `kopek_fuzz_${process.pid}`, cleanup));
    const pool = createPool(url.toString(), 10);
    cleanup.push(() => pool.end());
    await migrate(pool);
    await migrateQueue(url.toString());
    const dataKey = randomBytes(32);
    const ctx: AppContext = {
      config: { ...loadConfig({ KOPEK_ENV: 'test', DATABASE_URL: url.toString() }), dataDir },
      pool,
      log: createLogger('silent'),
      secrets: { dataKey, sessionSecret: randomBytes(32).toString('hex') },
      cipher: new FieldCipher(dataKey),
      metrics: createMetrics(pool),
    };
    await seedDemo(ctx);
    const app = await buildServer(ctx, FACES);
    cleanup.push(() => app.close());
    const reports: FuzzReport[] = [];
    for (const profile of PROFILES) {
      const report = await fuzzFace(app, pool, profile, { count, seed });
      reports.push(report);
      console.log(
        `${profile.face}: ${report.sent} requests, ${report.routes} routes, ${(report.ms / 1000).toFixed(1)} s, ` +
          `statuses ${JSON.stringify(report.byStatus)}, findings ${report.findings.length}, DB changes ${report.dbChanges.length}`,
      );
      for (const line of summarize(report.findings)) console.log(`  ${line}`);
      for (const line of report.dbChanges) console.log(`  DB ${line}`);
    }
    const table = markdownTable(
      [
        'face',
        'routes',
        'requests',
        'answers by HTTP status',
        '5xx / leaks / wrong form',
        'DB changed',
        'seconds',
      ],
      ['left', 'left', 'left', 'left', 'left', 'left', 'left'],
      reports.map((r) => [
        r.face,
        String(r.routes),
        String(r.sent),
        Object.entries(r.byStatus)
          .map(([s, n]) => `${s}: ${n}`)
          .join(', '),
        String(r.findings.length),
        r.dbChanges.length ? r.dbChanges.join('; ') : 'no',
        (r.ms / 1000).toFixed(0),
      ]),
    );
    report(
      {
        bench: 'fuzz',
        postgresVersion: version,
        intro:
          `Hostile requests per face from its OpenAPI document (test/resilience/hostile.ts), seed ${seed}, ` +
          `in-process (Fastify inject) on the demo data set. Measured on a loaded machine (parallel work).`,
        table,
      },
      options.record,
    );
    if (reports.some((r) => r.findings.length || r.dbChanges.length)) process.exitCode = 1;
  });
}
