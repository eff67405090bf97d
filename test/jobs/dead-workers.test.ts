import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { enqueue } from '../../src/jobs/queue.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { ROOT } from '../helpers/processes.ts';

const STALE_MS = 2_000;

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('jobs of a killed worker process go back to the queue', () => {
  let db: TestDatabase;
  const children: ChildProcess[] = [];

  /** A worker process (test/jobs/worker-process.ts); resolves once it is running. */
  async function workerProcess(role: 'hang' | 'finish'): Promise<ChildProcess> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'test/jobs/worker-process.ts')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          KOPEK_TEST_DB_URL: db.url,
          KOPEK_TEST_ROLE: role,
          KOPEK_TEST_STALE_MS: String(STALE_MS),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
    });
    await until('worker process ready', async () => out.includes('ready') || child.exitCode !== null, 60_000);
    assert.equal(child.exitCode, null, 'the worker process started');
    return child;
  }

  const workers = async () =>
    (await db.ctx.pool.query<{ worker_id: string; pid: number }>('SELECT worker_id, pid FROM jobs.workers'))
      .rows;

  before(async () => {
    db = await testDatabase();
    await db.ctx.pool.query(
      'CREATE TABLE dead_worker_runs (pid int, what text, at timestamptz DEFAULT now())',
    );
  });
  after(async () => {
    for (const child of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await db.close();
  });

  it('a SIGKILLed worker holding a job: a second worker runs it again within seconds', async () => {
    const first = await workerProcess('hang');
    const own = await until(
      'the first process registered its workers',
      async () => {
        const rows = (await workers()).filter((w) => w.pid === first.pid);
        return rows.length === 1 && rows;
      },
      20_000,
    );
    await enqueue(db.ctx.pool, 'test:long', {});
    await until(
      'the job started in the first process',
      async () =>
        (await db.ctx.pool.query(`SELECT 1 FROM dead_worker_runs WHERE what = 'started'`)).rowCount === 1,
      30_000,
    );
    const { rows: locked } = await db.ctx.pool.query<{ locked_by: string }>(
      `SELECT locked_by FROM graphile_worker.jobs WHERE task_identifier = 'test:long'`,
    );
    assert.ok(
      own.some((w) => w.worker_id === locked[0]?.locked_by),
      `the job is locked by a registered worker: ${JSON.stringify({ locked, own })}`,
    );

    first.kill('SIGKILL');
    const killedAt = Date.now();
    await until('the killed process exited', async () => first.signalCode !== null, 10_000);
    // Its rows stop being refreshed; once older than the staleness the next worker releases them.
    await until(
      'the dead workers went stale',
      async () =>
        (
          await db.ctx.pool.query<{ stale: boolean }>(
            `SELECT bool_and(seen_at < now() - make_interval(secs => $1::double precision / 1000)) AS stale
               FROM jobs.workers WHERE pid = $2`,
            [STALE_MS, first.pid],
          )
        ).rows[0]!.stale,
      20_000,
    );

    const second = await workerProcess('finish');
    await until(
      'the job ran again in the second process',
      async () =>
        (
          await db.ctx.pool.query(`SELECT 1 FROM dead_worker_runs WHERE what = 'done' AND pid = $1`, [
            second.pid,
          ])
        ).rowCount === 1,
      45_000,
    );
    assert.ok(Date.now() - killedAt < 60_000, `picked up again after ${Date.now() - killedAt} ms`);
    await until(
      'the finished job left the queue',
      async () =>
        (await db.ctx.pool.query(`SELECT 1 FROM graphile_worker.jobs WHERE task_identifier = 'test:long'`))
          .rowCount === 0,
      10_000,
    );
    const alive = await workers();
    assert.ok(
      alive.every((w) => w.pid === second.pid),
      'the dead workers are forgotten',
    );
    assert.equal(alive.length, 1);

    // A clean stop removes its own rows: nothing is left for the sweep.
    second.kill('SIGTERM');
    await until('the second process stopped', async () => second.exitCode !== null, 20_000);
    assert.equal(second.exitCode, 0);
    assert.deepEqual(await workers(), []);
  });
});
