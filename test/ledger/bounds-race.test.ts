import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount, verifyLedger } from '../../src/ledger/index.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { fundedAccount } from '../helpers/ledger.ts';
import { runScript } from '../helpers/processes.ts';

describe('ledger bounds under two racing processes', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
  });
  after(async () => {
    await db.close();
  });

  for (const { name, balance, lowerBound, amount } of [
    { name: 'no overdraft', balance: 1_000n, lowerBound: 0n, amount: 30n },
    { name: 'with an overdraft', balance: 500n, lowerBound: -400n, amount: 70n },
  ]) {
    it(`2 processes x 50 parallel transfers never cross the bound (${name})`, async () => {
      const { pool } = db.ctx;
      const from = await fundedAccount(pool, balance, { lowerBound });
      const to = await fundedAccount(pool, 0n);
      const startAt = String(Date.now() + 1_500);
      const runs = await Promise.all(
        ['p1', 'p2'].map((tag) =>
          runScript('test/helpers/ledger-racer.ts', [
            db.url,
            String(from.id),
            String(to.id),
            '50',
            String(amount),
            startAt,
            `${name}:${tag}`,
          ]),
        ),
      );
      let ok = 0n;
      for (const run of runs) {
        assert.equal(run.code, 0, run.stderr);
        const result = JSON.parse(run.stdout) as { ok: number; refused: number };
        assert.equal(result.ok + result.refused, 50);
        ok += BigInt(result.ok);
      }
      const expectedOk = (balance - lowerBound) / amount;
      assert.equal(ok, expectedOk, 'every transfer that fits went through, no more');
      const after = await getAccount(pool, from.id);
      assert.equal(after.balance, balance - ok * amount);
      assert.ok(after.balance >= lowerBound);
      assert.equal((await getAccount(pool, to.id)).balance, ok * amount);
      assert.equal((await verifyLedger(pool)).ok, true);
    });
  }
});
