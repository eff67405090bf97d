import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount } from '../../src/ledger/index.ts';
import { processingJobs } from '../../src/processing/jobs.ts';
import { freePort } from '../helpers/server-process.ts';
import {
  call,
  type ProcessingWorld,
  payBody,
  processingWorld,
  type TestAgent,
  testAgent,
} from './helpers.ts';

describe('processing: a provider that does not answer, and the sweeper', () => {
  let w: ProcessingWorld;
  let a: TestAgent;
  before(async () => {
    w = await processingWorld();
    a = await testAgent(w.ctx);
  });
  after(() => w.close());

  const setUrl = (url: string) =>
    w.ctx.pool.query(
      `UPDATE processing.services SET provider = jsonb_set(provider, '{url}', to_jsonb($1::text)) WHERE id = 'P1014'`,
      [`${url}/osmp/P1014`],
    );

  it('no connection is non-final (1), the money stays reserved; the sweeper settles it once the provider is back', async () => {
    const before = await getAccount(w.ctx.pool, a.agent.accountId);
    await setUrl(`http://127.0.0.1:${await freePort()}`);
    const body = payBody({ serviceId: 'P1014' });
    const r = await call(w.app, a.token, 'pay', body);
    assert.equal(r.json.result, 1);
    const reserved = await getAccount(w.ctx.pool, a.agent.accountId);
    assert.equal(reserved.balance, before.balance);
    assert.equal(reserved.pendingDebits - before.pendingDebits, 20_000n - 200n);

    // The provider is back; the retry job is lost (say): the minute sweeper finds the payment.
    await setUrl(w.simulator.url);
    await w.ctx.pool.query(
      `UPDATE processing.payments SET next_attempt_at = now() - interval '1 minute' WHERE agent_id = $1 AND agent_txn_id = $2`,
      [a.agent.id, body.agentTransactionId],
    );
    const sweeper = processingJobs(w.ctx).find((j) => j.name === 'processing:sweep_payments')!;
    await sweeper.handler({}, { attempt: 1, maxAttempts: 1, jobId: 'sweep' });
    const again = await call(w.app, a.token, 'pay', body);
    assert.equal(again.json.result, 0);
    assert.equal(again.json.transactionId, r.json.transactionId);
    const after = await getAccount(w.ctx.pool, a.agent.accountId);
    assert.equal(after.pendingDebits, before.pendingDebits);
    assert.equal(before.balance - after.balance, 20_000n - 200n);
    // A second sweep finds nothing left to do.
    await sweeper.handler({}, { attempt: 1, maxAttempts: 1, jobId: 'sweep' });
    assert.equal((await getAccount(w.ctx.pool, a.agent.accountId)).balance, after.balance);
  });
});
