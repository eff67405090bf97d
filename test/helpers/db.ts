import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/platform/config.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { FieldCipher } from '../../src/platform/crypto.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { createLogger } from '../../src/platform/logging.ts';
import { createMetrics } from '../../src/platform/metrics.ts';

export interface TestDatabase {
  url: string;
  ctx: AppContext;
  close(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.KOPEK_TEST_ADMIN_URL;
  if (!url) throw new Error('run tests with `npm test` (scripts/run-tests.ts prepares the database)');
  return url;
}

export function databaseUrl(name: string): string {
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** An empty database (no schema): for migration tests. */
export async function emptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `kopek_t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    url: databaseUrl(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** A fresh migrated database of this test file's own, cloned from the template, with an app context on it. */
export async function testDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const name = `kopek_t_${randomBytes(6).toString('hex')}`;
  const template = process.env.KOPEK_TEST_TEMPLATE!;
  // Cloning needs the template to have no other sessions; retry briefly if a sibling is cloning.
  for (let attempt = 0; ; attempt++) {
    try {
      await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
      break;
    } catch (error) {
      if (attempt >= 20 || (error as { code?: string }).code !== '55006') throw error;
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    }
  }
  const url = databaseUrl(name);
  const config = { ...loadConfig({ KOPEK_ENV: 'test', DATABASE_URL: url }), dataDir: '/nonexistent' };
  const pool = createPool(url, options.poolSize ?? 10);
  const dataKey = randomBytes(32);
  const ctx: AppContext = {
    config,
    pool,
    log: createLogger('silent'),
    secrets: { dataKey, sessionSecret: randomBytes(32).toString('hex') },
    cipher: new FieldCipher(dataKey),
    metrics: createMetrics(pool),
  };
  return {
    url,
    ctx,
    async close() {
      await pool.end();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
