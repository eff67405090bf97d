import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dispatchForms, drainDispatch } from '../../src/broker/dispatch.ts';
import { brokerJobs } from '../../src/broker/jobs.ts';
import { startWorker } from '../../src/jobs/queue.ts';
import { type Harness, POS_PRODUCT, posForm, startHarness } from './harness.ts';

/**
 * create_form's outbox: forms commit without a job each; the dispatcher hands many forms to one
 * collect job, and the sweep dispatches a form its process never handed over (a crash).
 */
describe('broker: create_form dispatch (outbox)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      deadlineMs: 8000,
      lenders: [
        {
          kinds: ['pos'],
          config: {
            code: 'bank-d',
            secret: 'secret-d',
            delayMs: [5, 30],
            products: [POS_PRODUCT('d12', 12, 125, '15')],
          },
        },
      ],
    });
    // No worker at first: the jobs the dispatcher writes stay in the queue to be counted.
    await h.worker.stop();
    h.worker = { stop: async () => undefined };
  });
  after(() => h.close());

  it('enqueues one collect job for a burst of forms, and the sweep picks up an undispatched one', async () => {
    const created = await Promise.all(
      Array.from({ length: 30 }, () => h.call('create_form', posForm('p1', 'online'))),
    );
    for (const c of created) assert.equal(c.status, 'success', c.error_message);
    await drainDispatch();
    const pool = h.db.ctx.pool;
    const { rows: jobs } = await pool.query<{ payload: { forms: { formId: string }[] } }>(
      `SELECT j.payload FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
       WHERE t.identifier = 'broker:collect'`,
    );
    const dispatched = jobs.flatMap((j) => j.payload.forms.map((f) => f.formId));
    assert.equal(dispatched.length, 30, 'every form is in exactly one job');
    assert.equal(new Set(dispatched).size, 30);
    assert.ok(jobs.length < 30, `forms are batched (${jobs.length} jobs for 30 forms)`);
    const { rows: marks } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM broker.forms WHERE dispatched_at IS NULL`,
    );
    assert.equal(marks[0]!.n, 0);

    // A form whose process died after commit, before its dispatch: the sweep takes it after 5 s.
    const lost = await h.call('create_form', posForm('p1', 'online'));
    await drainDispatch();
    const lostGuid = lost.data.form_guid as string;
    await pool.query(
      `UPDATE broker.forms SET dispatched_at = NULL, created_at = now() - interval '1 second' WHERE guid = $1`,
      [lostGuid],
    );
    assert.equal(
      await dispatchForms(pool, { sweep: true }),
      0,
      'too fresh: its process may still dispatch it',
    );
    await pool.query(`UPDATE broker.forms SET created_at = now() - interval '6 seconds' WHERE guid = $1`, [
      lostGuid,
    ]);
    assert.equal(await dispatchForms(pool, { sweep: true }), 1);
    assert.equal(await dispatchForms(pool, { sweep: true }), 0, 'dispatched once');

    // With a worker again, every form's lenders are asked and collection closes with offers.
    h.worker = await startWorker({
      connectionString: h.db.url,
      concurrency: 4,
      log: h.db.ctx.log,
      jobs: brokerJobs(h.db.ctx),
    });
    await h.waitFor(
      'all forms closed',
      async () => {
        const { rows } = await pool.query<{ open: number; offers: number }>(
          `SELECT count(*) FILTER (WHERE status = 'collecting')::int AS open,
                  count(*) FILTER (WHERE status = 'offers')::int AS offers FROM broker.forms`,
        );
        return rows[0]!.open === 0 ? rows[0]! : undefined;
      },
      60_000,
    );
    const { rows: done } = await pool.query<{ status: string; n: number }>(
      `SELECT status, count(*)::int AS n FROM broker.forms GROUP BY status`,
    );
    assert.deepEqual(done, [{ status: 'offers', n: 31 }]);
  });
});
