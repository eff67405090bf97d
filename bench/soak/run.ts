/**
 * `npm run bench -- soak [--minutes 10 | --seconds N | --quick] [--rate 20] [--drivers a,b]
 *   [--heap-snapshots DIR] [--no-record]`
 *
 * A steady mixed load (the idempotent writes of bench/crash/drivers.ts, in turn) at about `rate`
 * requests per second against one `kopek serve` process for `minutes`. Kopek runs alone
 * (bench/soak/alone.ts): production mode, demo data seeded before, and every simulator the load
 * reaches in a process of its own, so the heap judged holds nothing of theirs. Every 10 s: the server's
 * RSS and used heap (its /metrics), the heap that survives a full GC (the server runs with
 * --expose-gc and bench/soak/gc-probe.mjs preloaded; the bench asks over an IPC channel) and the
 * p99 of the window's requests. A trend check fits a line over the second half (after warm-up):
 * the live heap (after GC) growing more than 0.5 MiB a minute, or p99 more than 10% of its mean
 * a minute, is flagged. RSS and the used heap between collections are shown, not judged: glibc
 * keeps freed pages and V8 collects when it likes, so both drift up for a while with no leak.
 * `--heap-snapshots DIR`: the server also gets --heapsnapshot-signal=SIGUSR2; the bench writes one
 * snapshot after a minute (or a quarter of a shorter run) and one at the end, then prints
 * bench/soak/heap-diff.ts of the two (what grew, and who holds it). Writing one stalls the server
 * for seconds: the p99 of those windows is not the server's. Writes bench/soak/soak.svg and
 * appends the figures to bench/RESULTS.md (bench/lib/results.ts). `--quick`: 1 minute.
 */

import { type ChildProcess, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  checkEffects,
  DRIVERS,
  freePort,
  type Kopek,
  killKopek,
  ledgerVerify,
  percentile,
  startLoad,
  startStack,
} from '../crash/harness.ts';
import { withCleanup } from '../lib/cleanup.ts';
import { ROOT } from '../lib/common.ts';
import { benchOptions } from '../lib/options.ts';
import { report } from '../lib/results.ts';
import { rssOf, setUpAlone, startKopekAlone } from './alone.ts';
import { type Sample, slope, soakChart } from './chart.ts';

// RESULTS.md links soak.svg: a run that records nothing leaves it alone.
const chartFile = (record: boolean) =>
  record ? path.resolve(import.meta.dirname, 'soak.svg') : path.join(os.tmpdir(), 'kopek-soak.svg');
const SAMPLE_MS = 10_000;
const GC_PROBE = path.resolve(import.meta.dirname, 'gc-probe.mjs');
/** Live heap growth over the second half above this (MiB a minute) is flagged. */
const LIVE_HEAP_LIMIT = 0.5;

/** A full GC in the server, then its heap used (bench/soak/gc-probe.mjs answers over IPC). */
function liveHeap(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the GC probe did not answer in 30 s')), 30_000);
    child.once('message', (m) => {
      clearTimeout(timer);
      resolve((m as { heapUsed: number }).heapUsed);
    });
    child.send('gc');
  });
}

/**
 * SIGUSR2 (--heapsnapshot-signal), then the file: V8 writes it on the main thread, so once the
 * file exists and the server answers /healthz again, it is complete.
 */
async function heapSnapshot(child: ChildProcess, url: string, dir: string): Promise<string> {
  const list = () => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
  const before = new Set(list());
  child.kill('SIGUSR2');
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1_000));
    const file = list().find((f) => !before.has(f));
    if (!file) continue;
    await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(300_000) });
    return path.join(dir, file);
  }
  throw new Error('no heap snapshot within 5 minutes');
}

async function memory(url: string): Promise<{ rss: number; heap: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+]+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    rss: read('kopek_process_resident_memory_bytes'),
    heap: read('kopek_nodejs_heap_size_used_bytes'),
  };
}

export async function main(args: string[]): Promise<void> {
  const options = benchOptions(args, {
    seconds: 600,
    quickSeconds: 60,
    extra: ['minutes', 'rate', 'heap-snapshots', 'drivers'],
  });
  const seconds = options.values.minutes ? Number(options.values.minutes) * 60 : options.seconds;
  const minutes = seconds / 60;
  const rate = Number(options.values.rate ?? '20');
  // `--drivers mymfo,bnpl`: only the drivers whose name holds one of the words (default: all).
  const wanted = options.values.drivers?.split(',').map((w) => w.trim().toLowerCase());
  const drivers = wanted
    ? DRIVERS.filter((d) => wanted.some((w) => d.name.toLowerCase().includes(w)))
    : DRIVERS;
  if (drivers.length === 0)
    throw new Error(`--drivers matches none of: ${DRIVERS.map((d) => d.name).join(', ')}`);
  const snapshotDir = options.values['heap-snapshots'] && path.resolve(options.values['heap-snapshots']);
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
  await withCleanup(async (cleanup) => {
    const stack = await startStack('soak', cleanup);
    let server: Kopek | undefined;
    cleanup.push(() => server && killKopek(server));
    const sims = await setUpAlone(stack, await freePort(), cleanup);
    server = await startKopekAlone(sims.env, [
      '--expose-gc',
      '--import',
      GC_PROBE,
      ...(snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : []),
    ]);
    const simRssStart = rssOf(sims.pids);
    const child = server.child;
    const url = server.url;
    for (const d of drivers) await d.prepare?.(stack.pool);
    const load = startLoad(() => url, 8, { ratePerSecond: rate, drivers });
    const samples: Sample[] = [];
    const t0 = Date.now();
    let seen = 0;
    const snapshots: string[] = [];
    const earlySnapshotAt = Math.min(60, seconds / 4) * 1000;
    while (Date.now() - t0 < seconds * 1000) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      const window = load.latencies.slice(seen);
      seen = load.latencies.length;
      const m = await memory(url);
      const live = await liveHeap(child);
      samples.push({
        second: Math.round((Date.now() - t0) / 1000),
        rssMiB: m.rss / 2 ** 20,
        heapMiB: m.heap / 2 ** 20,
        liveMiB: live / 2 ** 20,
        p99Ms: percentile(window, 99),
        requests: window.length,
      });
      const s = samples.at(-1)!;
      console.log(
        `${s.second} s: ${s.requests} answers, p99 ${s.p99Ms} ms, RSS ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapMiB.toFixed(1)} MiB, after GC ${s.liveMiB.toFixed(1)} MiB`,
      );
      if (snapshotDir && snapshots.length === 0 && Date.now() - t0 >= earlySnapshotAt) {
        snapshots.push(await heapSnapshot(child, url, snapshotDir));
        console.log(`heap snapshot: ${snapshots[0]}`);
      }
    }
    if (snapshotDir) {
      snapshots.push(await heapSnapshot(child, url, snapshotDir));
      console.log(`heap snapshot: ${snapshots[1]}`);
    }
    await load.stop();
    const simRssEnd = rssOf(sims.pids);
    const effects = await checkEffects(stack.pool, load.answered);
    await killKopek(server, 'SIGTERM');
    server = undefined;
    const verify = ledgerVerify(stack);
    if (!verify.ok) console.log(`kopek ledger verify:\n${verify.output}`);

    const late = samples.slice(Math.floor(samples.length / 2));
    const perMinute = (f: (s: Sample) => number) =>
      slope(
        late.map((s) => s.second / 60),
        late.map(f),
      );
    const rssSlope = perMinute((s) => s.rssMiB);
    const heapSlope = perMinute((s) => s.heapMiB);
    const liveSlope = perMinute((s) => s.liveMiB);
    const p99Slope = perMinute((s) => s.p99Ms);
    const p99Mean = late.reduce((a, s) => a + s.p99Ms, 0) / Math.max(1, late.length);
    const flags = [
      liveSlope > LIVE_HEAP_LIMIT ? `heap after GC grows ${liveSlope.toFixed(2)} MiB/min` : '',
      p99Slope > 0.1 * p99Mean ? `p99 grows ${p99Slope.toFixed(1)} ms/min` : '',
      effects.length ? `${effects.length} requests with a wrong effect count` : '',
      verify.ok ? '' : 'ledger verify failed',
    ].filter(Boolean);
    writeFileSync(
      chartFile(options.record),
      soakChart(
        samples,
        `Kopek soak: ${+minutes.toFixed(1)} min at ~${rate} req/s (${new Date().toISOString().slice(0, 16)}Z)`,
      ),
    );
    const total = load.answered.length;
    const summary = [
      `${+minutes.toFixed(1)} min, target ~${rate} requests/s over ${drivers.map((d) => d.name).join(', ')}; one kopek serve process (production mode, no in-process demo companions; the provider, bank, acquirer and SMS simulators in processes of their own); ` +
        `${total} requests answered (${(total / seconds).toFixed(1)}/s), ${load.answered.filter((s) => s.verdict === 'success').length} successes.`,
      '',
      `- trend over the second half (fitted line): heap after GC ${liveSlope.toFixed(2)} MiB/min (judged: > ${LIVE_HEAP_LIMIT} is flagged); shown only: RSS ${rssSlope.toFixed(2)} MiB/min, heap used ${heapSlope.toFixed(2)} MiB/min; p99 ${p99Slope.toFixed(1)} ms/min (mean p99 ${p99Mean.toFixed(0)} ms)`,
      `- heap after GC ${samples[0]?.liveMiB.toFixed(1)} -> ${samples.at(-1)?.liveMiB.toFixed(1)} MiB, RSS ${samples[0]?.rssMiB.toFixed(0)} -> ${samples.at(-1)?.rssMiB.toFixed(0)} MiB, heap used ${samples[0]?.heapMiB.toFixed(0)} -> ${samples.at(-1)?.heapMiB.toFixed(0)} MiB; p99 of all ${percentile(load.latencies, 99)} ms${snapshotDir ? ' (heap snapshots taken: their windows stall)' : ''}`,
      `- simulators' RSS (outside the measured process), start -> end: ${Object.keys(sims.pids)
        .map((n) => `${n} ${simRssStart[n]!.toFixed(0)} -> ${simRssEnd[n]!.toFixed(0)} MiB`)
        .join(', ')}`,
      `- every success in the database once: ${effects.length ? `NO (${effects.slice(0, 3).join('; ')})` : 'yes'}; kopek ledger verify: ${verify.ok ? 'OK' : 'FAILED'}`,
      `- result: ${flags.length ? `FLAGGED: ${flags.join('; ')}` : 'no growth trend'}`,
      '',
      '![soak](soak/soak.svg)',
      '',
      '| s | answers | p99 ms | RSS MiB | heap used MiB | heap after GC MiB |',
      '| --- | --- | --- | --- | --- | --- |',
      ...samples.map(
        (s) =>
          `| ${s.second} | ${s.requests} | ${s.p99Ms} | ${s.rssMiB.toFixed(1)} | ${s.heapMiB.toFixed(1)} | ${s.liveMiB.toFixed(1)} |`,
      ),
    ].join('\n');
    report(
      {
        bench: 'soak',
        postgresVersion: stack.postgresVersion,
        intro: 'Measured on a loaded machine (parallel work).',
        table: summary,
      },
      options.record,
    );
    console.log(`chart: ${chartFile(options.record)}`);
    if (snapshots.length === 2) {
      // In a process of its own: parsing two snapshots takes far more memory than the bench has.
      const diff = spawnSync(
        process.execPath,
        ['--max-old-space-size=6144', '--import', 'tsx', 'bench/soak/heap-diff.ts', ...snapshots],
        { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
      );
      console.log(diff.stdout);
    }
    if (flags.length) process.exitCode = 1;
  });
}
