/**
 * A Kopek job worker in its own process, for the dead-worker test. `KOPEK_TEST_ROLE=hang`: the job
 * `test:long` records that it started and never ends (the process is then SIGKILLed); `finish`:
 * it records that it ran. SIGTERM stops the worker cleanly. Prints `ready` once started.
 */
import { startWorker } from '../../src/jobs/queue.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { createLogger } from '../../src/platform/logging.ts';

const url = process.env.KOPEK_TEST_DB_URL!;
const role = process.env.KOPEK_TEST_ROLE!;
const pool = createPool(url, 2);
const worker = await startWorker({
  connectionString: url,
  concurrency: 2,
  log: createLogger('silent'),
  heartbeat: { everyMs: 200, staleAfterMs: Number(process.env.KOPEK_TEST_STALE_MS) },
  jobs: [
    {
      name: 'test:long',
      async handler() {
        await pool.query('INSERT INTO dead_worker_runs (pid, what) VALUES ($1, $2)', [
          process.pid,
          role === 'hang' ? 'started' : 'done',
        ]);
        if (role === 'hang') await new Promise(() => undefined);
      },
    },
  ],
});
process.on('SIGTERM', async () => {
  await worker.stop();
  await pool.end();
  process.exit(0);
});
console.log('ready');
