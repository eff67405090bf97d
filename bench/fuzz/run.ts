/**
 * `npm run bench -- fuzz [--count N] [--seed S] [--no-record]`
 *
 * The hostile-input run of test/resilience/fuzz.test.ts at full size: N (default 10,000)
 * malformed requests per face against every face built in-process on a scratch database with the
 * demo data set. Fails when any answer is a 5xx, leaks internals, is not in the protocol's form,
 * or the database changed; appends the counts to bench/RESULTS.md.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { seedDemo } from '../../src/demo/seed.ts';
import { FACES } from '../../src/faces/index.ts';
import { migrateQueue } from '../../src/jobs/queue.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { FieldCipher } from '../../src/platform/crypto.ts';
import { startEmbeddedPostgres } from '../../src/platform/db/embedded.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logging.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { type FuzzReport, fuzzFace, summarize } from '../../test/resilience/fuzz-run.ts';
import { PROFILES } from '../../test/resilience/profiles.ts';
import { freePort, machineLine } from '../lib/common.ts';

const RESULTS_FILE = path.resolve(import.meta.dirname, '..', 'RESULTS.md');

export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      count: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '20261123' },
      'no-record': { type: 'boolean', default: false },
    },
  });
  const count = Number(values.count);
  const seed = Number(values.seed);
  const cleanup: (() => unknown)[] = [];
  try {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-bench-fuzz-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
    cleanup.push(() => server.stop());
    const admin = new pg.Client({ connectionString: server.adminUrl });
    await admin.connect();
    cleanup.push(() => admin.end());
    const version = (await admin.query<{ v: string }>(`SELECT current_setting('server_version') AS v`))
      .rows[0]!.v;
    await admin.query('CREATE DATABASE kopek_fuzz');
    const url = new URL(server.adminUrl);
    url.pathname = '/kopek_fuzz';
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
    const table = [
      '| face | routes | requests | answers by HTTP status | 5xx / leaks / wrong form | DB changed | seconds |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...reports.map(
        (r) =>
          `| ${r.face} | ${r.routes} | ${r.sent} | ${Object.entries(r.byStatus)
            .map(([s, n]) => `${s}: ${n}`)
            .join(
              ', ',
            )} | ${r.findings.length} | ${r.dbChanges.length ? r.dbChanges.join('; ') : 'no'} | ${(r.ms / 1000).toFixed(0)} |`,
      ),
    ].join('\n');
    console.log(`\n${table}`);
    if (!values['no-record'])
      appendFileSync(
        RESULTS_FILE,
        `\n## fuzz — ${new Date().toISOString()} — ${machineLine(version)}\n\n` +
          `Hostile requests per face from its OpenAPI document (test/resilience/hostile.ts), seed ${seed}, ` +
          `in-process (Fastify inject) on the demo data set. Measured on a loaded machine (parallel work).\n\n${table}\n`,
      );
    if (reports.some((r) => r.findings.length || r.dbChanges.length)) process.exitCode = 1;
  } finally {
    for (const step of cleanup.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`cleanup: ${(error as Error).message}`);
      }
    }
  }
}
