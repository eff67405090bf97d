/**
 * `node --import tsx bench/lib/profile-summary.ts <file.cpuprofile> [--from S] [--to S] [--top N]`
 *
 * Self time of a V8 CPU profile (BENCH_PROFILE_DIR, bench/lib/kopek.ts) summed by function and by
 * package or file, over a window of seconds from the profile's start (a bench's phases run one
 * after another: the busy-seconds line shows where each one is).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: Node[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { from: { type: 'string' }, to: { type: 'string' }, top: { type: 'string' } },
});
const file = positionals[0];
if (!file) {
  console.error('usage: profile-summary.ts <file.cpuprofile> [--from S] [--to S] [--top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const from = Number(values.from ?? 0) * 1e6;
const to = values.to === undefined ? Number.POSITIVE_INFINITY : Number(values.to) * 1e6;
const top = Number(values.top ?? 30);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const idle = new Set(['(idle)', '(program)', '(garbage collector)']);
const byFunction = new Map<string, number>();
const byPlace = new Map<string, number>();
const busyPerSecond: number[] = [];
let t = 0;
let total = 0;

/** node_modules/<package> or the file under the project, so costs group by what owns them. */
function place(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:')) return url;
  const i = url.indexOf('/src/');
  return i >= 0 ? url.slice(i + 1) : url || '(native)';
}

for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i]!;
  const node = byId.get(profile.samples[i]!)!;
  const name = node.callFrame.functionName || '(anonymous)';
  if (name !== '(idle)')
    busyPerSecond[Math.floor(t / 1e6)] = (busyPerSecond[Math.floor(t / 1e6)] ?? 0) + profile.timeDeltas[i]!;
  if (t < from || t > to) continue;
  const dt = profile.timeDeltas[i]!;
  if (name === '(idle)') continue;
  total += dt;
  const key = idle.has(name) ? name : `${name} ${place(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
  const p = idle.has(name) ? name : place(node.callFrame.url);
  byPlace.set(p, (byPlace.get(p) ?? 0) + dt);
}

const ms = (us: number) => (us / 1000).toFixed(0).padStart(7);
const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)}%`;
console.log(
  `busy ms per second: ${busyPerSecond.map((us, s) => `${s}:${Math.round((us ?? 0) / 1000)}`).join(' ')}`,
);
console.log(`\nwindow busy: ${(total / 1000).toFixed(0)} ms\n\nby package or file:`);
for (const [k, v] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${ms(v)} ms ${pct(v)}  ${k}`);
console.log('\nby function:');
for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${ms(v)} ms ${pct(v)}  ${k}`);
