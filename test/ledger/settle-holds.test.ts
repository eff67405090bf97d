import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type pg from 'pg';
import { type Account, getAccount, hold, move, verifyLedger } from '../../src/ledger/index.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { fundedAccount } from '../helpers/ledger.ts';

const inAnHour = () => new Date(Date.now() + 3_600_000);

interface Outcome {
  result: string[] | null;
  error: { code?: string; message: string; detail?: string } | null;
  accounts: unknown[];
  transfers: unknown[];
}

function pgError(error: unknown): Outcome['error'] {
  const e = error as { code?: string; message: string; detail?: string };
  return { code: e.code, message: e.message, detail: e.detail };
}

async function snapshot(client: pg.PoolClient, accounts: bigint[], holds: bigint[]) {
  const a = await client.query(
    `SELECT id::text, balance::text, pending_debits::text, pending_credits::text
     FROM ledger.accounts WHERE id = ANY ($1::bigint[]) ORDER BY id`,
    [accounts.map(String)],
  );
  const t = await client.query(
    `SELECT id::text, status, settled_at::text FROM ledger.transfers WHERE id = ANY ($1::bigint[]) ORDER BY id`,
    [holds.map(String)],
  );
  return { accounts: a.rows, transfers: t.rows };
}

describe('ledger.settle_holds', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
  });
  after(async () => {
    await db.close();
  });

  async function holdsOver(accounts: Account[], count: number, tag: string): Promise<bigint[]> {
    const ids: bigint[] = [];
    for (let i = 0; i < count; i++) {
      const from = accounts[i % accounts.length]!;
      const to = accounts[(i * 3 + 1) % accounts.length]!;
      const other = accounts[(i + 2) % accounts.length]!;
      // Multi-entry holds (several accounts, the same account twice) exercise the per-account sums.
      const entries = [
        ...move(from.id, to.id, BigInt(100 + i * 7)),
        ...move(from.id, other.id, BigInt(10 + i)),
      ];
      const h = await hold(db.ctx.pool, { key: `${tag}:${i}`, kind: 'test', entries, expiresAt: inAnHour() });
      ids.push(h.id);
    }
    return ids;
  }

  it('leaves exactly what settle_hold called per element in order leaves (property)', async () => {
    const { pool } = db.ctx;
    const accounts = await Promise.all([1, 2, 3, 4].map(() => fundedAccount(pool, 10_000_000n)));
    const holds = await holdsOver(accounts, 10, 'prop');
    // Three holds past their expiry (not yet released): posting them is refused, void/expire not.
    await pool.query(
      `UPDATE ledger.transfers SET expires_at = now() - interval '1 minute' WHERE id = ANY ($1::bigint[])`,
      [holds.slice(7).map(String)],
    );
    const missing = holds[holds.length - 1]! + 1_000_000n;
    const accountIds = accounts.map((a) => a.id);
    const action = fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom('post', 'void', 'expire') },
      { weight: 1, arbitrary: fc.constantFrom('settle', 'POST') },
    );
    const target = fc.oneof(
      { weight: 20, arbitrary: fc.integer({ min: 0, max: holds.length - 1 }).map((i) => holds[i]!) },
      { weight: 1, arbitrary: fc.constant(missing) },
    );
    const okAction = fc.constantFrom('post', 'void', 'expire');
    const hold0 = fc.integer({ min: 0, max: holds.length - 1 }).map((i) => holds[i]!);
    let errors = 0;
    let successes = 0;

    const client = await pool.connect();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(hold0, okAction), { maxLength: 4 }),
          fc.array(fc.tuple(target, action), { minLength: 1, maxLength: 10 }),
          async (prefix, ops) => {
            await client.query('BEGIN');
            try {
              // Some holds settled beforehand (errors here, e.g. posting an expired one, are skipped).
              for (const [id, act] of prefix) {
                await client.query('SAVEPOINT pre');
                try {
                  await client.query('SELECT ledger.settle_hold($1, $2)', [String(id), act]);
                  await client.query('RELEASE SAVEPOINT pre');
                } catch {
                  await client.query('ROLLBACK TO SAVEPOINT pre');
                }
              }
              await client.query('SAVEPOINT s');
              const one: Outcome = { result: [], error: null, accounts: [], transfers: [] };
              try {
                for (const [id, act] of ops) {
                  const { rows } = await client.query('SELECT ledger.settle_hold($1, $2) AS s', [
                    String(id),
                    act,
                  ]);
                  one.result!.push(rows[0].s);
                }
              } catch (error) {
                one.error = pgError(error);
                one.result = null;
                await client.query('ROLLBACK TO SAVEPOINT s');
              }
              Object.assign(one, await snapshot(client, accountIds, holds));
              await client.query('ROLLBACK TO SAVEPOINT s');

              const batch: Outcome = { result: null, error: null, accounts: [], transfers: [] };
              try {
                const { rows } = await client.query(
                  'SELECT ledger.settle_holds($1::bigint[], $2::text[]) AS s',
                  [ops.map(([id]) => String(id)), ops.map(([, act]) => act)],
                );
                batch.result = rows[0].s;
              } catch (error) {
                batch.error = pgError(error);
                await client.query('ROLLBACK TO SAVEPOINT s');
              }
              Object.assign(batch, await snapshot(client, accountIds, holds));
              if (one.error) errors++;
              else successes++;
              assert.deepEqual(batch, one);
            } finally {
              await client.query('ROLLBACK');
            }
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      client.release();
    }
    // The generator reached both sides.
    assert.ok(errors > 5 && successes > 5, `errors ${errors}, successes ${successes}`);
    assert.equal((await verifyLedger(pool)).ok, true);
  });

  it('settles a mixed batch: balances, pending amounts and statuses', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 1_000n);
    const b = await fundedAccount(pool, 0n);
    const h = await Promise.all(
      [100n, 200n, 300n].map((amount, i) =>
        hold(pool, {
          key: `mixed:${i}`,
          kind: 'test',
          entries: move(a.id, b.id, amount),
          expiresAt: inAnHour(),
        }),
      ),
    );
    assert.equal((await getAccount(pool, a.id)).pendingDebits, 600n);
    const { rows } = await pool.query('SELECT ledger.settle_holds($1::bigint[], $2::text[]) AS s', [
      h.map((x) => String(x.id)),
      ['post', 'void', 'expire'],
    ]);
    assert.deepEqual(rows[0].s, ['posted', 'voided', 'expired']);
    const accA = await getAccount(pool, a.id);
    const accB = await getAccount(pool, b.id);
    assert.deepEqual(
      [accA.balance, accA.pendingDebits, accB.balance, accB.pendingCredits],
      [900n, 0n, 100n, 0n],
    );
    // Repeating the batch is a no-op with the same answer.
    const again = await pool.query('SELECT ledger.settle_holds($1::bigint[], $2::text[]) AS s', [
      h.map((x) => String(x.id)),
      ['post', 'void', 'expire'],
    ]);
    assert.deepEqual(again.rows[0].s, ['posted', 'voided', 'expired']);
    assert.equal((await getAccount(pool, a.id)).balance, 900n);
    const empty = await pool.query(`SELECT ledger.settle_holds('{}', '{}') AS s`);
    assert.deepEqual(empty.rows[0].s, []);
    assert.equal((await verifyLedger(pool)).ok, true);
  });

  it("refuses with settle_hold's errors and changes nothing", async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 1_000n);
    const b = await fundedAccount(pool, 0n);
    const [p, q, x] = await Promise.all(
      [1, 2, 3].map((i) =>
        hold(pool, { key: `err:${i}`, kind: 'test', entries: move(a.id, b.id, 100n), expiresAt: inAnHour() }),
      ),
    );
    await pool.query(`UPDATE ledger.transfers SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      x!.id,
    ]);
    await pool.query(`SELECT ledger.settle_hold($1, 'void')`, [q!.id]);
    const settle = (ids: bigint[], actions: string[]) =>
      pool.query('SELECT ledger.settle_holds($1::bigint[], $2::text[])', [ids.map(String), actions]);
    const refused = (code: string, message: string, detail?: string) => (e: unknown) => {
      const err = e as { code?: string; message: string; detail?: string };
      assert.deepEqual([err.code, err.message, err.detail], [code, message, detail]);
      return true;
    };
    await assert.rejects(
      settle([p!.id], ['cancel']),
      refused('KL007', 'action must be post, void or expire'),
    );
    await assert.rejects(
      settle([p!.id], ['post', 'void']),
      refused('KL007', 'array arguments differ in length'),
    );
    await assert.rejects(
      settle([p!.id, 999_999_999n], ['post', 'post']),
      refused('KL006', 'hold not found', '999999999'),
    );
    await assert.rejects(
      settle([p!.id, q!.id], ['post', 'post']),
      refused('KL006', 'hold is voided', String(q!.id)),
    );
    await assert.rejects(
      settle([p!.id, x!.id], ['void', 'post']),
      refused('KL006', 'hold has expired', String(x!.id)),
    );
    // The first refused element in array order decides the error.
    await assert.rejects(
      settle([q!.id, p!.id], ['post', 'bad']),
      refused('KL006', 'hold is voided', String(q!.id)),
    );
    // The same id twice: a second, different action finds the status the first one left.
    await assert.rejects(
      settle([p!.id, p!.id], ['post', 'void']),
      refused('KL006', 'hold is posted', String(p!.id)),
    );
    const accA = await getAccount(pool, a.id);
    assert.deepEqual([accA.balance, accA.pendingDebits], [1_000n, 200n], 'no refused batch changed anything');
    const { rows } = await pool.query('SELECT status FROM ledger.transfers WHERE id = $1', [p!.id]);
    assert.equal(rows[0].status, 'pending');
    // The same id twice with the same action: settled once, both answer the end status.
    const ok = await pool.query('SELECT ledger.settle_holds($1::bigint[], $2::text[]) AS s', [
      [p!.id, p!.id, x!.id, q!.id].map(String),
      ['post', 'post', 'expire', 'void'],
    ]);
    assert.deepEqual(ok.rows[0].s, ['posted', 'posted', 'expired', 'voided']);
    const after = await getAccount(pool, a.id);
    assert.deepEqual([after.balance, after.pendingDebits], [900n, 0n]);
    assert.equal((await verifyLedger(pool)).ok, true);
  });

  it('runs concurrent batches over overlapping accounts without deadlock', async () => {
    const { pool } = db.ctx;
    const accounts = await Promise.all([1, 2, 3, 4, 5].map(() => fundedAccount(pool, 10_000_000n)));
    const before = await Promise.all(accounts.map((a) => getAccount(pool, a.id)));
    const holds = await holdsOver(accounts, 60, 'race');
    const batches = 6;
    // Each batch takes every sixth hold, half of them listed in descending id order, so the
    // batches name overlapping accounts in opposite orders.
    const parts = Array.from({ length: batches }, (_, k) => {
      const mine = holds.filter((_, i) => i % batches === k);
      return k % 2 === 0 ? mine : mine.reverse();
    });
    const actions = (ids: bigint[]) => ids.map((id) => (id % 3n === 0n ? 'void' : 'post'));
    const answers = await Promise.all(
      parts.map((ids) =>
        pool.query('SELECT ledger.settle_holds($1::bigint[], $2::text[]) AS s', [
          ids.map(String),
          actions(ids),
        ]),
      ),
    );
    for (const [k, ans] of answers.entries()) {
      assert.deepEqual(
        ans.rows[0].s,
        actions(parts[k]!).map((a) => (a === 'post' ? 'posted' : 'voided')),
      );
    }
    // Every hold also settled again by a racing overlapping batch: no-ops, no deadlock.
    const again = await Promise.all(
      parts.map((ids) =>
        pool.query('SELECT ledger.settle_holds($1::bigint[], $2::text[]) AS s', [
          [...ids].reverse().map(String),
          actions([...ids].reverse()),
        ]),
      ),
    );
    assert.equal(again.length, batches);
    const after = await Promise.all(accounts.map((a) => getAccount(pool, a.id)));
    for (const acc of after) {
      assert.equal(acc.pendingDebits, 0n);
      assert.equal(acc.pendingCredits, 0n);
    }
    const { rows } = await pool.query(
      `SELECT coalesce(sum(e.amount), 0)::bigint AS s FROM ledger.entries e JOIN ledger.transfers t ON t.id = e.transfer_id
       WHERE t.id = ANY ($1::bigint[]) AND t.status = 'posted' AND e.account_id = $2`,
      [holds.map(String), accounts[0]!.id],
    );
    assert.equal(after[0]!.balance - before[0]!.balance, rows[0].s);
    assert.equal((await verifyLedger(pool)).ok, true);
  });
});
