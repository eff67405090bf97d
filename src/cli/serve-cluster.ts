import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { FACES } from '../faces/index.ts';
import type { Config } from '../platform/config.ts';
import { buildServer } from '../platform/http/server.ts';
import type { Logger } from '../platform/logging.ts';
import { openRuntime } from '../platform/runtime.ts';

/**
 * KOPEK_HTTP_PROCESSES > 1: the serving process keeps the database, the schema, the demo data and
 * the jobs, and forks that many HTTP processes (node:cluster) that share its port. Node runs one
 * thread of JavaScript per process, so one process cannot use a second core however busy it is.
 * The operating system hands each new connection to one of them (SCHED_NONE: the processes accept
 * on the shared socket, so the parent relays nothing).
 */
export async function forkHttpProcesses(
  config: Config,
  databaseUrl: string,
  log: Logger,
): Promise<{ close(): Promise<void> }> {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // Every HTTP process talks to the database this one opened (the embedded server, if any) and
  // leaves the jobs to it.
  const env = { DATABASE_URL: databaseUrl, KOPEK_JOBS: 'off', KOPEK_SEED_DEMO: 'never' };
  let started = false;
  let stopping = false;
  const fork = (): Promise<ClusterWorker> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork(env);
      worker.once('listening', () => {
        log.info(`HTTP process ${worker.process.pid} is listening`);
        resolve(worker);
      });
      worker.once('exit', (code, signal) => {
        // One that cannot start fails the start; one that dies later is replaced.
        if (!started)
          return reject(new Error(`HTTP process ${worker.process.pid} exited (${signal ?? code})`));
        if (stopping) return;
        // A process that died (killed, crashed) is replaced; the connections it held are lost.
        log.error(`HTTP process ${worker.process.pid} exited (${signal ?? code}): starting another`);
        fork().catch((error: Error) => log.error(error.message));
      });
    });
  try {
    await Promise.all(Array.from({ length: config.httpProcesses }, fork));
  } catch (error) {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    throw error;
  }
  started = true;
  log.info(`${config.httpProcesses} HTTP processes share port ${config.port}`);
  return {
    async close() {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              w.once('exit', () => resolve());
              w.process.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}

/** One forked HTTP process: every face, no jobs, no migrations; SIGTERM/SIGINT finish what is in flight. */
export async function serveHttpProcess(config: Config): Promise<void> {
  const runtime = await openRuntime(config, { migrate: false });
  const app = await buildServer(runtime.ctx, FACES);
  await app.listen({ host: config.host, port: config.port });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.close();
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

export const isHttpProcess = (): boolean => cluster.isWorker;
