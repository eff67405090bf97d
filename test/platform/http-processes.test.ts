import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { freePort, type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

/** The `kopek` processes whose parent is `pid` (Linux /proc; tsx's esbuild is a child too). */
function childrenOf(pid: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The fields after the command name (which may hold spaces) start with state, then ppid.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('kopek.js'))
        found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

async function until<T>(what: string, probe: () => T | undefined, budgetMs = 120_000): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One request on a connection of its own: fetch pools keep-alive sockets (it drops a
 * `connection: close` header), and a pooled socket to a killed process resets on reuse. */
function healthz(baseUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${baseUrl}/healthz`, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

async function allAnswer(baseUrl: string, n: number): Promise<void> {
  const statuses = await Promise.all(Array.from({ length: n }, () => healthz(baseUrl)));
  assert.deepEqual(new Set(statuses), new Set([200]));
}

describe('KOPEK_HTTP_PROCESSES: forked HTTP processes share the port', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-http-processes-'));
  before(async () => {
    db = await testDatabase();
    server = await startServerProcess({
      KOPEK_ENV: 'test',
      DATABASE_URL: db.url,
      KOPEK_DATA_DIR: dataDir,
      PORT: String(await freePort()),
      KOPEK_HTTP_PROCESSES: '2',
      KOPEK_JOBS: 'off',
      LOG_LEVEL: 'info',
    });
  });
  after(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('each process serves alone, a killed one is replaced, SIGTERM stops them all', async () => {
    const primary = server.child.pid!;
    const first = await until('two HTTP processes', () => {
      const c = childrenOf(primary);
      return c.length === 2 ? c : undefined;
    });
    const listening = (pid: number) => server.output().includes(`HTTP process ${pid} is listening`);
    await until('both to listen', () => (first.every(listening) ? true : undefined));
    await allAnswer(server.baseUrl, 20);

    const known = new Set(first);
    // Either process alone answers every request: kill one, then the other original.
    for (const victim of first) {
      process.kill(victim, 'SIGKILL');
      // Connections the dying process had accepted die with it; the ones after it must not. Its
      // /proc entry goes only once it is reaped, after every descriptor it held is closed.
      await until('the victim to be gone', () => (existsSync(`/proc/${victim}`) ? undefined : true));
      await allAnswer(server.baseUrl, 20);
      const replacement = await until('a replacement', () => childrenOf(primary).find((p) => !known.has(p)));
      known.add(replacement);
      // Killing the other before the replacement listens would leave nobody to answer.
      await until('the replacement to listen', () => (listening(replacement) ? true : undefined));
    }
    const replacements = childrenOf(primary);
    assert.equal(replacements.filter((p) => first.includes(p)).length, 0, 'both originals replaced');
    await allAnswer(server.baseUrl, 20);

    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    await until('the HTTP processes to stop', () =>
      replacements.every((p) => !readdirSync('/proc').includes(String(p))) ? true : undefined,
    );
  });

  it('the demo (development mode) refuses more than one process: its simulators live in one', () => {
    assert.throws(
      () => loadConfig({ KOPEK_HTTP_PROCESSES: '2' }),
      (e: unknown) => e instanceof ConfigError && e.variable === 'KOPEK_HTTP_PROCESSES',
    );
    assert.equal(loadConfig({ KOPEK_ENV: 'test', KOPEK_HTTP_PROCESSES: '3' }).httpProcesses, 3);
  });
});
