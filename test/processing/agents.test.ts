import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { processingJobs } from '../../src/processing/jobs.ts';
import { call, type ProcessingWorld, payBody, processingWorld, testAgent } from './helpers.ts';

describe('processing: the notification threshold', () => {
  let w: ProcessingWorld;
  before(async () => {
    w = await processingWorld();
  });
  after(() => w.close());

  it('crossing the notification threshold emits one event, delivered to the webhook', async () => {
    const received: unknown[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as { port: number }).port;
    try {
      // 1 000.00 on balance, notify below 700.00: the third pay of 99.00 net crosses it.
      const a = await testAgent(w.ctx, {
        balance: 100_000n,
        notification: 70_000n,
        webhookUrl: `http://127.0.0.1:${port}/hook`,
      });
      const events = () =>
        w.ctx.pool.query<{ payload: { agentId: string; available: string } }>(
          `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
           WHERE t.identifier = 'processing:balance_notification'`,
        );
      for (let i = 0; i < 5; i++) {
        assert.equal(
          (await call(w.app, a.token, 'pay', payBody({ amountTo: '100.00', amountFrom: '100.00' }))).json
            .result,
          0,
        );
        const n = (await events()).rows.filter((r) => r.payload.agentId === String(a.agent.id)).length;
        assert.equal(n, i < 3 ? 0 : 1, `after pay ${i + 1}`);
      }
      const event = (await events()).rows.find((r) => r.payload.agentId === String(a.agent.id))!;
      assert.equal(event.payload.available, String(100_000n - 4n * 9_900n));
      const job = processingJobs(w.ctx).find((j) => j.name === 'processing:balance_notification')!;
      await job.handler(event.payload, { attempt: 1, maxAttempts: 25, jobId: '1' });
      assert.equal(received.length, 1);
      assert.equal((received[0] as { event: string }).event, 'balance.below_notification');
    } finally {
      hook.close();
    }
  });
});
