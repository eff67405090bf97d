/** Pieces every benchmark shares: ports, child processes, the machine line of a results section. */
import { type ChildProcess, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../test/helpers/server-process.ts';

export { freePort };

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Where undo steps go: a plain array or a `Cleanup` (bench/lib/cleanup.ts). */
export interface Steps {
  push(step: () => unknown): unknown;
}

/** The machine a figure was measured on, for the heading of a results section. */
export function machineLine(postgresVersion: string): string {
  const cpus = os.cpus();
  const ram = (os.totalmem() / 2 ** 30).toFixed(1);
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} cores, ${ram} GiB RAM, Node ${process.version}, PostgreSQL ${postgresVersion}`;
}

/**
 * Share of all cores busy over `ms`, sampled before the bench starts anything: a figure measured
 * while other work competes for the CPU is flagged, not trusted.
 */
export async function busyShare(ms = 2_000): Promise<number> {
  const sample = () =>
    os.cpus().reduce(
      (acc, c) => {
        const t = c.times;
        return { idle: acc.idle + t.idle, total: acc.total + t.user + t.nice + t.sys + t.idle + t.irq };
      },
      { idle: 0, total: 0 },
    );
  const a = sample();
  await new Promise((r) => setTimeout(r, ms));
  const b = sample();
  const total = b.total - a.total;
  return total > 0 ? 1 - (b.idle - a.idle) / total : 0;
}

/**
 * Starts a repository script (or a .js file) as a child process and resolves once its output
 * matches `ready` or `readyUrl` answers 200; its stop is pushed onto `cleanup`.
 */
export async function child(
  args: string[],
  env: Record<string, string>,
  ready: RegExp | undefined,
  cleanup: Steps,
  readyUrl?: string,
): Promise<ChildProcess> {
  // Node's own flags come first; a .js script (bin/kopek.js) registers tsx itself.
  const script = args.find((a) => !a.startsWith('--'))!.endsWith('.js') ? [] : ['--import', 'tsx'];
  const p = spawn(process.execPath, [...script, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let output = '';
  p.stdout!.on('data', (d) => {
    output += d;
  });
  p.stderr!.on('data', (d) => {
    output += d;
  });
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        if (p.exitCode !== null) return resolve();
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      }),
  );
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (p.exitCode !== null) throw new Error(`${args.join(' ')} exited: ${output}`);
    if (ready?.test(output)) return p;
    if (readyUrl) {
      try {
        if ((await fetch(readyUrl)).status === 200) return p;
      } catch {
        // not listening yet
      }
    }
    if (Date.now() > deadline) throw new Error(`${args.join(' ')} not ready: ${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Runs a repository script to completion and resolves with its standard output. */
export function capture(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => {
      stdout += d;
    });
    p.stderr.on('data', (d) => {
      stderr += d;
    });
    p.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${args[0]}: ${stderr}`))));
  });
}
