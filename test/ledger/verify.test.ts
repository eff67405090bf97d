import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { move, transfer, verifyLedger } from '../../src/ledger/index.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { fundedAccount } from '../helpers/ledger.ts';

describe('ledger verify', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
  });
  after(async () => {
    await db.close();
  });

  it('is clean on honest books and finds a tampered balance, reservation and entry', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 1_000n, { code: 'verify:a' });
    const b = await fundedAccount(pool, 0n, { code: 'verify:b' });
    const t = await transfer(pool, { key: 'v1', kind: 'test', entries: move(a.id, b.id, 250n) });
    assert.deepEqual((await verifyLedger(pool)).problems, []);

    await pool.query('UPDATE ledger.accounts SET balance = balance + 1 WHERE id = $1', [b.id]);
    let report = await verifyLedger(pool);
    assert.equal(report.ok, false);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.subject]),
      [['balance_mismatch', 'verify:b']],
    );
    await pool.query('UPDATE ledger.accounts SET balance = balance - 1 WHERE id = $1', [b.id]);

    await pool.query('UPDATE ledger.accounts SET pending_debits = 5 WHERE id = $1', [a.id]);
    report = await verifyLedger(pool);
    assert.deepEqual(
      report.problems.map((p) => p.kind),
      ['pending_mismatch'],
    );
    await pool.query('UPDATE ledger.accounts SET pending_debits = 0 WHERE id = $1', [a.id]);

    // An entry changed behind the ledger's back: the transfer no longer balances, and the balance differs.
    await pool.query('UPDATE ledger.entries SET amount = amount + 1 WHERE transfer_id = $1 AND amount > 0', [
      t.id,
    ]);
    report = await verifyLedger(pool);
    assert.deepEqual(report.problems.map((p) => p.kind).sort(), ['balance_mismatch', 'unbalanced_transfer']);
    await pool.query('UPDATE ledger.entries SET amount = amount - 1 WHERE transfer_id = $1 AND amount > 0', [
      t.id,
    ]);

    // An entry written outside the ledger functions, on an account that does not exist.
    await pool.query(
      'INSERT INTO ledger.entries (transfer_id, account_id, amount) VALUES ($1, 999999999, 5)',
      [t.id],
    );
    report = await verifyLedger(pool);
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.detail]),
      [['orphan_entry', `transfer ${t.id}, account 999999999`]],
    );
  });
});
