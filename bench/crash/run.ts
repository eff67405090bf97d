/**
 * `npm run bench -- crash [--kills 5] [--cuts 2] [--quick] [--processes 1|2] [--concurrency 8] [--no-record]`
 *
 * Idempotent payments and forms (bench/crash/drivers.ts: processing pay, "Моя МФО" OSMP pay,
 * DenimHub create_form) against real `kopek serve` processes on one database behind a TCP proxy.
 * Meanwhile: `--kills` times a random process is SIGKILLed at a random moment and restarted;
 * then `--cuts` times the database is cut off for 5 s (`/readyz` must turn 503 and back by
 * itself). Every request carries its idempotency key and is repeated until a final answer.
 * Afterwards: `kopek ledger verify` is clean, every success is in the database exactly once,
 * and every answered request sent again returns its first answer. `--processes 2` splits the
 * load over two processes on the same database (part 5 of issue 10). `--quick`: 1 kill, 1 cut.
 */
import { withCleanup } from '../lib/cleanup.ts';
import { benchOptions } from '../lib/options.ts';
import { report } from '../lib/results.ts';
import {
  checkEffects,
  DRIVERS,
  freePort,
  type Kopek,
  killKopek,
  ledgerVerify,
  percentile,
  repeatAll,
  startKopek,
  startLoad,
  startStack,
} from './harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(url: string, want: number, budgetMs: number): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < budgetMs) {
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === want) return Date.now() - started;
    } catch {
      // no answer counts as not ready
      if (want !== 200) return Date.now() - started;
    }
    await sleep(100);
  }
  return undefined;
}

export async function main(args: string[]): Promise<void> {
  const options = benchOptions(args, { extra: ['kills', 'cuts', 'processes', 'concurrency'] });
  const kills = Number(options.values.kills ?? (options.quick ? '1' : '5'));
  const cuts = Number(options.values.cuts ?? (options.quick ? '1' : '2'));
  const processes = Number(options.values.processes ?? '1');
  const concurrency = Number(options.values.concurrency ?? '8');
  const started = Date.now();
  await withCleanup(async (cleanup) => {
    const stack = await startStack('crash', cleanup);
    const servers: (Kopek | undefined)[] = [];
    cleanup.push(async () => {
      for (const s of servers) if (s) await killKopek(s);
    });
    const failures: string[] = [];
    const log: string[] = [];
    const ports = await Promise.all(Array.from({ length: processes }, () => freePort()));
    // One after the other: the first creates the schema and the demo data.
    for (const port of ports) servers.push(await startKopek(stack, port));
    for (const d of DRIVERS) await d.prepare?.(stack.pool);
    let turn = 0;
    const target = () => {
      const live = servers.filter((s): s is Kopek => s !== undefined);
      return live.length ? live[turn++ % live.length]!.url : undefined;
    };
    const load = startLoad(target, concurrency);

    for (let i = 1; i <= kills; i++) {
      await sleep(3_000 + Math.random() * 5_000);
      const victim = Math.floor(Math.random() * processes);
      const k = servers[victim]!;
      servers[victim] = undefined;
      await killKopek(k);
      const answeredAtKill = load.answered.length;
      const t = Date.now();
      servers[victim] = await startKopek(stack, ports[victim]!);
      log.push(
        `kill ${i}: process ${victim + 1} SIGKILLed after ${answeredAtKill} answers, ready again in ${((Date.now() - t) / 1000).toFixed(1)} s`,
      );
      console.log(log.at(-1));
    }

    for (let i = 1; i <= cuts; i++) {
      await sleep(3_000);
      const url = servers[0]!.url;
      const before = load.answered.length;
      stack.proxy.cut();
      const notReady = await waitReady(url, 503, 15_000);
      await sleep(5_000);
      const during = load.answered.length - before;
      stack.proxy.restore();
      const ready = await waitReady(url, 200, 60_000);
      log.push(
        `database cut ${i}: /readyz 503 after ${notReady ?? 'never'} ms, ${during} answers completed during the cut, ` +
          `ready again ${ready === undefined ? 'NEVER' : `${ready} ms`} after the restore`,
      );
      console.log(log.at(-1));
      if (notReady === undefined) failures.push(`cut ${i}: /readyz stayed 200`);
      if (ready === undefined) failures.push(`cut ${i}: no recovery`);
    }
    await sleep(3_000);
    await load.stop();

    const base = servers.find(Boolean)!.url;
    const repeats = await repeatAll(base, load.answered);
    failures.push(...repeats);
    for (const s of servers) if (s) await killKopek(s, 'SIGTERM');
    servers.length = 0;
    failures.push(...(await checkEffects(stack.pool, load.answered)));
    const verify = ledgerVerify(stack);
    if (!verify.ok) failures.push(`ledger verify: ${verify.output}`);
    // Jobs: graphile-worker hands each job to one worker (SKIP LOCKED); what is left in the queue.
    const jobs = (
      await stack.pool.query<{ total: string; failed: string; locked: string }>(
        `SELECT count(*)::text AS total, count(*) FILTER (WHERE attempts >= max_attempts)::text AS failed,
                count(*) FILTER (WHERE locked_at IS NOT NULL)::text AS locked
           FROM graphile_worker._private_jobs`,
      )
    ).rows[0]!;

    // Faults must be answered in each protocol's temporary form (503 or 200 with its code), never a bare 500.
    for (const [what, n] of Object.entries(load.again))
      if (/: 5(00|02) /.test(what)) failures.push(`${n} × ${what}`);
    const byDriver = DRIVERS.map((d) => {
      const mine = load.answered.filter((s) => s.driver === d);
      return `${d.name}: ${mine.length} answered (${mine.filter((s) => s.verdict === 'success').length} success, ${mine.filter((s) => s.verdict === 'refused').length} refused), ${mine.filter((s) => s.tries > 1).length} needed repeats`;
    });
    const temporary = Object.entries(load.again)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, n]) => `  - ${n} × ${k}`);
    const summary = [
      `${processes} process(es), ${concurrency} concurrent clients, ${kills} SIGKILLs, ${cuts} database cuts, ${((Date.now() - started) / 1000).toFixed(0)} s in all.`,
      '',
      ...byDriver.map((l) => `- ${l}`),
      `- latency to a final answer (repeats included): p50 ${percentile(load.latencies, 50)} ms, p99 ${percentile(load.latencies, 99)} ms`,
      ...log.map((l) => `- ${l}`),
      `- repeats of every answered request: ${repeats.length ? `${repeats.length} DIFFERENT` : 'all gave the first answer'}`,
      `- job queue after the run: ${jobs.total} jobs left (retries scheduled or waiting), ${jobs.failed} failed for good, ${jobs.locked} still locked by a killed process`,
      `- kopek ledger verify: ${verify.ok ? 'OK' : 'FAILED'} (${verify.output.split('\n').join('; ')})`,
      `- result: ${failures.length ? `FAIL (${failures.length} problems)` : 'PASS'}`,
      '- answers that asked the client to come again, and connection errors (top 12):',
      ...temporary,
    ].join('\n');
    report(
      {
        bench: 'crash',
        postgresVersion: stack.postgresVersion,
        intro: 'Measured on a loaded machine (parallel work).',
        table: summary,
      },
      options.record,
    );
    for (const f of failures.slice(0, 30)) console.error(`FAIL ${f}`);
    if (failures.length) process.exitCode = 1;
  });
}
