import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { getAccount, verifyLedger } from '../../src/ledger/index.ts';
import type { AppError } from '../../src/platform/errors.ts';
import { payPayment, settle, walletPayBatchStats } from '../../src/wallet/pay.ts';
import { createBatchStats, createPayment, paymentById } from '../../src/wallet/payments.ts';
import { activeWallet, type WalletWorld, walletWorld } from './helpers.ts';

/**
 * Concurrent creates, claims and settles share statements (src/platform/batcher.ts): requests
 * submitted in the same turn of the event loop go out together. Each must get exactly the answer
 * it would have had alone.
 */
describe('wallet: batched create, claim and settle', () => {
  let w: WalletWorld;
  before(async () => {
    w = await walletWorld({ poolSize: 20 });
  });
  after(() => w.close());

  const megafon = (amount: number, phoneNumber = '9267101280') => ({
    type: 'out',
    client_payment_id: randomUUID(),
    amount,
    service: 1,
    parameters: { phoneNumber },
  });

  function stats() {
    const s = walletPayBatchStats(w.ctx);
    return {
      create: createBatchStats(w.ctx)?.items ?? 0,
      claim: s.claim?.items ?? 0,
      claimOneByOne: s.claim?.oneByOne ?? 0,
      settle: s.settle?.items ?? 0,
    };
  }

  it('12 wallets paying at once: shared statements, every payment finished, every balance exact', async () => {
    const wallets = await Promise.all(Array.from({ length: 12 }, () => activeWallet(w.ctx)));
    // Warm the service and agent caches, so the requests below reach the batchers in one turn.
    const warm = await createPayment(w.ctx, wallets[0]!.wallet, megafon(1));
    await payPayment(w.ctx, wallets[0]!.wallet, String(warm.id));
    const before = stats();
    const created = await Promise.all(
      wallets.map((a, i) => createPayment(w.ctx, a.wallet, megafon(100 + i))),
    );
    const paid = await Promise.all(
      wallets.map((a, i) => payPayment(w.ctx, a.wallet, String(created[i]!.id))),
    );
    const after = stats();
    assert.ok(after.create - before.create >= 2, `creates shared a statement: ${JSON.stringify(after)}`);
    assert.ok(after.claim - before.claim >= 2, `claims shared a statement: ${JSON.stringify(after)}`);
    // Settles share a statement only when provider answers arrive in the same turn of the event
    // loop, which timing decides (on a fast server they come one by one); the Batcher's own unit
    // tests prove the sharing, this test proves the money.
    for (const [i, a] of wallets.entries()) {
      assert.equal(paid[i]!.state, 'finished');
      assert.equal(paid[i]!.id, created[i]!.id);
      const account = await getAccount(w.ctx.pool, a.wallet.accountId);
      assert.equal(account.balance, 1_000_000n - BigInt(100 + i) * 100n - (i === 0 ? 100n : 0n));
      assert.equal(account.pendingDebits, 0n);
    }
    const { rows } = await w.ctx.pool.query(
      `SELECT t.status, t.metadata->>'paymentId' AS payment FROM ledger.transfers t WHERE t.idem_key = ANY ($1)`,
      [created.map((p) => `wallet:pay:${p.id}`)],
    );
    assert.equal(rows.length, 12, 'one hold per payment');
    assert.ok(rows.every((r) => r.status === 'posted'));
    assert.deepEqual((await verifyLedger(w.ctx.pool)).problems, []);
  });

  it('a batch where one hold does not fit: redone one by one, exactly what fits is paid', async () => {
    const a = await activeWallet(w.ctx); // 10 000 roubles
    const others = await Promise.all(Array.from({ length: 3 }, () => activeWallet(w.ctx)));
    const mine = [];
    for (let i = 0; i < 4; i++) mine.push(await createPayment(w.ctx, a.wallet, megafon(3_000)));
    const theirs = await Promise.all(others.map((o) => createPayment(w.ctx, o.wallet, megafon(50))));
    const before = stats();
    const answers = await Promise.allSettled([
      ...mine.map((p) => payPayment(w.ctx, a.wallet, String(p.id))),
      ...theirs.map((p, i) => payPayment(w.ctx, others[i]!.wallet, String(p.id))),
    ]);
    assert.ok(stats().claimOneByOne > before.claimOneByOne, 'the batch was redone one by one');
    const mineAnswers = answers.slice(0, 4);
    const refused = mineAnswers.filter((r) => r.status === 'rejected');
    assert.equal(refused.length, 1, 'three of 3 000 fit into 10 000, the fourth does not');
    const reason = (refused[0] as PromiseRejectedResult).reason as AppError;
    assert.equal(reason.code, 'wallet.insufficient_funds');
    assert.ok(
      answers.slice(4).every((r) => r.status === 'fulfilled' && r.value.state === 'finished'),
      'the other wallets in the batch are paid',
    );
    const account = await getAccount(w.ctx.pool, a.wallet.accountId);
    assert.equal(account.balance, 100_000n);
    assert.equal(account.pendingDebits, 0n);
    const states = await Promise.all(mine.map((p) => paymentById(w.ctx.pool, p.id)));
    assert.deepEqual(states.map((p) => p!.state).sort(), ['finished', 'finished', 'finished', 'ready']);
  });

  it('one payment twice in a batch, with others: one hold, both answered with it', async () => {
    const a = await activeWallet(w.ctx);
    const b = await activeWallet(w.ctx);
    const p = await createPayment(w.ctx, a.wallet, megafon(200));
    const q = await createPayment(w.ctx, b.wallet, megafon(300));
    const [one, two, three] = await Promise.all([
      payPayment(w.ctx, a.wallet, String(p.id)),
      payPayment(w.ctx, a.wallet, String(p.id)),
      payPayment(w.ctx, b.wallet, String(q.id)),
    ]);
    assert.equal(one.id, p.id);
    assert.equal(two.id, p.id);
    assert.ok(['paying', 'finished'].includes(one.state) && ['paying', 'finished'].includes(two.state));
    assert.equal(three.state, 'finished');
    const { rows } = await w.ctx.pool.query(
      `SELECT count(*)::int AS n FROM ledger.transfers WHERE idem_key = $1`,
      [`wallet:pay:${p.id}`],
    );
    assert.equal(rows[0].n, 1);
    const paid = await paymentById(w.ctx.pool, p.id);
    assert.equal(paid!.state, 'finished');
    assert.equal((await getAccount(w.ctx.pool, a.wallet.accountId)).balance, 1_000_000n - 20_000n);
  });

  it("a batch mixing a foreign wallet's payment, an unknown id and a paid one: each its own answer", async () => {
    const a = await activeWallet(w.ctx);
    const b = await activeWallet(w.ctx);
    const done = await createPayment(w.ctx, a.wallet, megafon(10));
    await payPayment(w.ctx, a.wallet, String(done.id));
    const fresh = await createPayment(w.ctx, a.wallet, megafon(20));
    const foreign = await createPayment(w.ctx, b.wallet, megafon(30));
    const answers = await Promise.allSettled([
      payPayment(w.ctx, a.wallet, String(done.id)),
      payPayment(w.ctx, a.wallet, String(fresh.id)),
      payPayment(w.ctx, a.wallet, String(foreign.id)),
      payPayment(w.ctx, a.wallet, '999999999999'),
    ]);
    assert.equal(answers[0]!.status === 'fulfilled' && answers[0].value.state, 'finished');
    assert.equal(answers[1]!.status === 'fulfilled' && answers[1].value.state, 'finished');
    for (const r of answers.slice(2)) {
      assert.equal(r.status, 'rejected');
      assert.equal(((r as PromiseRejectedResult).reason as AppError).code, 'wallet.payment_not_found');
    }
    assert.equal(
      (await paymentById(w.ctx.pool, foreign.id))!.state,
      'ready',
      "the other wallet's payment untouched",
    );
  });

  it('parallel creates with one client_payment_id in one batch: one row; another body is refused', async () => {
    const a = await activeWallet(w.ctx);
    const body = megafon(150);
    const other = await activeWallet(w.ctx);
    const answers = await Promise.allSettled([
      ...Array.from({ length: 8 }, () => createPayment(w.ctx, a.wallet, body)),
      createPayment(w.ctx, a.wallet, { ...body, amount: 151 }),
      createPayment(w.ctx, other.wallet, body), // the same client id in another wallet is its own payment
    ]);
    const same = answers.slice(0, 8).map((r) => (r.status === 'fulfilled' ? String(r.value.id) : 'refused'));
    assert.equal(new Set(same).size, 1, JSON.stringify(same));
    assert.notEqual(same[0], 'refused');
    assert.equal(answers[8]!.status, 'rejected');
    assert.equal(
      ((answers[8] as PromiseRejectedResult).reason as AppError).code,
      'wallet.client_payment_id_conflict',
    );
    assert.equal(answers[9]!.status, 'fulfilled');
    const { rows } = await w.ctx.pool.query(
      `SELECT wallet_id, count(*)::int AS n FROM wallet.payments WHERE client_payment_id = $1 GROUP BY wallet_id`,
      [body.client_payment_id],
    );
    assert.deepEqual(rows.map((r) => r.n).sort(), [1, 1]);
  });

  it('a settle that loses to one settled meanwhile answers the first final answer', async () => {
    const a = await activeWallet(w.ctx);
    const b = await activeWallet(w.ctx);
    const p = await createPayment(w.ctx, a.wallet, megafon(40));
    const paid = await payPayment(w.ctx, a.wallet, String(p.id));
    assert.equal(paid.state, 'finished');
    const q = await createPayment(w.ctx, b.wallet, megafon(60));
    const paying = { ...paid, state: 'paying' as const };
    // A late refusal of a finished payment shares a batch with another wallet's pay.
    const [late, other] = await Promise.all([
      settle(w.ctx, paying, { result: 5, final: true, message: 'late' }),
      payPayment(w.ctx, b.wallet, String(q.id)),
    ]);
    assert.equal(late.state, 'finished', 'the first final answer stands');
    assert.equal(other.state, 'finished');
    const account = await getAccount(w.ctx.pool, a.wallet.accountId);
    assert.equal(account.balance, 1_000_000n - 4_000n);
    assert.equal(account.pendingDebits, 0n);
  });
});
