/** The processes a bench measures: `kopek serve` and the bare Fastify baseline. */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DEFAULT_DB_POOL_SIZE } from '../../src/platform/config.ts';
import { child, freePort, type Steps } from './common.ts';

/** The benched server's pool per process: DB_POOL_SIZE, else the product's default. */
export function benchPoolSize(): number {
  return process.env.DB_POOL_SIZE ? Number(process.env.DB_POOL_SIZE) : DEFAULT_DB_POOL_SIZE;
}

/**
 * The environment of a benched `kopek serve`: production mode, fresh secrets, no demo data, warn
 * logs, the product's pool size (benchPoolSize); `extra` adds or overrides (KOPEK_DATA_KEY when
 * the bench encrypts too).
 */
export function kopekEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    KOPEK_ENV: 'production',
    KOPEK_DATA_KEY: randomBytes(32).toString('base64'),
    KOPEK_SESSION_SECRET: randomBytes(32).toString('hex'),
    KOPEK_SEED_DEMO: 'never',
    LOG_LEVEL: 'warn',
    DB_POOL_SIZE: String(benchPoolSize()),
    // `KOPEK_HTTP_PROCESSES=2 npm run bench -- <name>`: the same bench on forked HTTP processes.
    ...(process.env.KOPEK_HTTP_PROCESSES ? { KOPEK_HTTP_PROCESSES: process.env.KOPEK_HTTP_PROCESSES } : {}),
    ...extra,
  };
}

/**
 * Node flags of a served Kopek, as `npm start` passes them (package.json): a 64 MiB young
 * generation instead of 16, and no pretenuring (docs/platform.md, "Node flags").
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=64', '--no-allocation-site-pretenuring'];

export interface Started {
  url: string;
  process: ChildProcess;
}

/**
 * `kopek serve` (bin/kopek.js) on a free port, ready once /readyz answers. BENCH_PROFILE_DIR=<dir>:
 * the process writes a V8 CPU profile there when it stops.
 */
export async function startKopek(env: Record<string, string>, cleanup: Steps): Promise<Started> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const p = await child(
    [
      ...(process.env.BENCH_NODE_FLAGS?.split(/\s+/).filter(Boolean) ?? SERVER_NODE_FLAGS),
      ...profile,
      'bin/kopek.js',
      'serve',
    ],
    { ...env, PORT: String(port) },
    undefined,
    cleanup,
    `${url}/readyz`,
  );
  return { url, process: p };
}

/** The baseline (bench/lib/bare-server.ts: POST /bare, JSON in and out) on a free port. */
export async function startBareServer(cleanup: Steps): Promise<Started> {
  const port = await freePort();
  const p = await child(['bench/lib/bare-server.ts', String(port)], {}, /ready/, cleanup);
  return { url: `http://127.0.0.1:${port}`, process: p };
}
