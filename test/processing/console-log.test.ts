import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { adminFace } from '../../src/faces/admin/face.ts';
import type { AgentWebhookLog, ProcessingPaymentCard } from '../../src/faces/admin/processing-log-schemas.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { forgetCached } from '../../src/processing/cache.ts';
import { processingJobs } from '../../src/processing/jobs.ts';
import { followUpPayment, payBatchStats } from '../../src/processing/pay.ts';
import { pruneDeliveries } from '../../src/processing/webhook-log.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
import { type Signed, signIn } from '../console/helpers.ts';
import {
  call,
  type ProcessingWorld,
  payBody,
  processingWorld,
  type TestAgent,
  testAgent,
} from './helpers.ts';

/**
 * Issue 9 in the console's admin API against a real database: a payment's provider exchanges
 * (written by the settlement statement, also when concurrent pays share it) and the delivery
 * log of agents' webhooks.
 */
describe('processing: provider exchanges and the webhook log in the console', () => {
  let w: ProcessingWorld;
  let admin: FaceApp;
  let staff: Signed;
  let a: TestAgent;
  const card = async (transactionId: unknown) => {
    const res = await admin.inject({
      method: 'GET',
      url: `/admin/api/processing/payments/${String(transactionId)}`,
      headers: staff.headers,
    });
    assert.equal(res.statusCode, 200, res.body);
    return res.json() as ProcessingPaymentCard;
  };
  const setProvider = async (service: string, patch: Record<string, string>) => {
    await w.ctx.pool.query(
      `UPDATE processing.services SET provider = provider || $2::jsonb, updated_at = now() WHERE id = $1`,
      [service, JSON.stringify(patch)],
    );
    forgetCached();
  };

  before(async () => {
    w = await processingWorld();
    await withTx(w.ctx.pool, (tx) => staffSeeder.seed(tx, w.ctx));
    admin = await buildServer(w.ctx, [adminFace]);
    staff = await signIn(admin, 'admin');
    a = await testAgent(w.ctx);
  });
  after(async () => {
    await admin.close();
    await w.close();
  });

  it('a paid transaction shows its pay exchange, without the provider password or address query', async () => {
    await setProvider('P1011', {
      url: `${w.simulator.url}/osmp/P1011?key=SECRET-KEY-1`,
      password: 'SECRET-PASSWORD-1',
    });
    const body = payBody();
    const r = await call(w.app, a.token, 'pay', body);
    assert.equal(r.json.result, 0);
    const c = await card(r.json.transactionId);
    assert.equal(c.payment.result, 0);
    assert.equal(c.payment.final, true);
    assert.equal(c.payment.agent, a.agent.login);
    assert.equal(c.exchanges.length, 1);
    const [e] = c.exchanges;
    assert.equal(e!.command, 'pay');
    assert.equal(e!.httpStatus, 200);
    assert.equal(e!.providerCode, '0');
    assert.equal(e!.result, 0);
    assert.equal(e!.error, null);
    assert.equal(e!.params.command, 'pay');
    assert.equal(e!.params.txn_id, String(r.json.transactionId));
    assert.equal(e!.params.account, body.account);
    assert.equal(e!.params.sum, '200.00');
    assert.equal(e!.url, `${w.simulator.url}/osmp/P1011`);
    assert.match(e!.body!, /<result>0<\/result>/);
    assert.ok(e!.durationMs >= 0);
    const text = JSON.stringify(c);
    assert.doesNotMatch(text, /SECRET-KEY-1|SECRET-PASSWORD-1/);
    // The secret-bearing query still reaches the provider (the simulator ignores it).
    await setProvider('P1011', { url: `${w.simulator.url}/osmp/P1011`, password: 'demo' });
  });

  it('a declined transaction shows the provider refusal', async () => {
    const r = await call(w.app, a.token, 'pay', payBody({ account: '7000000005' }));
    assert.equal(r.json.result, 5);
    const c = await card(r.json.transactionId);
    assert.equal(c.payment.final, true);
    assert.deepEqual(
      c.exchanges.map((e) => [e.command, e.providerCode, e.result]),
      [['pay', '5', 5]],
    );
  });

  it('a non-final answer then settled: both exchanges, in order', async () => {
    const r = await call(w.app, a.token, 'pay', payBody({ account: '7100000001' }));
    assert.equal(r.json.result, 1);
    const first = await card(r.json.transactionId);
    assert.equal(first.payment.final, false);
    assert.ok(first.payment.nextAttemptAt);
    assert.deepEqual(
      first.exchanges.map((e) => [e.command, e.result]),
      [['pay', 1]],
    );
    assert.equal(
      (await followUpPayment(w.ctx, BigInt(String(r.json.transactionId)), { force: true }))?.result,
      0,
    );
    const settled = await card(r.json.transactionId);
    assert.equal(settled.payment.final, true);
    assert.equal(settled.payment.result, 0);
    assert.deepEqual(
      settled.exchanges.map((e) => [e.command, e.params.command, e.result]),
      [
        ['pay', 'pay', 1],
        ['status', 'pay', 0],
      ],
    );
    assert.ok(Date.parse(settled.exchanges[1]!.startedAt) >= Date.parse(settled.exchanges[0]!.startedAt));
  });

  it('a provider that does not answer: the exchange keeps the error, the payment stays non-final', async () => {
    await setProvider('P1011', { url: 'http://127.0.0.1:1/osmp/P1011' });
    try {
      const r = await call(w.app, a.token, 'pay', payBody());
      assert.equal(r.json.result, 1);
      const c = await card(r.json.transactionId);
      assert.equal(c.exchanges.length, 1);
      assert.equal(c.exchanges[0]!.httpStatus, null);
      assert.match(c.exchanges[0]!.error!, /ECONNREFUSED|connect/);
      assert.equal(c.exchanges[0]!.result, 1);
    } finally {
      await setProvider('P1011', { url: `${w.simulator.url}/osmp/P1011` });
    }
  });

  it('concurrent pays settled in shared statements each keep their own exchange', async () => {
    const shared = () => payBatchStats(w.ctx).settle?.items ?? 0;
    const sharedBefore = shared();
    // Whether two provider answers meet in one settlement depends on the machine's timing: up to
    // three bursts, until one of them shares a statement; every pay of each is checked.
    for (let burst = 0; burst < 3 && shared() === sharedBefore; burst++) {
      const bodies = Array.from({ length: 24 }, () => payBody());
      const answers = await Promise.all(bodies.map((b) => call(w.app, a.token, 'pay', b)));
      for (const [i, r] of answers.entries()) {
        assert.equal(r.json.result, 0);
        const c = await card(r.json.transactionId);
        assert.equal(c.exchanges.length, 1);
        assert.equal(c.exchanges[0]!.params.txn_id, String(r.json.transactionId));
        assert.equal(c.payment.agentTxnId, String(bodies[i]!.agentTransactionId));
      }
    }
    assert.ok(shared() > sharedBefore, 'some settlements went out together (settle_payments_logged)');
  });

  it('a check is not stored; an unknown transaction is 404', async () => {
    const before = await w.ctx.pool.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM processing.provider_exchanges',
    );
    const r = await call(w.app, a.token, 'check', payBody());
    assert.equal(r.json.result, 0);
    const afterCheck = await w.ctx.pool.query<{ n: bigint }>(
      'SELECT count(*) AS n FROM processing.provider_exchanges',
    );
    assert.equal(afterCheck.rows[0]!.n, before.rows[0]!.n);
    const missing = await admin.inject({
      method: 'GET',
      url: '/admin/api/processing/payments/999999999999',
      headers: staff.headers,
    });
    assert.equal(missing.statusCode, 404);
  });

  it('logs each webhook delivery attempt: a failed one, then a delivered one', async () => {
    let answer = 500;
    const hook: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.statusCode = answer;
        res.end('x');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as { port: number }).port;
    try {
      const b = await testAgent(w.ctx, { webhookUrl: `http://127.0.0.1:${port}/hook?secret=HOOK-SECRET` });
      const job = processingJobs(w.ctx).find((j) => j.name === 'processing:balance_notification')!;
      const event = {
        agentId: String(b.agent.id),
        available: '100',
        notification: '500',
        at: new Date().toISOString(),
      };
      await assert.rejects(job.handler(event, { attempt: 1, maxAttempts: 25, jobId: '41' }), /HTTP 500/);
      answer = 200;
      await job.handler(event, { attempt: 2, maxAttempts: 25, jobId: '41' });
      const res = await admin.inject({
        method: 'GET',
        url: `/admin/api/processing/agents/${b.agent.id}/webhooks`,
        headers: staff.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      const log = res.json() as AgentWebhookLog;
      assert.equal(log.retentionDays, 90);
      assert.deepEqual(
        log.items.map((d) => [d.attempt, d.statusCode, d.delivered, d.error]),
        [
          [2, 200, true, null],
          [1, 500, false, 'webhook answered HTTP 500'],
        ],
      );
      assert.equal(log.items[0]!.url, `http://127.0.0.1:${port}/hook`);
      assert.equal(log.items[0]!.event, 'balance.below_notification');
      assert.doesNotMatch(res.body, /HOOK-SECRET/);
    } finally {
      hook.close();
    }
  });

  it('logs an unreachable webhook with its error, and prunes attempts past the retention', async () => {
    const b = await testAgent(w.ctx, { webhookUrl: 'http://127.0.0.1:1/hook' });
    const job = processingJobs(w.ctx).find((j) => j.name === 'processing:balance_notification')!;
    const event = {
      agentId: String(b.agent.id),
      available: '1',
      notification: '2',
      at: new Date().toISOString(),
    };
    await assert.rejects(job.handler(event, { attempt: 3, maxAttempts: 25, jobId: '42' }));
    const rows = await w.ctx.pool.query<{ status_code: number | null; error: string; attempt: number }>(
      'SELECT status_code, error, attempt FROM processing.webhook_deliveries WHERE agent_id = $1',
      [b.agent.id],
    );
    assert.equal(rows.rows.length, 1);
    assert.equal(rows.rows[0]!.status_code, null);
    assert.equal(rows.rows[0]!.attempt, 3);
    assert.match(rows.rows[0]!.error, /fetch failed|ECONNREFUSED/);
    await w.ctx.pool.query(
      `UPDATE processing.webhook_deliveries SET at = now() - interval '91 days' WHERE agent_id = $1`,
      [b.agent.id],
    );
    assert.ok((await pruneDeliveries(w.ctx.pool)) >= 1);
    const left = await w.ctx.pool.query('SELECT 1 FROM processing.webhook_deliveries WHERE agent_id = $1', [
      b.agent.id,
    ]);
    assert.equal(left.rows.length, 0);
  });
});
