import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount } from '../../src/ledger/index.ts';
import { CLI_ACTOR } from '../../src/platform/audit.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { adjustBalance } from '../../src/processing/agents.ts';
import { followUpPayment } from '../../src/processing/pay.ts';
import {
  call,
  count,
  type ProcessingWorld,
  payBody,
  processingWorld,
  type TestAgent,
  testAgent,
} from './helpers.ts';

describe('processing: every result code of Table 1, from the situation it names', () => {
  let w: ProcessingWorld;
  let a: TestAgent;
  before(async () => {
    w = await processingWorld();
    a = await testAgent(w.ctx);
  });
  after(() => w.close());

  const balance = async (agent = a) => getAccount(w.ctx.pool, agent.agent.accountId);
  const paymentRow = async (agentTxnId: unknown) =>
    (
      await w.ctx.pool.query<{ id: bigint; result: number; final: boolean; hold_id: bigint | null }>(
        'SELECT id, result, final, hold_id FROM processing.payments WHERE agent_id = $1 AND agent_txn_id = $2',
        [a.agent.id, agentTxnId],
      )
    ).rows[0];
  const holdStatus = async (id: bigint) =>
    (await w.ctx.pool.query<{ status: string }>('SELECT status FROM ledger.transfers WHERE id = $1', [id]))
      .rows[0]!.status;

  for (const code of [4, 5, 7, 8, 300]) {
    it(`${code}: the provider's final refusal is final, the reservation is released`, async () => {
      const before = await balance();
      const body = payBody({ account: `7000000${String(code).padStart(3, '0')}` });
      const r = await call(w.app, a.token, 'pay', body);
      assert.equal(r.json.result, code);
      const row = (await paymentRow(body.agentTransactionId))!;
      assert.equal(row.final, true);
      assert.equal(await holdStatus(row.hold_id!), 'voided');
      const after = await balance();
      assert.equal(after.balance, before.balance);
      assert.equal(after.pendingDebits, 0n);
      // Final: the same request gets the same answer, and the provider is not asked again.
      const calls = w.simulator.payCount(String(row.id));
      assert.deepEqual((await call(w.app, a.token, 'pay', body)).json, r.json);
      assert.equal(w.simulator.payCount(String(row.id)), calls);
    });
  }

  for (const code of [1, 153]) {
    it(`${code}: non-final; money stays reserved, 0 is never answered before the provider's success`, async () => {
      const before = await balance();
      const body = payBody({ account: `7100000${String(code).padStart(3, '0')}` });
      const r = await call(w.app, a.token, 'pay', body);
      assert.equal(r.json.result, code);
      assert.equal(r.json.transactionDate, undefined);
      const row = (await paymentRow(body.agentTransactionId))!;
      assert.equal(row.final, false);
      assert.equal((await balance()).pendingDebits - before.pendingDebits, 20_000n - 200n);
      const jobs = await count(w.ctx, `graphile_worker.jobs WHERE task_identifier = 'processing:retry_pay'`);
      assert.ok(jobs >= 1, 'a follow-up job is scheduled');
      // The agent repeats before the follow-up: still the same non-final state.
      assert.equal((await call(w.app, a.token, 'pay', body)).json.result, code);
      // The follow-up (what the job runs) hears the provider's final success.
      const followed = await followUpPayment(w.ctx, row.id, { force: true });
      assert.equal(followed?.result, 0);
      const repeat = await call(w.app, a.token, 'pay', body);
      assert.equal(repeat.json.result, 0);
      assert.ok(repeat.json.statusDate);
      const after = await balance();
      assert.equal(after.pendingDebits, before.pendingDebits);
      assert.equal(before.balance - after.balance, 20_000n - 200n);
    });
  }

  it('1 then 300: a non-final answer followed by a final failure releases the money', async () => {
    const before = await balance();
    const body = payBody({ account: '7200000001' });
    assert.equal((await call(w.app, a.token, 'pay', body)).json.result, 1);
    const row = (await paymentRow(body.agentTransactionId))!;
    assert.equal((await followUpPayment(w.ctx, row.id, { force: true }))?.result, 300);
    assert.equal((await call(w.app, a.token, 'pay', body)).json.result, 300);
    assert.equal(await holdStatus(row.hold_id!), 'voided');
    assert.equal((await balance()).balance, before.balance);
  });

  it('202: a changed body for a pay in a temporary state is refused, and the pay goes on', async () => {
    const body = payBody({ account: '7100000001' });
    assert.equal((await call(w.app, a.token, 'pay', body)).json.result, 1);
    const changed = await call(w.app, a.token, 'pay', { ...body, amountTo: '300.00', amountFrom: '300.00' });
    assert.equal(changed.json.result, 202);
    const row = (await paymentRow(body.agentTransactionId))!;
    assert.equal(row.final, false);
    assert.equal((await followUpPayment(w.ctx, row.id, { force: true }))?.result, 0);
    assert.equal((await call(w.app, a.token, 'pay', body)).json.result, 0);
  });

  it('215: the same agentTransactionId with another body after a final result', async () => {
    const body = payBody();
    assert.equal((await call(w.app, a.token, 'pay', body)).json.result, 0);
    const other = await call(w.app, a.token, 'pay', { ...body, account: '7770017712' });
    assert.equal(other.json.result, 215);
    assert.equal(
      await count(w.ctx, 'processing.payments WHERE agent_id = $1 AND agent_txn_id = $2', [
        a.agent.id,
        body.agentTransactionId,
      ]),
      1,
    );
  });

  it('130: an unknown serviceId; 155: a service closed for payments — nothing written', async () => {
    const payments = await count(w.ctx, 'processing.payments');
    assert.equal((await call(w.app, a.token, 'pay', payBody({ serviceId: 'P9999' }))).json.result, 130);
    assert.equal((await call(w.app, a.token, 'check', payBody({ serviceId: 'P9999' }))).json.result, 130);
    await w.ctx.pool.query(`UPDATE processing.services SET enabled = false WHERE id = 'P1015'`);
    assert.equal((await call(w.app, a.token, 'pay', payBody({ serviceId: 'P1015' }))).json.result, 155);
    assert.equal(await count(w.ctx, 'processing.payments'), payments);
  });

  it('241 / 242: below the service minimum, above its maximum', async () => {
    assert.equal(
      (await call(w.app, a.token, 'pay', payBody({ amountTo: '0.50', amountFrom: '0.50' }))).json.result,
      241,
    );
    assert.equal(
      (await call(w.app, a.token, 'pay', payBody({ amountTo: '100000.01', amountFrom: '100000.01' }))).json
        .result,
      242,
    );
    assert.equal((await call(w.app, a.token, 'check', payBody({ amountTo: 0.5 }))).json.result, 241);
  });

  it('255: amountFrom - amountTo outside the allowed commission; amountFrom below amountTo is 202', async () => {
    assert.equal(
      (await call(w.app, a.token, 'pay', payBody({ amountTo: '200.00', amountFrom: '1200.01' }))).json.result,
      255,
    );
    assert.equal(
      (await call(w.app, a.token, 'pay', payBody({ amountTo: '200.00', amountFrom: '1200.00' }))).json.result,
      0,
    );
    assert.equal(
      (await call(w.app, a.token, 'pay', payBody({ amountTo: '200.00', amountFrom: '199.99' }))).json.result,
      202,
    );
  });

  it('250: an agent whose balance was never topped up', async () => {
    const fresh = await testAgent(w.ctx, { balance: 0n, overdraft: 100_000n });
    assert.equal((await call(w.app, fresh.token, 'pay', payBody())).json.result, 250);
  });

  it('220: the balance would go below the overdraft; non-final: the repeat after a top-up succeeds', async () => {
    const poor = await testAgent(w.ctx, { balance: 10_000n, overdraft: 5_000n });
    const body = payBody({ amountTo: '200.00', amountFrom: '200.00' });
    const r = await call(w.app, poor.token, 'pay', body);
    assert.equal(r.json.result, 220);
    assert.equal((await call(w.app, poor.token, 'pay', body)).json.result, 220);
    assert.equal((await getAccount(w.ctx.pool, poor.agent.accountId)).balance, 10_000n);
    await withTx(w.ctx.pool, (tx) =>
      adjustBalance(tx, poor.agent, { amount: 10_000n, kind: 'topup', reason: 't' }, CLI_ACTOR),
    );
    const again = await call(w.app, poor.token, 'pay', body);
    assert.equal(again.json.result, 0);
    assert.equal(again.json.transactionId, r.json.transactionId);
    // 20 000.00 top-ups less 200.00 paid plus 2.00 commission.
    assert.equal((await getAccount(w.ctx.pool, poor.agent.accountId)).balance, 20_000n - 20_000n + 200n);
  });
});
