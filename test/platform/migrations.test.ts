import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { migrate, readMigrations } from '../../src/platform/db/migrate.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { emptyDatabase } from '../helpers/db.ts';
import { runScript } from '../helpers/processes.ts';

describe('migrations', () => {
  let dbs: { url: string; drop(): Promise<void> }[] = [];
  before(() => {
    dbs = [];
  });
  after(async () => {
    for (const d of dbs) await d.drop();
  });

  it('apply once; a second run applies nothing', async () => {
    const db = await emptyDatabase();
    dbs.push(db);
    const pool = createPool(db.url, 2);
    try {
      const all = (await readMigrations()).map((m) => m.version);
      assert.deepEqual(await migrate(pool), all);
      assert.deepEqual(await migrate(pool), []);
      const { rows } = await pool.query('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(
        rows.map((r) => r.version),
        all,
      );
    } finally {
      await pool.end();
    }
  });

  it('run from two processes at once: both succeed, each migration applied once', async () => {
    const db = await emptyDatabase();
    dbs.push(db);
    const runs = await Promise.all(
      [1, 2].map(() => runScript('bin/kopek.js', ['migrate'], { DATABASE_URL: db.url, LOG_LEVEL: 'warn' })),
    );
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /migrations: up to date/);
    }
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        'SELECT version, count(*)::int AS n FROM schema_migrations GROUP BY version',
      );
      assert.equal(rows.length, (await readMigrations()).length);
      assert.ok(rows.every((r) => r.n === 1));
      const queue = await client.query(`SELECT to_regclass('graphile_worker._private_jobs') AS t`);
      assert.ok(queue.rows[0].t, 'the job queue schema is installed too');
    } finally {
      await client.end();
    }
  });

  it('refuse to start when an applied migration was edited', async () => {
    const db = await emptyDatabase();
    dbs.push(db);
    const pool = createPool(db.url, 2);
    try {
      await migrate(pool);
      await pool.query(`UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1`);
      await assert.rejects(migrate(pool), /was changed after it was applied/);
    } finally {
      await pool.end();
    }
  });
});
