/**
 * What the crash, fault and soak benches share: a scratch database (bench/lib/postgres.ts: the
 * embedded server or BENCH_DATABASE_URL) behind a cuttable proxy, `kopek serve` processes on it (killable, restartable), and a load of idempotent
 * requests that are retried until answered and remembered with their first final answer.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createPool, type Pool } from '../../src/platform/db/pool.ts';
import type { Cleanup } from '../lib/cleanup.ts';
import { freePort, ROOT } from '../lib/common.ts';
import { openServer, scratchDatabase } from '../lib/postgres.ts';
import { DRIVERS, type Driver, keyMaker } from './drivers.ts';
import { type DbProxy, startProxy } from './proxy.ts';

export interface Stack {
  /** Kopek's KOPEK_DATA_DIR. */
  dataDir: string;
  /** Through the proxy: what Kopek uses. */
  databaseUrl: string;
  /** Straight to PostgreSQL: what the checks use. */
  directUrl: string;
  postgresVersion: string;
  proxy: DbProxy;
  pool: Pool;
}

/** The server, a scratch database `kopek_<name>_<pid>`, the proxy and a pool; undone by `cleanup`. */
export async function startStack(name: string, cleanup: Cleanup): Promise<Stack> {
  const server = await openServer(name, cleanup, true);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `kopek-bench-${name}-data-`));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const direct = new URL(await scratchDatabase(server, `kopek_${name}_${process.pid}`, cleanup));
  const proxy = await startProxy(Number(direct.port || 5432), await freePort(), direct.hostname);
  cleanup.push(() => proxy.close());
  const viaProxy = new URL(direct);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const pool = createPool(direct.toString(), 4);
  cleanup.push(() => pool.end());
  return {
    dataDir,
    databaseUrl: viaProxy.toString(),
    directUrl: direct.toString(),
    postgresVersion: server.postgresVersion,
    proxy,
    pool,
  };
}

export interface Kopek {
  url: string;
  child: ChildProcess;
  exited: Promise<void>;
}

/**
 * `kopek serve` (development: demo data, simulators) on the stack's database; resolves when ready.
 * `nodeArgs` go to node before the script (the soak's --expose-gc, --heapsnapshot-signal); `ipc`
 * opens a message channel to the child (the soak's GC probe, bench/soak/gc-probe.mjs).
 */
export async function startKopek(
  stack: Stack,
  port: number,
  timeoutMs = 120_000,
  options: { nodeArgs?: string[]; ipc?: boolean } = {},
): Promise<Kopek> {
  const env = {
    KOPEK_ENV: 'development',
    DATABASE_URL: stack.databaseUrl,
    KOPEK_DATA_DIR: stack.dataDir,
    KOPEK_SEED_DEMO: 'always',
    PORT: String(port),
    LOG_LEVEL: 'error',
    DB_POOL_SIZE: '10',
  };
  return spawnKopek(env, timeoutMs, options);
}

/** `kopek serve` with `env` (PORT among it) over this process's environment, once /readyz answers. */
export async function spawnKopek(
  env: Record<string, string>,
  timeoutMs: number,
  options: { nodeArgs?: string[]; ipc?: boolean } = {},
): Promise<Kopek> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), path.join(ROOT, 'bin/kopek.js'), 'serve'],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: options.ipc ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${env.PORT}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`kopek serve exited ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return { url, child, exited };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`kopek serve not ready: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function killKopek(k: Kopek, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (k.child.exitCode === null && k.child.signalCode === null) k.child.kill(signal);
  await k.exited;
}

/** `kopek ledger verify` as the operator runs it, directly on the database. */
export function ledgerVerify(stack: Stack): { ok: boolean; output: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/kopek.js'), 'ledger', 'verify'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: stack.directUrl, KOPEK_DATA_DIR: stack.dataDir, LOG_LEVEL: 'error' },
    encoding: 'utf8',
  });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/** An answer shortened to what tells answers apart (no ids, no whitespace). */
function gist(body: string): string {
  return body
    .replace(/<osmp_txn_id>[^<]*<\/osmp_txn_id>|<\?xml[^>]*>/g, '')
    .replace(/\d{6,}/g, 'N')
    .replace(/\s+/g, ' ')
    .slice(0, 110);
}

export interface Sent {
  driver: Driver;
  key: string;
  verdict: 'success' | 'refused';
  fingerprint: string;
  body: string;
  tries: number;
}

export interface LoadStats {
  answered: Sent[];
  /** Answers seen while waiting: "ask again" answers by driver and status, connection errors. */
  again: Record<string, number>;
  latencies: number[];
  stop(): Promise<void>;
}

/**
 * `concurrency` loops, each sending a fresh idempotent request (drivers in turn) and repeating it
 * until a final answer, against whichever server `target()` names at the time.
 */
export function startLoad(
  target: () => string | undefined,
  concurrency: number,
  options: { ratePerSecond?: number; drivers?: Driver[] } = {},
): LoadStats {
  const drivers = options.drivers ?? DRIVERS;
  const nextKey = keyMaker();
  const stats: LoadStats = { answered: [], again: {}, latencies: [], stop: async () => undefined };
  let running = true;
  let counter = 0;
  const note = (what: string) => {
    stats.again[what] = (stats.again[what] ?? 0) + 1;
  };
  const pause = options.ratePerSecond ? (concurrency * 1000) / options.ratePerSecond : 0;
  const loop = async () => {
    while (running) {
      const driver = drivers[counter++ % drivers.length]!;
      const key = nextKey();
      const req = driver.request(key);
      const started = Date.now();
      for (let tries = 1; ; tries++) {
        const base = target();
        if (base) {
          try {
            const res = await fetch(base + req.path, {
              method: req.method,
              headers: req.headers,
              ...(req.body !== undefined ? { body: req.body } : {}),
              signal: AbortSignal.timeout(30_000),
            });
            const body = await res.text();
            const verdict = driver.verdict(res.status, body);
            if (verdict !== 'again') {
              stats.latencies.push(Date.now() - started);
              stats.answered.push({
                driver,
                key,
                verdict,
                fingerprint: driver.fingerprint(body),
                body,
                tries,
              });
              break;
            }
            note(`${driver.name}: ${res.status} ${gist(body)}`);
          } catch (error) {
            note(
              `connection: ${(error as Error).cause ? String(((error as Error).cause as Error).message).slice(0, 40) : (error as Error).name}`,
            );
          }
        }
        // Until answered: the key is never given up (the crash bench stops only between requests).
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 300));
      }
      if (pause) await new Promise((r) => setTimeout(r, pause * (0.5 + Math.random())));
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  stats.stop = async () => {
    running = false;
    await Promise.all(loops);
  };
  return stats;
}

/** Each answered request sent once more: its answer must be the first one, word for word where it counts. */
export async function repeatAll(base: string, answered: Sent[]): Promise<string[]> {
  const problems: string[] = [];
  for (let i = 0; i < answered.length; i += 16) {
    await Promise.all(
      answered.slice(i, i + 16).map(async (s) => {
        const req = s.driver.request(s.key);
        for (let attempt = 0; attempt < 20; attempt++) {
          const res = await fetch(base + req.path, {
            method: req.method,
            headers: req.headers,
            ...(req.body !== undefined ? { body: req.body } : {}),
          });
          const body = await res.text();
          if (s.driver.verdict(res.status, body) === 'again') {
            await new Promise((r) => setTimeout(r, 500));
            continue;
          }
          const fp = s.driver.fingerprint(body);
          if (fp !== s.fingerprint)
            problems.push(`${s.driver.name} ${s.key}: first ${s.fingerprint}, repeat ${fp}`);
          return;
        }
        problems.push(`${s.driver.name} ${s.key}: repeat never answered`);
      }),
    );
  }
  return problems;
}

/** Every success left exactly one row; a refusal at most one. */
export async function checkEffects(pool: Pool, answered: Sent[]): Promise<string[]> {
  const problems: string[] = [];
  for (const driver of new Set(answered.map((s) => s.driver))) {
    const mine = answered.filter((s) => s.driver === driver);
    const counts = await driver.effects(
      pool,
      mine.map((s) => s.key),
    );
    for (const s of mine) {
      const n = counts.get(s.key) ?? 0;
      if (s.verdict === 'success' ? n !== 1 : n > 1)
        problems.push(`${driver.name} ${s.key}: ${s.verdict}, ${n} rows`);
    }
  }
  return problems;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export { DRIVERS, freePort };
