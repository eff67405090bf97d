/**
 * `npm run test:only [-- --integration] [-- <filter>...]`
 *
 * Starts a throwaway embedded PostgreSQL (or uses TEST_DATABASE_URL, a server where the user may
 * create databases), migrates a template database once, and runs every `*.test.ts` with node's
 * test runner. Each test file clones the template into a database of its own.
 * `--integration` runs only the database-facing suites under test/ (CI runs them again on
 * Debian's PostgreSQL 15 this way).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrateQueue } from '../src/jobs/queue.ts';
import { startEmbeddedPostgres } from '../src/platform/db/embedded.ts';
import { migrate } from '../src/platform/db/migrate.ts';
import { createPool } from '../src/platform/db/pool.ts';
import { freePort } from '../test/helpers/server-process.ts';

const args = process.argv.slice(2);
const integrationOnly = args.includes('--integration');
const filters = args.filter((a) => !a.startsWith('--'));
const root = path.resolve(import.meta.dirname, '..');

function findTests(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : findTests(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

const files = [
  ...(integrationOnly ? [] : findTests(path.join(root, 'src'))),
  ...findTests(path.join(root, 'test')),
]
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

let adminUrl = process.env.TEST_DATABASE_URL;
let stopEmbedded: (() => Promise<void>) | undefined;
let scratch: string | undefined;
if (!adminUrl) {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'kopek-test-'));
  const embedded = await startEmbeddedPostgres({ dataDir: scratch, port: await freePort() });
  adminUrl = embedded.adminUrl;
  stopEmbedded = embedded.stop;
  console.log(`tests: embedded PostgreSQL in ${scratch}`);
} else {
  console.log('tests: PostgreSQL from TEST_DATABASE_URL');
}

const template = `kopek_template_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${template}`);
const templateUrl = withDatabase(adminUrl, template);
const pool = createPool(templateUrl, 2);
await migrate(pool);
await pool.end();
await migrateQueue(templateUrl);

let code = 1;
try {
  code = await new Promise<number>((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
      {
        stdio: 'inherit',
        env: {
          ...process.env,
          KOPEK_TEST_ADMIN_URL: adminUrl,
          KOPEK_TEST_TEMPLATE: template,
          KOPEK_ENV: 'test',
        },
      },
    );
    child.on('exit', (exitCode) => resolve(exitCode ?? 1));
  });
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => undefined);
  await admin.end();
  await stopEmbedded?.();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
process.exit(code);

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
