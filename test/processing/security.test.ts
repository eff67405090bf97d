import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CLI_ACTOR } from '../../src/platform/audit.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { allowIp } from '../../src/processing/agents.ts';
import { changeToken, createToken } from '../../src/processing/credentials.ts';
import {
  call,
  count,
  type ProcessingWorld,
  payBody,
  processingWorld,
  type TestAgent,
  testAgent,
} from './helpers.ts';

describe('processing: bad requests and credentials get the protocol error, nothing written', () => {
  let w: ProcessingWorld;
  let a: TestAgent;
  before(async () => {
    w = await processingWorld();
    a = await testAgent(w.ctx);
  });
  after(() => w.close());

  const written = async () => ({
    payments: await count(w.ctx, 'processing.payments'),
    transfers: await count(w.ctx, 'ledger.transfers'),
  });

  const bad: [string, string | Record<string, unknown>][] = [
    ['malformed JSON', '{"serviceId": "P1011", "account": '],
    ['a JSON array', '[1, 2]'],
    ['amountTo of the wrong type', payBody({ amountTo: true })],
    ['account as a number', payBody({ account: 7770017711 })],
    [
      'a 19-digit agentTransactionId as a number',
      `{"serviceId":"P1011","account":"7770017711","agentTransactionId":1234567890123456789,"agentTransactionDate":"2015-02-17T16:48:37","amountTo":200.00}`,
    ],
    ['a 19-digit agentTransactionId as a string', payBody({ agentTransactionId: '1234567890123456789' })],
    ['a fractional agentTransactionId', payBody({ agentTransactionId: 12.5 })],
    [
      'an amount with 3 decimals (number)',
      `{"serviceId":"P1011","account":"7770017711","agentTransactionId":55,"agentTransactionDate":"2015-02-17T16:48:37","amountTo":200.001}`,
    ],
    ['an amount with 3 decimals (string)', payBody({ amountTo: '200.001', amountFrom: '200.001' })],
    ['a negative amount', payBody({ amountTo: '-200.00', amountFrom: '-200.00' })],
    ['no amountTo', payBody({ amountTo: undefined })],
    ['no agentTransactionDate', payBody({ agentTransactionDate: undefined })],
    [
      'extraServices not summing to amountTo',
      payBody({
        amountTo: '450.00',
        amountFrom: '450.00',
        extraServices: [{ subServiceId: '1', amount: '100.00' }],
      }),
    ],
    ['a "with choice" pay without contractId', payBody({ serviceId: 'P0005' })],
  ];
  for (const [name, body] of bad) {
    it(`${name}: 202`, async () => {
      const before = await written();
      const r = await call(w.app, a.token, 'pay', body);
      assert.equal(r.status, 200);
      assert.equal(r.json.result, 202, r.text);
      assert.equal(typeof r.json.resultMessage, 'string');
      assert.ok(!/at |stack|Error:/.test(r.text), 'no internals');
      assert.deepEqual(await written(), before);
    });
  }

  it('an unknown serviceId: 130, nothing written', async () => {
    const before = await written();
    assert.equal((await call(w.app, a.token, 'pay', payBody({ serviceId: 'NOPE' }))).json.result, 130);
    assert.deepEqual(await written(), before);
  });

  it('no token, an unknown token: 401 with result 300', async () => {
    for (const token of [undefined, 'no-such-token-123']) {
      const r = await call(w.app, token, 'pay', payBody());
      assert.equal(r.status, 401);
      assert.equal(r.json.result, 300);
    }
  });

  it('token lifecycle: only confirmed tokens authenticate; revoked ones stop at once', async () => {
    const t = await withTx(w.ctx.pool, (tx) => createToken(tx, a.agent, CLI_ACTOR));
    assert.equal(t.status, 'awaiting_confirmation');
    assert.equal((await call(w.app, t.token, 'balance')).status, 401);
    await withTx(w.ctx.pool, (tx) => changeToken(tx, t.id, 'confirm', CLI_ACTOR));
    assert.equal((await call(w.app, t.token, 'balance')).json.result, 0);
    await withTx(w.ctx.pool, (tx) => changeToken(tx, t.id, 'revoke', CLI_ACTOR));
    const before = await written();
    const r = await call(w.app, t.token, 'pay', payBody());
    assert.equal(r.status, 401);
    assert.equal(r.json.result, 300);
    assert.deepEqual(await written(), before);
    await assert.rejects(
      withTx(w.ctx.pool, (tx) => changeToken(tx, t.id, 'confirm', CLI_ACTOR)),
      /токен .* «Токен отозван»/,
    );
    // The token is stored hashed only.
    const { rows } = await w.ctx.pool.query<{ n: bigint }>(
      'SELECT count(*)::bigint AS n FROM processing.agent_tokens WHERE token_hash = $1',
      [t.token],
    );
    assert.equal(rows[0]!.n, 0n);
  });

  it("Basic auth needs the agent's own login", async () => {
    const other = await testAgent(w.ctx);
    const basic = (login: string) => `Basic ${Buffer.from(`${login}:${a.token}`).toString('base64')}`;
    assert.equal(
      (
        await call(w.app, undefined, 'balance', undefined, {
          headers: { authorization: basic(a.agent.login) },
        })
      ).json.result,
      0,
    );
    assert.equal(
      (
        await call(w.app, undefined, 'balance', undefined, {
          headers: { authorization: basic(other.agent.login) },
        })
      ).status,
      401,
    );
  });

  it('IP allowlist: none means any address; once set, only listed addresses (and networks)', async () => {
    const b = await testAgent(w.ctx);
    assert.equal((await call(w.app, b.token, 'balance', undefined, { ip: '203.0.113.7' })).json.result, 0);
    await withTx(w.ctx.pool, (tx) => allowIp(tx, b.agent, '198.51.100.0/24', CLI_ACTOR));
    const before = await written();
    const denied = await call(w.app, b.token, 'pay', payBody(), { ip: '203.0.113.7' });
    assert.equal(denied.status, 403);
    assert.equal(denied.json.result, 300);
    assert.deepEqual(await written(), before);
    assert.equal((await call(w.app, b.token, 'balance', undefined, { ip: '198.51.100.20' })).json.result, 0);
    assert.equal(
      (await call(w.app, b.token, 'balance', undefined, { ip: '::ffff:198.51.100.21' })).json.result,
      0,
    );
  });

  it('an unknown method: 404 with result 202', async () => {
    const r = await call(w.app, a.token, 'refund', {});
    assert.equal(r.status, 404);
    assert.equal(r.json.result, 202);
  });
});
