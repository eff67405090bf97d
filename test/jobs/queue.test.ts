import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { enqueue, startWorker, type Worker } from '../../src/jobs/queue.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('job queue', () => {
  let db: TestDatabase;
  let worker: Worker | undefined;
  const runs: { name: string; payload: unknown; attempt: number; at: number }[] = [];
  let slowStarted = false;
  let slowFinished = false;

  before(async () => {
    db = await testDatabase();
    await db.ctx.pool.query('CREATE TABLE job_effects (id text PRIMARY KEY)');
  });
  after(async () => {
    await worker?.stop();
    await db.close();
  });

  async function start() {
    worker = await startWorker({
      connectionString: db.url,
      concurrency: 2,
      log: db.ctx.log,
      jobs: [
        {
          name: 'test:record',
          async handler(payload, { attempt }) {
            runs.push({ name: 'record', payload, attempt, at: Date.now() });
          },
        },
        {
          name: 'test:flaky',
          async handler(payload, { attempt }) {
            runs.push({ name: 'flaky', payload, attempt, at: Date.now() });
            if (attempt < 2) throw new Error('provider not answering');
          },
        },
        {
          name: 'test:slow',
          async handler() {
            slowStarted = true;
            await new Promise((r) => setTimeout(r, 700));
            await db.ctx.pool.query(`INSERT INTO job_effects VALUES ('slow')`);
            slowFinished = true;
          },
        },
        { name: 'test:nightly', cron: '0 3 * * *', async handler() {} },
      ],
    });
  }

  it('runs a job enqueued in a committed transaction, never one from a rolled-back one', async () => {
    await withTx(db.ctx.pool, async (tx) => {
      await tx.query(`INSERT INTO job_effects VALUES ('committed')`);
      await enqueue(tx, 'test:record', { id: 123456789012345678n, what: 'committed' });
    });
    await assert.rejects(
      withTx(db.ctx.pool, async (tx) => {
        await enqueue(tx, 'test:record', { what: 'rolled back' });
        throw new Error('the change failed');
      }),
    );
    await start();
    await until(async () => runs.some((r) => r.name === 'record'), 10_000);
    await new Promise((r) => setTimeout(r, 300));
    const recorded = runs.filter((r) => r.name === 'record');
    assert.equal(recorded.length, 1);
    assert.deepEqual(recorded[0]!.payload, { id: '123456789012345678', what: 'committed' });
  });

  it('retries a failing job with backoff until it succeeds', async () => {
    await enqueue(db.ctx.pool, 'test:flaky', { n: 1 });
    await until(async () => runs.filter((r) => r.name === 'flaky').length >= 2, 15_000);
    const flaky = runs.filter((r) => r.name === 'flaky');
    assert.deepEqual(
      flaky.map((r) => r.attempt),
      [1, 2],
    );
    assert.ok(
      flaky[1]!.at - flaky[0]!.at >= 1_500,
      `second attempt waited ${flaky[1]!.at - flaky[0]!.at} ms`,
    );
    await until(async () => {
      const { rows } = await db.ctx.pool.query(
        `SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'test:flaky'`,
      );
      return rows[0].n === 0;
    }, 5_000);
  });

  it('registers cron items', async () => {
    const { rows } = await db.ctx.pool.query(
      `SELECT identifier FROM graphile_worker._private_known_crontabs`,
    );
    assert.ok(rows.some((r) => r.identifier === 'test:nightly'));
  });

  it('shuts down cleanly: a running job finishes and is not run again', async () => {
    await enqueue(db.ctx.pool, 'test:slow', {});
    await until(async () => slowStarted, 10_000);
    await worker!.stop();
    worker = undefined;
    assert.equal(slowFinished, true, 'stop waited for the running job');
    const { rows } = await db.ctx.pool.query(
      `SELECT * FROM graphile_worker.jobs WHERE task_identifier = 'test:slow'`,
    );
    assert.deepEqual(rows, [], 'the finished job left the queue');
  });
});
