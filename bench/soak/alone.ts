/**
 * The soak's Kopek alone: every outside party its load reaches (the OSMP provider simulator, the
 * two demo banks, the BNPL acquirer, the SMS operator) as programs of their own on loopback, and
 * `kopek serve` in production mode, which starts no demo companions in its process. The demo data
 * is loaded before by `kopek seed --demo` (same secrets), then pointed at the simulators as an
 * operator would point it at real partners. What the simulators keep (a bank's 10,000 applications,
 * the provider's 50,000 payments) then grows in their processes, not in the heap the soak judges.
 */
import { type ChildProcess, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_BANKS } from '../../src/broker/demo.ts';
import { pointDemoServicesAt } from '../../src/processing/demo.ts';
import { type Kopek, type Stack, spawnKopek } from '../crash/harness.ts';
import type { Cleanup } from '../lib/cleanup.ts';
import { child, freePort, ROOT } from '../lib/common.ts';
import { kopekEnv } from '../lib/kopek.ts';

export interface Simulators {
  /** The simulators' process ids, by name (their RSS is shown next to Kopek's). */
  pids: Record<string, number>;
  /** What `kopek serve` is told of them. */
  env: Record<string, string>;
}

async function started(args: string[], ready: RegExp, cleanup: Cleanup): Promise<number> {
  const p: ChildProcess = await child(args, {}, ready, cleanup);
  return p.pid!;
}

/**
 * The simulators, the demo data (migrations included) and the demo's partners pointed at them;
 * returns the environment of the `kopek serve` to start on `port` (the seed writes this server's
 * own repayment URL, so the port is fixed now).
 */
export async function setUpAlone(stack: Stack, port: number, cleanup: Cleanup): Promise<Simulators> {
  const pids: Record<string, number> = {};
  const providerPort = await freePort();
  pids.provider = await started(
    ['src/processing/simulator/main.ts', '--port', String(providerPort)],
    /provider simulator/,
    cleanup,
  );
  const banks: { code: string; url: string }[] = [];
  for (const bank of DEMO_BANKS) {
    const bankPort = await freePort();
    const file = path.join(stack.dataDir, `${bank.config.code}.json`);
    // The simulator's main reads amounts as digit strings.
    writeFileSync(
      file,
      JSON.stringify(bank.config, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
    );
    pids[bank.config.code] = await started(
      ['src/broker/lender-simulator/main.ts', file, String(bankPort)],
      /http:\/\//,
      cleanup,
    );
    banks.push({ code: bank.config.code, url: `http://127.0.0.1:${bankPort}` });
  }
  const acquirerPort = await freePort();
  pids.acquirer = await started(
    ['src/bnpl/acquiring-simulator/main.ts', String(acquirerPort)],
    /acquiring simulator/,
    cleanup,
  );
  const smsPort = await freePort();
  pids.sms = await started(['src/notify/sms-simulator-main.ts', String(smsPort)], /SMS operator/, cleanup);

  const env = {
    ...kopekEnv(stack.databaseUrl, {
      KOPEK_DATA_DIR: stack.dataDir,
      LOG_LEVEL: 'error',
      DB_POOL_SIZE: '10',
      // The GC probe measures the process it is loaded into: one process serves everything.
      KOPEK_HTTP_PROCESSES: '1',
      PORT: String(port),
      BNPL_ACQUIRING_URL: `http://127.0.0.1:${acquirerPort}`,
      SMS_GATEWAY_URL: `http://127.0.0.1:${smsPort}`,
    }),
  };
  const seed = spawnSync(process.execPath, [path.join(ROOT, 'bin/kopek.js'), 'seed', '--demo'], {
    cwd: ROOT,
    // Straight to PostgreSQL: the seed is set-up, not what the proxy is there for.
    env: { ...process.env, ...env, DATABASE_URL: stack.directUrl },
    encoding: 'utf8',
  });
  if (seed.status !== 0) throw new Error(`kopek seed --demo failed: ${seed.stdout}${seed.stderr}`);
  const services = await pointDemoServicesAt(stack.pool, `http://127.0.0.1:${providerPort}`);
  if (services === 0) throw new Error('no demo service to point at the provider simulator');
  for (const bank of banks)
    await stack.pool.query(`UPDATE broker.lenders SET base_url = $2 WHERE code = $1 AND adapter = 'http'`, [
      bank.code,
      bank.url,
    ]);
  return { pids, env };
}

/**
 * `kopek serve` with `env` (from setUpAlone); `nodeArgs` go to node before the script (the soak's
 * --expose-gc and GC probe), with an IPC channel for the probe. Resolves once /readyz answers.
 */
export function startKopekAlone(
  env: Record<string, string>,
  nodeArgs: string[],
  timeoutMs = 120_000,
): Promise<Kopek> {
  return spawnKopek(env, timeoutMs, { nodeArgs, ipc: true });
}

/** Resident set sizes (MiB) of `pids` from /proc (Linux); 0 for one that is gone. */
export function rssOf(pids: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, pid] of Object.entries(pids)) {
    const r = spawnSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8' });
    out[name] = Number(r.stdout.trim() || 0) / 1024;
  }
  return out;
}
