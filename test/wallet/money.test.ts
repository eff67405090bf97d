import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { getAccount, hold, verifyLedger } from '../../src/ledger/index.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { followUpPayment } from '../../src/processing/pay.ts';
import { findPayment } from '../../src/processing/payments.ts';
import { ensureWalletAgents } from '../../src/wallet/demo.ts';
import { followPayment, stalePayments } from '../../src/wallet/pay.ts';
import { walletAgent } from '../../src/wallet/processing-gateway.ts';
import { refillAgent } from '../../src/wallet/refill.ts';
import { activeWallet, basic, type WalletWorld, waitFor, walletWorld } from './helpers.ts';

describe('wallet: money, idempotency and concurrency', () => {
  let w: WalletWorld;
  let baseUrl: string;
  before(async () => {
    w = await walletWorld({ poolSize: 20 });
    baseUrl = await w.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => w.close());

  const megafon = (overrides: Record<string, unknown> = {}) => ({
    type: 'out',
    client_payment_id: randomUUID(),
    amount: 100,
    service: 1,
    parameters: { phoneNumber: '9267101280' },
    ...overrides,
  });

  async function http(method: string, path: string, auth: string, body?: unknown) {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: auth, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return {
      status: res.status,
      json: (await res.json()) as { meta: Record<string, unknown>; data: Record<string, unknown> },
    };
  }

  it('50 parallel creates with one client_payment_id: one payment, the same answer to all', async () => {
    const a = await activeWallet(w.ctx);
    const auth = basic(a.phone, a.password);
    await http('GET', '/v1/wallet', auth); // warm the password cache, so the creates race each other
    const body = megafon();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => http('POST', '/v1/payments', auth, body)),
    );
    assert.ok(
      answers.every((r) => r.status === 200),
      JSON.stringify(answers.find((r) => r.status !== 200)),
    );
    assert.equal(new Set(answers.map((r) => String(r.json.data.id))).size, 1);
    const { rows } = await w.ctx.pool.query(
      'SELECT count(*)::int AS n FROM wallet.payments WHERE wallet_id = $1',
      [a.wallet.id],
    );
    assert.equal(rows[0].n, 1);
  });

  it('parallel pays draining a balance: exactly what fits is paid, the rest is insufficient_funds, never negative', async () => {
    const a = await activeWallet(w.ctx); // 10 000 roubles
    const auth = basic(a.phone, a.password);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await http('POST', '/v1/payments', auth, megafon({ amount: 500 }));
      ids.push(String(r.json.data.id));
    }
    const answers = await Promise.all(ids.map((id) => http('POST', `/v1/payments/${id}/pay`, auth)));
    const paid = answers.filter((r) => r.status === 200);
    const refused = answers.filter((r) => r.status === 422);
    assert.equal(paid.length, 20, 'exactly 10 000 / 500 pays pass');
    assert.equal(refused.length, 10);
    assert.ok(refused.every((r) => r.json.meta.error === 'insufficient_funds'));
    await waitFor(
      async () => (await getAccount(w.ctx.pool, a.wallet.accountId)).pendingDebits,
      (pending) => pending === 0n,
    );
    const account = await getAccount(w.ctx.pool, a.wallet.accountId);
    assert.equal(account.balance, 0n);
    assert.equal(account.available, 0n);
    const verify = await verifyLedger(w.ctx.pool);
    assert.deepEqual(verify.problems, []);
  });

  it('20 parallel pays of one payment: one hold, one provider payment, the amount taken once', async () => {
    const a = await activeWallet(w.ctx);
    const auth = basic(a.phone, a.password);
    await http('GET', '/v1/wallet', auth);
    // 7400500001: the provider takes 50 ms, so the repeats arrive while the first is in flight.
    const created = await http(
      'POST',
      '/v1/payments',
      auth,
      megafon({ amount: 700, parameters: { phoneNumber: '7400500001' } }),
    );
    const id = String(created.json.data.id);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => http('POST', `/v1/payments/${id}/pay`, auth)),
    );
    assert.ok(answers.every((r) => r.status === 200));
    await waitFor(
      async () => (await http('GET', `/v1/payments/${id}`, auth)).json.data.status,
      (status) => status === 'finished',
    );
    const { rows } = await w.ctx.pool.query(
      `SELECT count(*)::int AS n FROM ledger.transfers WHERE idem_key = $1`,
      [`wallet:pay:${id}`],
    );
    assert.equal(rows[0].n, 1);
    const agent = await walletAgent(w.ctx, a.wallet.id);
    const row = await findPayment(w.ctx.pool, agent.id, BigInt(id));
    assert.equal(w.simulator.payCount(String(row!.id)), 1);
    assert.equal((await getAccount(w.ctx.pool, a.wallet.accountId)).balance, 1_000_000n - 70_000n);
  });

  it('a payment the provider declines is canceled and its hold released', async () => {
    const a = await activeWallet(w.ctx);
    const auth = basic(a.phone, a.password);
    // The simulator declines account 7000000005 with result 5 (account not found), final.
    const created = await http(
      'POST',
      '/v1/payments',
      auth,
      megafon({ amount: 250, parameters: { phoneNumber: '7000000005' } }),
    );
    const paid = await http('POST', `/v1/payments/${created.json.data.id}/pay`, auth);
    assert.equal(paid.status, 200);
    assert.equal(paid.json.data.status, 'canceled');
    assert.equal(paid.json.meta.next_action, undefined);
    const account = await getAccount(w.ctx.pool, a.wallet.accountId);
    assert.equal(account.balance, 1_000_000n, 'nothing taken');
    assert.equal(account.pendingDebits, 0n, 'hold voided');
    const { rows } = await w.ctx.pool.query(`SELECT status FROM ledger.transfers WHERE idem_key = $1`, [
      `wallet:pay:${created.json.data.id}`,
    ]);
    assert.equal(rows[0].status, 'voided');
  });

  it('a non-final answer keeps the payment processing with the hold; the follow-up settles it', async () => {
    const a = await activeWallet(w.ctx);
    const auth = basic(a.phone, a.password);
    // 7100000001: the provider answers 1 (in progress) first, then 0.
    const created = await http(
      'POST',
      '/v1/payments',
      auth,
      megafon({ amount: 300, parameters: { phoneNumber: '7100000001' } }),
    );
    const id = BigInt(String(created.json.data.id));
    const paid = await http('POST', `/v1/payments/${id}/pay`, auth);
    assert.equal(paid.json.data.status, 'processing');
    assert.equal(paid.json.meta.next_action, 'get');
    assert.equal((await getAccount(w.ctx.pool, a.wallet.accountId)).pendingDebits, 30_000n);
    // The processing centre's own follow-up asks the provider again (its job, run here directly).
    const agent = await walletAgent(w.ctx, a.wallet.id);
    const row = await findPayment(w.ctx.pool, agent.id, id);
    await followUpPayment(w.ctx, row!.id, { force: true });
    // The wallet's GET reads the centre's final answer and settles.
    const got = await http('GET', `/v1/payments/${id}`, auth);
    assert.equal(got.json.data.status, 'finished');
    const account = await getAccount(w.ctx.pool, a.wallet.accountId);
    assert.equal(account.balance, 1_000_000n - 30_000n);
    assert.equal(account.pendingDebits, 0n);
  });

  it('a pay whose process died after the hold is completed by the follow-up (sent again, once)', async () => {
    const a = await activeWallet(w.ctx);
    const auth = basic(a.phone, a.password);
    const created = await http('POST', '/v1/payments', auth, megafon({ amount: 400 }));
    const id = BigInt(String(created.json.data.id));
    // Simulate the crash: the state a process leaves after step 1 (hold placed, centre never asked).
    await w.ctx.pool.query(
      `UPDATE wallet.payments SET created_at = now() - interval '5 minutes' WHERE id = $1`,
      [id],
    );
    const agent = await walletAgent(w.ctx, a.wallet.id);
    const h = await hold(w.ctx.pool, {
      key: `wallet:pay:${id}`,
      kind: 'wallet.pay',
      entries: [
        { account: a.wallet.accountId, amount: -40_000n },
        { account: a.wallet.outgoingAccountId, amount: 40_000n },
      ],
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    await w.ctx.pool.query(`UPDATE wallet.payments SET state = 'paying', hold_id = $2 WHERE id = $1`, [
      id,
      h.id,
    ]);
    assert.ok((await stalePayments(w.ctx)).includes(id), 'the sweeper sees it');
    await followPayment(w.ctx, id);
    await followPayment(w.ctx, id);
    const got = await http('GET', `/v1/payments/${id}`, auth);
    assert.equal(got.json.data.status, 'finished');
    const row = await findPayment(w.ctx.pool, agent.id, id);
    assert.equal(w.simulator.payCount(String(row!.id)), 1, 'the provider was paid once');
    assert.equal((await getAccount(w.ctx.pool, a.wallet.accountId)).balance, 1_000_000n - 40_000n);
  });

  it('the fee goes to the wallet operator; the agent float is refilled from the wallets by the minute job', async () => {
    const a = await activeWallet(w.ctx);
    const auth = basic(a.phone, a.password);
    const agent = await walletAgent(w.ctx, a.wallet.id);
    await refillAgent(w.ctx);
    const floatBefore = await getAccount(w.ctx.pool, agent.accountId);
    const created = await http('POST', '/v1/payments', auth, {
      type: 'out',
      client_payment_id: randomUUID(),
      amount: 100,
      service: 61,
      parameters: {
        phoneNumber: '9267101283',
        BIK: '044583151',
        Name: 'n',
        SName: 's',
        Fam: 'f',
        Pname1: '5136913818331704',
        Pname2: 'fio',
      },
    });
    const id = created.json.data.id;
    const ready = await http('GET', `/v1/payments/${id}`, auth);
    assert.equal(ready.json.meta.next_action, 'pay', 'all parameters given: no update step');
    assert.equal(ready.json.data.total, 135);
    const paid = await http('POST', `/v1/payments/${id}/pay`, auth);
    assert.equal(paid.json.data.status, 'finished');
    assert.equal((await getAccount(w.ctx.pool, a.wallet.accountId)).balance, 1_000_000n - 13_500n);
    assert.equal((await getAccount(w.ctx.pool, a.wallet.feesAccountId)).balance, 3_500n);
    assert.equal((await getAccount(w.ctx.pool, a.wallet.outgoingAccountId)).balance, 10_000n);
    const spent = await getAccount(w.ctx.pool, agent.accountId);
    assert.equal(
      spent.balance,
      floatBefore.balance - 10_000n,
      'the processing centre took the amount from the float',
    );
    assert.equal(await refillAgent(w.ctx), 10_000n);
    assert.equal((await getAccount(w.ctx.pool, agent.accountId)).balance, floatBefore.balance, 'refilled');
    assert.equal((await getAccount(w.ctx.pool, a.wallet.outgoingAccountId)).balance, 0n);
    assert.deepEqual((await verifyLedger(w.ctx.pool)).problems, []);
  });

  it('WALLET_AGENT_SHARDS: wallets pay through their own agent (id mod shards), and the refill goes back to it', async () => {
    w.ctx.config.walletAgentShards = 2;
    try {
      await withTx(w.ctx.pool, (tx) => ensureWalletAgents(tx, w.ctx.config.walletAgentLogin, 2));
      await refillAgent(w.ctx);
      const one = await activeWallet(w.ctx);
      const two = await activeWallet(w.ctx);
      const agents = [await walletAgent(w.ctx, one.wallet.id), await walletAgent(w.ctx, two.wallet.id)];
      assert.notEqual(agents[0]!.id, agents[1]!.id);
      const floats = await Promise.all(agents.map((ag) => getAccount(w.ctx.pool, ag.accountId)));
      for (const [i, x] of [one, two].entries()) {
        const auth = basic(x.phone, x.password);
        const created = await http('POST', '/v1/payments', auth, megafon({ amount: 100 * (i + 1) }));
        const paid = await http('POST', `/v1/payments/${created.json.data.id}/pay`, auth);
        assert.equal(paid.json.data.status, 'finished');
        const row = await findPayment(w.ctx.pool, agents[i]!.id, BigInt(String(created.json.data.id)));
        assert.ok(row, 'paid through its own agent');
      }
      await refillAgent(w.ctx);
      for (const [i, ag] of agents.entries())
        assert.equal(
          (await getAccount(w.ctx.pool, ag.accountId)).balance,
          floats[i]!.balance,
          'each float refilled',
        );
    } finally {
      w.ctx.config.walletAgentShards = 1;
    }
  });
});
