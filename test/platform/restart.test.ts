import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import {
  findAccount,
  getAccount,
  move,
  openAccount,
  transfer,
  verifyLedger,
} from '../../src/ledger/index.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { freePort, startServerProcess } from '../helpers/server-process.ts';

const embeddedOnly = process.env.TEST_DATABASE_URL
  ? 'the embedded database is tested on the embedded run'
  : false;

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

describe('npm start on the embedded database', { skip: embeddedOnly }, () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-restart-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps data across a clean restart and a SIGKILL, and stops its database on SIGTERM', async () => {
    const env = {
      KOPEK_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      KOPEK_EMBEDDED_PG_PORT: String(await freePort()),
    };
    const dbUrl = () =>
      `postgres://postgres:${encodeURIComponent(readFileSync(path.join(dataDir, 'pg-password'), 'utf8'))}@127.0.0.1:${env.KOPEK_EMBEDDED_PG_PORT}/kopek`;

    // First start: creates the cluster, migrates, loads the demo data.
    let server = await startServerProcess(env);
    let pool = createPool(dbUrl(), 2);
    assert.ok(await findAccount(pool, 'system:settlement:RUB'), 'demo data loaded on first start');
    const seededAt = (await pool.query(`SELECT value FROM platform_meta WHERE key = 'demo_seeded_at'`))
      .rows[0].value;
    const account = await openAccount(pool, {
      code: 'restart:probe',
      ownerType: 'test',
      ownerId: '1',
      kind: 'test',
      currency: 'RUB',
    });
    const settlement = (await findAccount(pool, 'system:settlement:RUB'))!;
    await transfer(pool, {
      key: 'restart:1',
      kind: 'test',
      entries: move(settlement.id, account.id, 4_200n),
    });
    await pool.end();

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.equal(await canConnect(dbUrl()), false, 'SIGTERM stopped the embedded database');

    // Clean restart: same data, demo not loaded again.
    server = await startServerProcess(env);
    pool = createPool(dbUrl(), 2);
    assert.equal((await getAccount(pool, account.id)).balance, 4_200n);
    const seededAgain = (await pool.query(`SELECT value FROM platform_meta WHERE key = 'demo_seeded_at'`))
      .rows[0].value;
    assert.equal(seededAgain, seededAt);
    await pool.end();

    // Killed without a chance to clean up: the next start takes over the orphaned database.
    server.child.kill('SIGKILL');
    await server.exited;
    server = await startServerProcess(env);
    pool = createPool(dbUrl(), 2);
    assert.equal((await getAccount(pool, account.id)).balance, 4_200n);
    assert.equal((await verifyLedger(pool)).ok, true);
    await pool.end();
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.equal(await canConnect(dbUrl()), false);
  });
});
