import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  expireHolds,
  getAccount,
  hold,
  move,
  postHold,
  transfer,
  verifyLedger,
  voidHold,
} from '../../src/ledger/index.ts';
import { AppError } from '../../src/platform/errors.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { fundedAccount } from '../helpers/ledger.ts';

const inAnHour = () => new Date(Date.now() + 3_600_000);
const isCode = (code: string) => (e: unknown) => e instanceof AppError && e.code === code;

describe('ledger holds', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase();
  });
  after(async () => {
    await db.close();
  });

  it('reserves funds, then posts them', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 1_000n);
    const b = await fundedAccount(pool, 0n);
    const h = await hold(pool, {
      key: 'h1',
      kind: 'test',
      entries: move(a.id, b.id, 800n),
      expiresAt: inAnHour(),
    });
    let acc = await getAccount(pool, a.id);
    assert.equal(acc.balance, 1_000n);
    assert.equal(acc.available, 200n);
    await assert.rejects(
      transfer(pool, { key: 'spend', kind: 'test', entries: move(a.id, b.id, 300n) }),
      isCode('ledger.insufficient_funds'),
    );
    await assert.rejects(
      hold(pool, { key: 'h1b', kind: 'test', entries: move(a.id, b.id, 300n), expiresAt: inAnHour() }),
      isCode('ledger.insufficient_funds'),
    );
    assert.equal(await postHold(pool, h.id), 'posted');
    assert.equal(await postHold(pool, h.id), 'posted', 'posting twice is a no-op');
    acc = await getAccount(pool, a.id);
    assert.equal(acc.balance, 200n);
    assert.equal(acc.pendingDebits, 0n);
    assert.equal((await getAccount(pool, b.id)).balance, 800n);
    await assert.rejects(voidHold(pool, h.id), isCode('ledger.hold_state'));
    assert.equal((await verifyLedger(pool)).ok, true);
  });

  it('voids a hold and releases the funds', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 1_000n);
    const b = await fundedAccount(pool, 0n);
    const h = await hold(pool, {
      key: 'h2',
      kind: 'test',
      entries: move(a.id, b.id, 700n),
      expiresAt: inAnHour(),
    });
    assert.equal(await voidHold(pool, h.id), 'voided');
    assert.equal(await voidHold(pool, h.id), 'voided');
    const acc = await getAccount(pool, a.id);
    assert.equal(acc.available, 1_000n);
    assert.equal((await getAccount(pool, b.id)).pendingCredits, 0n);
    await assert.rejects(postHold(pool, h.id), isCode('ledger.hold_state'));
    assert.equal((await verifyLedger(pool)).ok, true);
  });

  it('expires a hold: it can no longer be posted and its funds come back', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 1_000n);
    const b = await fundedAccount(pool, 0n);
    const h = await hold(pool, {
      key: 'h3',
      kind: 'test',
      entries: move(a.id, b.id, 400n),
      expiresAt: new Date(Date.now() + 300),
    });
    await new Promise((r) => setTimeout(r, 400));
    await assert.rejects(postHold(pool, h.id), isCode('ledger.hold_state'));
    assert.ok((await expireHolds(pool)) >= 1);
    const acc = await getAccount(pool, a.id);
    assert.equal(acc.balance, 1_000n);
    assert.equal(acc.available, 1_000n);
    const { rows } = await pool.query('SELECT status FROM ledger.transfers WHERE id = $1', [h.id]);
    assert.equal(rows[0].status, 'expired');
    assert.equal((await verifyLedger(pool)).ok, true);
  });

  it('is idempotent by key like a transfer', async () => {
    const { pool } = db.ctx;
    const a = await fundedAccount(pool, 1_000n);
    const b = await fundedAccount(pool, 0n);
    const first = await hold(pool, {
      key: 'h4',
      kind: 'test',
      entries: move(a.id, b.id, 100n),
      expiresAt: inAnHour(),
    });
    const again = await hold(pool, {
      key: 'h4',
      kind: 'test',
      entries: move(a.id, b.id, 100n),
      expiresAt: inAnHour(),
    });
    assert.equal(again.id, first.id);
    assert.equal(again.replayed, true);
    assert.equal((await getAccount(pool, a.id)).pendingDebits, 100n);
    // The same key as a posted transfer is other content.
    await assert.rejects(
      transfer(pool, { key: 'h4', kind: 'test', entries: move(a.id, b.id, 100n) }),
      isCode('ledger.idempotency_conflict'),
    );
  });
});
