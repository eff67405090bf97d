/**
 * Load phases driven by wrk (Debian `wrk`, C + LuaJIT): a Lua script per bench builds each
 * request, and `bench/lib/wrk-report.lua` (loaded after it) prints the figures as one JSON line.
 * wrk spends a fraction of the CPU autocannon does per request, which matters when the load
 * generator shares the machine's two cores with what it measures.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Load } from './autocannon.ts';
import { ROOT } from './common.ts';

/** Installs Debian's wrk when missing (the benches run as root on a Debian machine, as CI does). */
export function ensureWrk(): void {
  if (spawnSync('wrk', ['--version']).error === undefined) return;
  console.log('installing Debian wrk (load generator)');
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', 'wrk'],
  ]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed: install wrk to run this bench`);
  }
}

/**
 * Runs `script` (a Lua file under bench/, its arguments after `--`) against `url` for `seconds`
 * on `connections` connections from `threads` wrk threads (default one). A script that carries
 * state from one request to the next on a connection (create, then pay what was created) runs
 * one thread per connection: wrk's Lua state is per thread and does not say which connection asks.
 * With `rate` (requests a second in all), requests leave on that schedule instead of as fast as
 * the connections allow (bench/lib/wrk-report.lua).
 */
export function runWrk(
  script: string,
  url: string,
  seconds: number,
  connections: number,
  args: (string | number)[] = [],
  threads = 1,
  rate?: number,
): Promise<Load> {
  ensureWrk();
  const lua = path.join(ROOT, script);
  return new Promise((resolve, reject) => {
    const p = spawn(
      'wrk',
      [
        `-t${threads}`,
        `-c${connections}`,
        `-d${seconds}s`,
        '--timeout',
        '10s',
        '-s',
        lua,
        url,
        '--',
        ...args.map(String),
      ],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          LUA_PATH: `${path.join(ROOT, 'bench/lib')}/?.lua;;`,
          WRK_RATE: rate === undefined ? '' : String(rate / threads),
        },
      },
    );
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      out += d;
    });
    p.once('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('WRK_FIGURES '));
      if (code !== 0 || !line) return reject(new Error(`wrk ${script}: ${out}`));
      const figures = JSON.parse(line.slice('WRK_FIGURES '.length)) as Load;
      if (rate === undefined) {
        delete figures.late;
        delete figures.lateMax;
        delete figures.p99Bound;
      }
      resolve(figures);
    });
  });
}
