/**
 * `npm run bench -- soak [--minutes 10 | --quick] [--rate 20] [--no-record]`
 *
 * A steady mixed load (the idempotent writes of bench/crash/drivers.ts, in turn) at about `rate`
 * requests per second against one `kopek serve` process for `minutes`. Every 10 s: the server's
 * RSS and used heap (its /metrics) and the p99 of the window's requests. A trend check fits a
 * line over the second half (after warm-up): memory growing more than 1 MiB a minute, or p99
 * more than 10% of its mean a minute, is flagged. Writes bench/soak/soak.svg and appends the
 * figures to bench/RESULTS.md (bench/lib/results.ts). `--quick`: 1 minute.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  checkEffects,
  DRIVERS,
  freePort,
  killKopek,
  ledgerVerify,
  percentile,
  startKopek,
  startLoad,
  startStack,
} from '../crash/harness.ts';
import { withCleanup } from '../lib/cleanup.ts';
import { benchOptions } from '../lib/options.ts';
import { report } from '../lib/results.ts';
import { type Sample, slope, soakChart } from './chart.ts';

const CHART_FILE = path.resolve(import.meta.dirname, 'soak.svg');
const SAMPLE_MS = 10_000;

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
  const options = benchOptions(args, { extra: ['minutes', 'rate'] });
  const minutes = Number(options.values.minutes ?? (options.quick ? '1' : '10'));
  const rate = Number(options.values.rate ?? '20');
  await withCleanup(async (cleanup) => {
    const stack = await startStack('soak', cleanup);
    let server: Awaited<ReturnType<typeof startKopek>> | undefined;
    cleanup.push(() => server && killKopek(server));
    server = await startKopek(stack, await freePort());
    const url = server.url;
    for (const d of DRIVERS) await d.prepare?.(stack.pool);
    const load = startLoad(() => url, 8, { ratePerSecond: rate });
    const samples: Sample[] = [];
    const t0 = Date.now();
    let seen = 0;
    while (Date.now() - t0 < minutes * 60_000) {
      await new Promise((r) => setTimeout(r, SAMPLE_MS));
      const window = load.latencies.slice(seen);
      seen = load.latencies.length;
      const m = await memory(url);
      samples.push({
        second: Math.round((Date.now() - t0) / 1000),
        rssMiB: m.rss / 2 ** 20,
        heapMiB: m.heap / 2 ** 20,
        p99Ms: percentile(window, 99),
        requests: window.length,
      });
      const s = samples.at(-1)!;
      console.log(
        `${s.second} s: ${s.requests} answers, p99 ${s.p99Ms} ms, RSS ${s.rssMiB.toFixed(1)} MiB, heap ${s.heapMiB.toFixed(1)} MiB`,
      );
    }
    await load.stop();
    const effects = await checkEffects(stack.pool, load.answered);
    await killKopek(server, 'SIGTERM');
    server = undefined;
    const verify = ledgerVerify(stack);

    const late = samples.slice(Math.floor(samples.length / 2));
    const perMinute = (f: (s: Sample) => number) =>
      slope(
        late.map((s) => s.second / 60),
        late.map(f),
      );
    const rssSlope = perMinute((s) => s.rssMiB);
    const heapSlope = perMinute((s) => s.heapMiB);
    const p99Slope = perMinute((s) => s.p99Ms);
    const p99Mean = late.reduce((a, s) => a + s.p99Ms, 0) / Math.max(1, late.length);
    const flags = [
      rssSlope > 1 ? `RSS grows ${rssSlope.toFixed(2)} MiB/min` : '',
      heapSlope > 1 ? `heap grows ${heapSlope.toFixed(2)} MiB/min` : '',
      p99Slope > 0.1 * p99Mean ? `p99 grows ${p99Slope.toFixed(1)} ms/min` : '',
      effects.length ? `${effects.length} requests with a wrong effect count` : '',
      verify.ok ? '' : 'ledger verify failed',
    ].filter(Boolean);
    writeFileSync(
      CHART_FILE,
      soakChart(
        samples,
        `Kopek soak: ${minutes} min at ~${rate} req/s (${new Date().toISOString().slice(0, 16)}Z)`,
      ),
    );
    const total = load.answered.length;
    const summary = [
      `${minutes} min, target ~${rate} requests/s over ${DRIVERS.map((d) => d.name).join(', ')}; one kopek serve process; ` +
        `${total} requests answered (${(total / (minutes * 60)).toFixed(1)}/s), ${load.answered.filter((s) => s.verdict === 'success').length} successes.`,
      '',
      `- trend over the second half (fitted line): RSS ${rssSlope.toFixed(2)} MiB/min, heap ${heapSlope.toFixed(2)} MiB/min, p99 ${p99Slope.toFixed(1)} ms/min (mean p99 ${p99Mean.toFixed(0)} ms)`,
      `- RSS ${samples[0]?.rssMiB.toFixed(0)} -> ${samples.at(-1)?.rssMiB.toFixed(0)} MiB, heap ${samples[0]?.heapMiB.toFixed(0)} -> ${samples.at(-1)?.heapMiB.toFixed(0)} MiB; p99 of all ${percentile(load.latencies, 99)} ms`,
      `- every success in the database once: ${effects.length ? `NO (${effects.slice(0, 3).join('; ')})` : 'yes'}; kopek ledger verify: ${verify.ok ? 'OK' : 'FAILED'}`,
      `- result: ${flags.length ? `FLAGGED: ${flags.join('; ')}` : 'no growth trend'}`,
      '',
      '![soak](soak/soak.svg)',
      '',
      '| s | answers | p99 ms | RSS MiB | heap MiB |',
      '| --- | --- | --- | --- | --- |',
      ...samples.map(
        (s) =>
          `| ${s.second} | ${s.requests} | ${s.p99Ms} | ${s.rssMiB.toFixed(1)} | ${s.heapMiB.toFixed(1)} |`,
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
    console.log(`chart: ${path.relative(process.cwd(), CHART_FILE)}`);
    if (flags.length) process.exitCode = 1;
  });
}
