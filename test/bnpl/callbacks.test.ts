import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { listCallbacks, SIGNATURE_HEADER, signBody } from '../../src/bnpl/callbacks.ts';
import { DEMO_CALLBACK_SECRET } from '../../src/bnpl/demo.ts';
import { bnplJobs } from '../../src/bnpl/jobs.ts';
import { startWorker, type Worker } from '../../src/jobs/queue.ts';
import { notifyJobs } from '../../src/notify/jobs.ts';
import { type Harness, harness, payThroughFrame } from './harness.ts';

/** Signed callbacks through the outbox job, retried with backoff until the merchant answers 200. */
describe('Moneywall callbacks', { timeout: 180_000 }, () => {
  let h: Harness;
  let worker: Worker;
  let receiver: ReturnType<typeof createServer>;
  let url: string;
  const received: { body: string; signature: string | undefined; status: number }[] = [];

  before(async () => {
    h = await harness();
    let calls = 0;
    receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        calls++;
        // The merchant is down twice, then answers.
        const status = calls <= 2 ? 503 : 200;
        received.push({ body, signature: req.headers[SIGNATURE_HEADER.toLowerCase()] as string, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    worker = await startWorker({
      connectionString: h.db.url,
      concurrency: 4,
      log: h.db.ctx.log,
      jobs: [...bnplJobs(h.db.ctx), ...notifyJobs(h.db.ctx)],
    });
  });
  after(async () => {
    await worker?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
    await h?.close();
  });

  it('delivers the success callback after two failures, signed with the merchant secret, every attempt logged', async () => {
    await payThroughFrame(h, 'cb-1', {
      body: {
        success_callback_url: `${url}/callbacks/success`,
        failure_callback_url: `${url}/callbacks/failure`,
      },
    });
    const deadline = Date.now() + 120_000;
    let rows = await listCallbacks(h.db.ctx.pool);
    while (rows[0]?.status !== 'delivered' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      rows = await listCallbacks(h.db.ctx.pool);
    }
    assert.equal(rows[0]?.status, 'delivered');
    assert.equal(rows[0]?.attempts, 3);
    assert.equal(rows[0]?.lastHttpStatus, 200);
    assert.deepEqual(
      received.map((r) => r.status),
      [503, 503, 200],
    );
    for (const r of received) assert.equal(r.signature, signBody(DEMO_CALLBACK_SECRET, r.body));
    const body = JSON.parse(received[2]!.body);
    assert.equal(body.order_id, 'cb-1');
    assert.equal(body.state, 'authorized');
    const attempts = await h.db.ctx.pool.query(
      `SELECT attempt, http_status FROM bnpl.callback_attempts ORDER BY id`,
    );
    assert.deepEqual(
      attempts.rows.map((a) => [a.attempt, a.http_status]),
      [
        [1, 503],
        [2, 503],
        [3, 200],
      ],
    );
    // The customer's code went out through the SMS job too.
    const sms = await h.db.ctx.pool.query(`SELECT status FROM notify.sms_outbox WHERE module = 'bnpl'`);
    assert.ok(sms.rows.every((r) => r.status === 'sent'));
  });
});
