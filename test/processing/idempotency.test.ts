import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount } from '../../src/ledger/index.ts';
import { stringifyJson } from '../../src/platform/json.ts';
import {
  call,
  count,
  type ProcessingWorld,
  payBody,
  processingWorld,
  type TestAgent,
  testAgent,
} from './helpers.ts';

describe('processing: idempotency per (agent, agentTransactionId)', () => {
  let w: ProcessingWorld;
  let a: TestAgent;
  let baseUrl: string;
  before(async () => {
    w = await processingWorld({ poolSize: 20 });
    a = await testAgent(w.ctx);
    baseUrl = await w.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => w.close());

  it('200 parallel pays with one agentTransactionId: one payment, one transfer, never 0 twice for two payments', async () => {
    const before = await getAccount(w.ctx.pool, a.agent.accountId);
    // A provider that takes a moment, so the repeats arrive while the first is in flight.
    const body = stringifyJson(payBody({ account: '7400500001' }));
    const answers = await Promise.all(
      Array.from({ length: 200 }, () =>
        fetch(`${baseUrl}/api/v20/pay`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
          body,
        }).then((r) => r.json() as Promise<{ result: number; transactionId: number }>),
      ),
    );
    const results = new Set(answers.map((x) => x.result));
    assert.ok(
      [...results].every((r) => r === 0 || r === 1),
      `only 0 or 1, got ${[...results]}`,
    );
    assert.equal(new Set(answers.map((x) => x.transactionId)).size, 1);
    assert.equal(await count(w.ctx, 'processing.payments WHERE agent_id = $1', [a.agent.id]), 1);
    assert.equal(
      await count(w.ctx, `ledger.transfers WHERE kind = 'processing.pay' AND metadata->>'agentId' = $1`, [
        String(a.agent.id),
      ]),
      1,
    );
    const after = await getAccount(w.ctx.pool, a.agent.accountId);
    assert.equal(before.balance - after.balance, 20_000n - 200n);
    assert.equal(after.pendingDebits, 0n);
    const txn = String(answers[0]!.transactionId);
    assert.equal(w.simulator.payCount(txn), 1, 'the provider was asked once');
  });

  it('an 18-digit id sent as a number and as a string is the same payment, kept exactly', async () => {
    const id = '987654321098765432';
    const asNumber = `{"serviceId":"P1011","account":"7770017711","agentTransactionId":${id},"agentTransactionDate":"2015-02-17T16:48:37+05:00","amountTo":200.00,"amountFrom":200.00}`;
    const first = await call(w.app, a.token, 'pay', asNumber);
    assert.equal(first.json.result, 0);
    assert.match(first.text, new RegExp(`"agentTransactionId":${id}[,}]`));
    const asString = asNumber.replace(`:${id},`, `:"${id}",`);
    const second = await call(w.app, a.token, 'pay', asString);
    assert.equal(second.text, first.text);
    const { rows } = await w.ctx.pool.query<{ id: string }>(
      'SELECT agent_txn_id::text AS id FROM processing.payments WHERE agent_id = $1 AND agent_txn_id = $2::bigint',
      [a.agent.id, id],
    );
    assert.equal(rows[0]?.id, id);
  });

  it('the same agentTransactionId of two agents is two payments', async () => {
    const b = await testAgent(w.ctx);
    const body = payBody();
    assert.equal((await call(w.app, a.token, 'pay', body)).json.result, 0);
    assert.equal((await call(w.app, b.token, 'pay', body)).json.result, 0);
  });

  it('accepts agentTransactionDate without a zone, with Z and with an offset; refuses a non-date', async () => {
    for (const date of ['2015-02-17T16:48:37', '2015-02-17T16:48:37Z', '2015-02-17T16:48:37.123+0500'])
      assert.equal(
        (await call(w.app, a.token, 'pay', payBody({ agentTransactionDate: date }))).json.result,
        0,
        date,
      );
    for (const date of ['17.02.2015 16:48', '2015-02-30T10:00:00'])
      assert.equal(
        (await call(w.app, a.token, 'pay', payBody({ agentTransactionDate: date }))).json.result,
        202,
        date,
      );
  });
});
