import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  accountHistory,
  getAccount,
  move,
  openAccount,
  setBounds,
  transfer,
  transferBatch,
  verifyLedger,
} from '../../src/ledger/index.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { AppError } from '../../src/platform/errors.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { fundedAccount } from '../helpers/ledger.ts';

function isCode(code: string) {
  return (e: unknown) => e instanceof AppError && e.code === code;
}

describe('ledger transfers', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
  });
  after(async () => {
    await db.close();
  });

  it('moves money and keeps the books balanced', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 10_000n);
    const b = await fundedAccount(pool, 0n);
    const r = await transfer(pool, { key: 't1', kind: 'test', entries: move(a.id, b.id, 2_500n) });
    assert.equal(r.replayed, false);
    assert.equal((await getAccount(pool, a.id)).balance, 7_500n);
    assert.equal((await getAccount(pool, b.id)).balance, 2_500n);
    const history = await accountHistory(pool, b.id);
    assert.equal(history.length, 1);
    assert.equal(history[0]!.amount, 2_500n);
    assert.equal(history[0]!.key, 't1');
    assert.equal((await verifyLedger(pool)).ok, true);
  });

  it('refuses transfers that do not balance, in total or per currency', async () => {
    const { pool } = db.ctx;
    const rub = await fundedAccount(pool, 1_000n);
    const kzt = await fundedAccount(pool, 1_000n, { currency: 'KZT' });
    await assert.rejects(
      transfer(pool, {
        key: 'unbalanced',
        kind: 'test',
        entries: [
          { account: rub.id, amount: -100n },
          { account: kzt.id, amount: 90n },
        ],
      }),
      isCode('ledger.unbalanced'),
    );
    await assert.rejects(
      transfer(pool, { key: 'cross-currency', kind: 'test', entries: move(rub.id, kzt.id, 100n) }),
      isCode('ledger.unbalanced'),
    );
    await assert.rejects(
      transfer(pool, { key: 'one-leg', kind: 'test', entries: [{ account: rub.id, amount: 0n }] }),
      isCode('ledger.bad_entries'),
    );
    await assert.rejects(
      transfer(pool, { key: 'ghost', kind: 'test', entries: move(rub.id, 999_999_999n, 1n) }),
      isCode('ledger.account_not_found'),
    );
    assert.equal((await getAccount(pool, rub.id)).balance, 1_000n, 'nothing half-written');
    assert.equal((await getAccount(pool, kzt.id)).balance, 1_000n);
  });

  it('is idempotent by key: same content replays, other content is refused', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 1_000n);
    const b = await fundedAccount(pool, 0n);
    const first = await transfer(pool, { key: 'idem-1', kind: 'test', entries: move(a.id, b.id, 300n) });
    const again = await transfer(pool, {
      key: 'idem-1',
      kind: 'test',
      entries: [...move(a.id, b.id, 300n)].reverse(),
    });
    assert.equal(again.id, first.id);
    assert.equal(again.replayed, true);
    assert.equal((await getAccount(pool, a.id)).balance, 700n, 'moved once');
    await assert.rejects(
      transfer(pool, { key: 'idem-1', kind: 'test', entries: move(a.id, b.id, 301n) }),
      isCode('ledger.idempotency_conflict'),
    );
    await assert.rejects(
      transfer(pool, { key: 'idem-1', kind: 'other', entries: move(a.id, b.id, 300n) }),
      isCode('ledger.idempotency_conflict'),
    );
    assert.equal((await getAccount(pool, a.id)).balance, 700n);
  });

  it('replays under parallel retries of one key: one transfer', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 1_000n);
    const b = await fundedAccount(pool, 0n);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        transfer(pool, { key: 'parallel-key', kind: 'test', entries: move(a.id, b.id, 10n) }),
      ),
    );
    assert.equal(new Set(results.map((r) => r.id)).size, 1);
    assert.equal(results.filter((r) => !r.replayed).length, 1);
    assert.equal((await getAccount(pool, b.id)).balance, 10n);
  });

  it('keeps the lower bound, and an overdraft is a negative bound', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 500n);
    const b = await fundedAccount(pool, 0n);
    await assert.rejects(
      transfer(pool, { key: 'over', kind: 'test', entries: move(a.id, b.id, 501n) }),
      isCode('ledger.insufficient_funds'),
    );
    await transfer(pool, { key: 'exact', kind: 'test', entries: move(a.id, b.id, 500n) });
    assert.equal((await getAccount(pool, a.id)).balance, 0n);
    await setBounds(pool, a.id, { lowerBound: -200n, upperBound: null });
    await transfer(pool, { key: 'overdraft', kind: 'test', entries: move(a.id, b.id, 200n) });
    await assert.rejects(
      transfer(pool, { key: 'past-overdraft', kind: 'test', entries: move(a.id, b.id, 1n) }),
      isCode('ledger.insufficient_funds'),
    );
    // Tightening the bound below the balance stops debits, not credits.
    await setBounds(pool, a.id, { lowerBound: 0n, upperBound: null });
    await transfer(pool, { key: 'credit-below-bound', kind: 'test', entries: move(b.id, a.id, 50n) });
    assert.equal((await getAccount(pool, a.id)).balance, -150n);
  });

  it('keeps the upper bound', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 1_000n);
    const capped = await fundedAccount(pool, 0n, { upperBound: 600n });
    await transfer(pool, { key: 'to-cap', kind: 'test', entries: move(a.id, capped.id, 600n) });
    await assert.rejects(
      transfer(pool, { key: 'past-cap', kind: 'test', entries: move(a.id, capped.id, 1n) }),
      isCode('ledger.upper_bound'),
    );
  });

  it('posts a batch atomically', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 100_000n);
    const b = await fundedAccount(pool, 0n);
    const batch = Array.from({ length: 500 }, (_, i) => ({
      key: `batch-${i}`,
      kind: 'test',
      entries: move(a.id, b.id, 100n),
    }));
    const results = await transferBatch(pool, batch);
    assert.equal(results.length, 500);
    assert.deepEqual(
      results.map((r) => r.key),
      batch.map((t) => t.key),
    );
    assert.equal((await getAccount(pool, b.id)).balance, 50_000n);
    // Replaying the batch with one new transfer that fails moves nothing at all.
    const failing = [...batch, { key: 'batch-too-much', kind: 'test', entries: move(a.id, b.id, 50_001n) }];
    await assert.rejects(transferBatch(pool, failing), isCode('ledger.insufficient_funds'));
    assert.equal((await getAccount(pool, a.id)).balance, 50_000n);
    const replay = await transferBatch(pool, batch);
    assert.ok(replay.every((r) => r.replayed));
    await assert.rejects(transferBatch(pool, [batch[0]!, batch[0]!]), isCode('ledger.bad_key'));
  });

  it("commits with the caller's transaction, and a savepoint keeps a refusal from aborting it", async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 100n);
    const b = await fundedAccount(pool, 0n);
    await assert.rejects(
      withTx(pool, async (tx) => {
        await transfer(tx, { key: 'rolled-back', kind: 'test', entries: move(a.id, b.id, 10n) });
        throw new Error('business step failed');
      }),
    );
    assert.equal((await getAccount(pool, a.id)).balance, 100n);
    const outcome = await withTx(pool, async (tx) => {
      try {
        await transfer(
          tx,
          { key: 'too-much', kind: 'test', entries: move(a.id, b.id, 1_000n) },
          { savepoint: true },
        );
        return 'moved';
      } catch (error) {
        assert.ok(isCode('ledger.insufficient_funds')(error));
        await transfer(tx, { key: 'smaller', kind: 'test', entries: move(a.id, b.id, 60n) });
        return 'fallback';
      }
    });
    assert.equal(outcome, 'fallback');
    assert.equal((await getAccount(pool, b.id)).balance, 60n);
  });

  it('opens accounts idempotently by code', async () => {
    const { pool } = db.ctx;
    const spec = {
      code: 'agent:1:balance',
      ownerType: 'agent',
      ownerId: '1',
      kind: 'agent',
      currency: 'KZT',
    };
    const first = await openAccount(pool, spec);
    assert.equal((await openAccount(pool, spec)).id, first.id);
    await assert.rejects(openAccount(pool, { ...spec, currency: 'RUB' }), isCode('ledger.account_exists'));
    await assert.rejects(
      openAccount(pool, { ...spec, code: 'x', currency: 'rub' }),
      isCode('ledger.currency'),
    );
  });
});
