import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount, verifyLedger } from '../../src/ledger/index.ts';
import { payBatchStats } from '../../src/processing/pay.ts';
import { call, count, type ProcessingWorld, payBody, processingWorld, testAgent } from './helpers.ts';

/**
 * Concurrent pays share the reservation and settlement statements (src/platform/batcher.ts);
 * each must still get exactly the answer and the money it would have got alone.
 */
describe('processing: concurrent pays batched into shared statements', () => {
  let w: ProcessingWorld;
  before(async () => {
    w = await processingWorld({ poolSize: 20 });
  });
  after(() => w.close());

  it('60 concurrent pays of three agents: each one payment and one transfer, in fewer statements than pays', async () => {
    const agents = [await testAgent(w.ctx), await testAgent(w.ctx), await testAgent(w.ctx)];
    const balances = await Promise.all(agents.map((a) => getAccount(w.ctx.pool, a.agent.accountId)));
    const statsBefore = { ...payBatchStats(w.ctx).reserve };
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => call(w.app, agents[i % 3]!.token, 'pay', payBody())),
    );
    assert.deepEqual(
      answers.map((r) => r.json.result),
      answers.map(() => 0),
    );
    assert.equal(new Set(answers.map((r) => String(r.json.transactionId))).size, 60);
    for (const [i, a] of agents.entries()) {
      assert.equal(
        await count(w.ctx, 'processing.payments WHERE agent_id = $1 AND result = 0', [a.agent.id]),
        20,
      );
      assert.equal(
        await count(
          w.ctx,
          `ledger.transfers WHERE kind = 'processing.pay' AND status = 'posted' AND metadata->>'agentId' = $1`,
          [String(a.agent.id)],
        ),
        20,
      );
      const after = await getAccount(w.ctx.pool, a.agent.accountId);
      // 200.00 less the agent's 1% reward, twenty times.
      assert.equal(balances[i]!.balance - after.balance, 20n * (20_000n - 200n));
      assert.equal(after.pendingDebits, 0n);
    }
    const stats = payBatchStats(w.ctx).reserve!;
    const batches = stats.batches - (statsBefore.batches ?? 0);
    const items = stats.items - (statsBefore.items ?? 0);
    assert.ok(batches > 0 && items > batches, `batched: ${items} pays in ${batches} statements`);
    // Settles share a statement only when provider answers arrive in the same turn of the event
    // loop, which timing decides (on a fast server they come one by one); src/processing/batcher.test.ts
    // proves the sharing itself.
    assert.ok((await verifyLedger(w.ctx.pool)).ok);
  });

  it('one agent short of money among others: it gets 220 for what does not fit, never below its overdraft; the others are paid', async () => {
    // 500.00: two pays of 200.00 (198.00 each after the reward) fit, the third does not.
    const poor = await testAgent(w.ctx, { balance: 50_000n });
    const rich = await testAgent(w.ctx);
    const poorBodies = Array.from({ length: 5 }, () => payBody());
    const answers = await Promise.all([
      ...poorBodies.map((b) => call(w.app, poor.token, 'pay', b)),
      ...Array.from({ length: 15 }, () => call(w.app, rich.token, 'pay', payBody())),
    ]);
    const poorResults = answers.slice(0, 5).map((r) => r.json.result);
    assert.equal(poorResults.filter((r) => r === 0).length, 2, `poor: ${poorResults}`);
    assert.equal(poorResults.filter((r) => r === 220).length, 3, `poor: ${poorResults}`);
    assert.ok(answers.slice(5).every((r) => r.json.result === 0));
    const account = await getAccount(w.ctx.pool, poor.agent.accountId);
    assert.equal(account.balance, 50_000n - 2n * (20_000n - 200n));
    assert.ok(account.available >= 0n);
    // The 220s are stored without a hold and answer the same on a repeat.
    const refused = poorBodies.filter((_, i) => poorResults[i] === 220);
    for (const b of refused) assert.equal((await call(w.app, poor.token, 'pay', b)).json.result, 220);
    assert.ok((await verifyLedger(w.ctx.pool)).ok);
  });

  it('concurrent pays crossing the notification threshold together: one event, on the balance they leave', async () => {
    // 1 000.00 on balance, notify below 500.00; five pays of 198.00 net leave 10.00.
    const a = await testAgent(w.ctx, { balance: 100_000n, notification: 50_000n });
    const others = await testAgent(w.ctx);
    const answers = await Promise.all([
      ...Array.from({ length: 5 }, () => call(w.app, a.token, 'pay', payBody())),
      ...Array.from({ length: 10 }, () => call(w.app, others.token, 'pay', payBody())),
    ]);
    assert.ok(answers.every((r) => r.json.result === 0));
    const { rows } = await w.ctx.pool.query<{ payload: { agentId: string; available: string } }>(
      `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
       WHERE t.identifier = 'processing:balance_notification' AND j.payload->>'agentId' = $1`,
      [String(a.agent.id)],
    );
    assert.equal(rows.length, 1);
    const left = Number((await getAccount(w.ctx.pool, a.agent.accountId)).available);
    assert.ok(Number(rows[0]!.payload.available) >= left && Number(rows[0]!.payload.available) < 50_000);
    const { rows: flag } = await w.ctx.pool.query<{ below: boolean }>(
      'SELECT below_notification AS below FROM processing.agents WHERE id = $1',
      [a.agent.id],
    );
    assert.equal(flag[0]!.below, true);
    assert.equal(left, 100_000 - 5 * 19_800);
  });

  it('a service changed behind the cache: concurrent pays are judged on the stored version, nothing written', async () => {
    const a = await testAgent(w.ctx);
    assert.equal((await call(w.app, a.token, 'pay', payBody({ serviceId: 'P1015' }))).json.result, 0);
    // Another process (the CLI, say) lowers the maximum: this process's copy is now stale.
    await w.ctx.pool.query(`UPDATE processing.services SET max_amount = 10000 WHERE id = 'P1015'`);
    const payments = await count(w.ctx, 'processing.payments');
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => call(w.app, a.token, 'pay', payBody({ serviceId: 'P1015' }))),
    );
    assert.deepEqual(
      answers.map((r) => r.json.result),
      answers.map(() => 242),
    );
    assert.equal(await count(w.ctx, 'processing.payments'), payments);
    await w.ctx.pool.query(`UPDATE processing.services SET max_amount = 10000000 WHERE id = 'P1015'`);
  });
});
