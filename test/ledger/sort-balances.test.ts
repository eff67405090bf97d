import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { move, refreshSortBalances, transfer } from '../../src/ledger/index.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { fundedAccount } from '../helpers/ledger.ts';

describe('ledger sort balances (the console sort by balance)', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
  });
  after(async () => {
    await db.close();
  });

  async function sortBalances(ids: bigint[]): Promise<bigint[]> {
    const { rows } = await db.ctx.pool.query<{ id: bigint; sort_balance: bigint }>(
      'SELECT id, sort_balance FROM ledger.accounts WHERE id = ANY($1::bigint[])',
      [ids.map(String)],
    );
    const byId = new Map(rows.map((r) => [r.id, r.sort_balance]));
    return ids.map((id) => byId.get(id)!);
  }

  it('follows the balances only when refreshed, in chunks, and refreshes nothing twice', async () => {
    const { pool } = db.ctx;
    await refreshSortBalances(pool);
    const accounts = [];
    for (let i = 1; i <= 5; i++) accounts.push(await fundedAccount(pool, BigInt(i) * 100n));
    const ids = accounts.map((a) => a.id);
    // Postings leave the copy alone: their balance updates touch no indexed column.
    assert.deepEqual(await sortBalances(ids), [0n, 0n, 0n, 0n, 0n]);

    // Five accounts and the settlement account they were funded from, two rows a statement.
    assert.equal(await refreshSortBalances(pool, 2), 6);
    assert.deepEqual(await sortBalances(ids), [100n, 200n, 300n, 400n, 500n]);
    assert.equal(await refreshSortBalances(pool, 2), 0);

    await transfer(pool, { key: 'sort-1', kind: 'test', entries: move(ids[4]!, ids[0]!, 450n) });
    assert.deepEqual(await sortBalances(ids), [100n, 200n, 300n, 400n, 500n]);
    assert.equal(await refreshSortBalances(pool), 2);
    assert.deepEqual(await sortBalances(ids), [550n, 200n, 300n, 400n, 50n]);
  });

  it('leaves the columns every posting updates out of every index of ledger.accounts', async () => {
    // An index naming one of them would make each balance update non-HOT (migration 0033).
    const { rows } = await db.ctx.pool.query<{ name: string; def: string }>(
      `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def
       FROM pg_index WHERE indrelid = 'ledger.accounts'::regclass`,
    );
    assert.ok(rows.some((r) => r.name.endsWith('accounts_sort_balance_idx')));
    for (const { name, def } of rows)
      assert.doesNotMatch(def, /\b(balance|pending_debits|pending_credits)\b/, `${name}: ${def}`);
  });

  it('skips an account a posting holds instead of waiting for it, and copies it once free', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 700n);
    const b = await fundedAccount(pool, 0n);
    await refreshSortBalances(pool);
    await transfer(pool, { key: 'sort-held', kind: 'test', entries: move(a.id, b.id, 300n) });
    const holder = await pool.connect();
    const refresher = await pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM ledger.accounts WHERE id = $1 FOR NO KEY UPDATE', [a.id]);
      // A refresh that waited for the holder (which commits only below) would fail on this timeout.
      await refresher.query(`SET lock_timeout = '2s'`);
      assert.equal(await refreshSortBalances(refresher), 1);
      assert.deepEqual(await sortBalances([a.id, b.id]), [700n, 300n]);
      await holder.query('COMMIT');
    } finally {
      holder.release();
      refresher.release(true);
    }
    assert.equal(await refreshSortBalances(pool), 1);
    assert.deepEqual(await sortBalances([a.id, b.id]), [400n, 300n]);
  });
});
