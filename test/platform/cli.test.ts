import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { move, transfer } from '../../src/ledger/index.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { fundedAccount } from '../helpers/ledger.ts';
import { runScript } from '../helpers/processes.ts';

describe('kopek CLI', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
  });
  after(async () => {
    await db.close();
  });

  it('stops with one clear line and exit code 2 on a wrong setting', async () => {
    for (const [variable, value] of [
      ['PORT', 'eighty'],
      ['DATABASE_URL', 'mysql://localhost/db'],
      ['LOG_LEVEL', 'chatty'],
      ['KOPEK_DATA_KEY', 'too-short'],
    ] as const) {
      const run = await runScript('bin/kopek.js', ['serve'], { [variable]: value });
      assert.equal(run.code, 2, `${variable}: ${run.stderr}`);
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, run.stderr);
      assert.match(lines[0]!, new RegExp(`^kopek: configuration error: ${variable}: `));
    }
  });

  it('requires the secrets in production', async () => {
    const run = await runScript('bin/kopek.js', ['migrate'], {
      KOPEK_ENV: 'production',
      DATABASE_URL: db.url,
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /KOPEK_DATA_KEY: is required when KOPEK_ENV=production/);
  });

  it('has --help for every command', async () => {
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['migrate', '--help'],
      ['seed', '--help'],
      ['ledger', 'verify', '--help'],
    ]) {
      const run = await runScript('bin/kopek.js', args);
      assert.equal(run.code, 0, args.join(' '));
      assert.match(run.stdout, /Usage: kopek/);
    }
  });

  it('seeds the demo set idempotently and verifies the ledger: exit 0 when clean, 1 when tampered', async () => {
    const env = { DATABASE_URL: db.url };
    for (let i = 0; i < 2; i++) {
      const seed = await runScript('bin/kopek.js', ['seed', '--demo'], env);
      assert.equal(seed.code, 0, seed.stderr);
    }
    const { rows } = await db.ctx.pool.query(
      `SELECT count(*)::int AS n FROM ledger.accounts WHERE code LIKE 'system:settlement:%'`,
    );
    assert.equal(rows[0].n, 3);

    const a = await fundedAccount(db.ctx.pool, 1_000n);
    const b = await fundedAccount(db.ctx.pool, 0n);
    await transfer(db.ctx.pool, { key: 'cli-verify', kind: 'test', entries: move(a.id, b.id, 10n) });
    const clean = await runScript('bin/kopek.js', ['ledger', 'verify'], env);
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /ledger verify: OK/);

    await db.ctx.pool.query('UPDATE ledger.accounts SET balance = balance + 100 WHERE id = $1', [b.id]);
    const tampered = await runScript('bin/kopek.js', ['ledger', 'verify', '--json'], env);
    assert.equal(tampered.code, 1);
    const report = JSON.parse(tampered.stdout);
    assert.equal(report.ok, false);
    assert.equal(report.problems[0].kind, 'balance_mismatch');
  });
});
