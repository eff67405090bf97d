import { startDemoCompanions } from '../demo/companions.ts';
import { isDemoSeeded, seedDemo } from '../demo/seed.ts';
import { FACES } from '../faces/index.ts';
import { startWorker, type Worker } from '../jobs/queue.ts';
import { allJobs } from '../jobs/registry.ts';
import type { Config } from '../platform/config.ts';
import { buildServer } from '../platform/http/server.ts';
import { openRuntime } from '../platform/runtime.ts';
import { forkHttpProcesses, isHttpProcess, serveHttpProcess } from './serve-cluster.ts';

/**
 * `kopek serve`: every face on one port, background jobs in the same process (unless
 * KOPEK_JOBS=off), demo data on a fresh embedded database. SIGINT/SIGTERM stop it cleanly: stop
 * accepting, finish requests in flight, stop the jobs, close the pool, stop the embedded server.
 * With KOPEK_HTTP_PROCESSES > 1 the faces are served by forked processes (serve-cluster.ts).
 */
export async function serve(config: Config): Promise<void> {
  if (isHttpProcess()) return serveHttpProcess(config);
  const runtime = await openRuntime(config);
  const { ctx } = runtime;
  const log = ctx.log;
  let worker: Worker | undefined;
  let stopCompanions: () => Promise<void> = async () => undefined;
  let closeHttp: () => Promise<void> = async () => undefined;
  try {
    const shouldSeed =
      config.seedDemo === 'always' ||
      (config.seedDemo === 'auto' && runtime.embedded !== undefined && !(await isDemoSeeded(ctx)));
    if (shouldSeed) {
      await seedDemo(ctx, (line) => log.info(line));
      log.info('demo data loaded (see README: demo credentials)');
    }
    const companions = config.mode === 'development' ? await startDemoCompanions(ctx) : undefined;
    stopCompanions = () => companions?.close() ?? Promise.resolve();
    if (config.jobsEnabled) {
      worker = await startWorker({
        connectionString: runtime.databaseUrl,
        jobs: allJobs(ctx),
        concurrency: config.jobConcurrency,
        log,
      });
    }
    let port = config.port;
    if (config.httpProcesses > 1) {
      const processes = await forkHttpProcesses(config, runtime.databaseUrl, log);
      closeHttp = processes.close;
    } else {
      const app = await buildServer(ctx, FACES);
      await app.listen({ host: config.host, port: config.port });
      closeHttp = () => app.close();
      const address = app.server.address();
      if (typeof address === 'object' && address) port = address.port;
    }
    const scheme = config.tls ? 'https' : 'http';
    log.info(`Kopek is serving on ${scheme}://${config.host}:${port} — API docs at /docs`);

    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) {
        log.warn(`${signal} again: exiting at once`);
        process.exit(1);
      }
      stopping = true;
      log.info(`${signal}: shutting down`);
      const force = setTimeout(() => {
        log.error('shutdown took longer than 20 s: exiting');
        process.exit(1);
      }, 20_000);
      force.unref();
      await closeHttp();
      await stopCompanions();
      await worker?.stop();
      await runtime.close();
      log.info('stopped');
      clearTimeout(force);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
  } catch (error) {
    await closeHttp();
    await stopCompanions();
    await worker?.stop();
    await runtime.close();
    throw error;
  }
}
