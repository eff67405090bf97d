/**
 * `node --import tsx --max-old-space-size=4096 bench/soak/heap-diff.ts <early.heapsnapshot> <late.heapsnapshot> [top]`
 *
 * What grew between two V8 heap snapshots of one process (the soak writes them with
 * `--heap-snapshots`): self size and count by constructor in each, the top growers, and for the
 * objects that are new in the late snapshot (V8 keeps a node's id across snapshots of a process,
 * so an id the early snapshot does not have was allocated after it and survived) the groups
 * they fall in and one retainer path of a sample of each: that path names the holder that keeps
 * them alive. A bounded cache shows as a grower whose new objects replace old ones of the same
 * kind (count flat or capped); a leak as a group of new survivors that only gets bigger.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export interface Heap {
  count: number;
  /** Group (constructor, or "(type)" for strings, arrays, code...) of node i. */
  group(i: number): string;
  selfSize(i: number): number;
  id(i: number): number;
  /** Retainers of node i: [from node, edge label]. */
  retainers(i: number): [number, string][];
}

export function readHeap(file: string): Heap {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const nf = s.snapshot.meta.node_fields;
  const ef = s.snapshot.meta.edge_fields;
  const N = nf.length;
  const E = ef.length;
  const [nType, nName, nId, nSelf, nEdges] = ['type', 'name', 'id', 'self_size', 'edge_count'].map((f) =>
    nf.indexOf(f),
  ) as [number, number, number, number, number];
  const [eType, eName, eTo] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const nodeTypes = s.snapshot.meta.node_types[0];
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const count = s.nodes.length / N;
  // First edge of each node, and the reverse edges (retainers), built once.
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, e = 0; i < count; i++) {
    firstEdge[i] = e;
    e += s.nodes[i * N + nEdges]! * E;
    firstEdge[i + 1] = e;
  }
  const retainerCount = new Uint32Array(count + 1);
  for (let e = 0; e < s.edges.length; e += E) retainerCount[s.edges[e + eTo]! / N]!++;
  const retainerStart = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) retainerStart[i + 1] = retainerStart[i]! + retainerCount[i]!;
  const retainerEdge = new Uint32Array(s.edges.length / E);
  const fill = retainerStart.slice();
  for (let i = 0; i < count; i++)
    for (let e = firstEdge[i]!; e < firstEdge[i + 1]!; e += E) {
      const to = s.edges[e + eTo]! / N;
      retainerEdge[fill[to]!++] = e;
    }
  const edgeFrom = (e: number): number => {
    // Binary search of the node that owns edge offset e.
    let lo = 0;
    let hi = count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (firstEdge[mid]! <= e) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const typeOf = (i: number) => nodeTypes[s.nodes[i * N + nType]!]!;
  return {
    count,
    group(i) {
      const type = typeOf(i);
      const name = s.strings[s.nodes[i * N + nName]!] ?? '';
      if (type === 'object' || type === 'closure' || type === 'native')
        return `${name || '(anonymous)'}${type === 'closure' ? '()' : ''}`;
      return `(${type})`;
    },
    selfSize: (i) => s.nodes[i * N + nSelf]!,
    id: (i) => s.nodes[i * N + nId]!,
    retainers(i) {
      const out: [number, string][] = [];
      for (let r = retainerStart[i]!; r < retainerStart[i + 1]!; r++) {
        const e = retainerEdge[r]!;
        const kind = edgeTypes[s.edges[e + eType]!];
        if (kind === 'weak') continue;
        const raw = s.edges[e + eName]!;
        const label = kind === 'element' || kind === 'hidden' ? `[${raw}]` : (s.strings[raw] ?? String(raw));
        out.push([edgeFrom(e), `${kind}:${label}`]);
      }
      return out;
    },
  };
}

interface Tally {
  count: number;
  size: number;
}

function tally(heap: Heap, only?: (i: number) => boolean): Map<string, Tally> {
  const out = new Map<string, Tally>();
  for (let i = 0; i < heap.count; i++) {
    if (only && !only(i)) continue;
    const g = heap.group(i);
    const t = out.get(g) ?? { count: 0, size: 0 };
    t.count++;
    t.size += heap.selfSize(i);
    out.set(g, t);
  }
  return out;
}

/** One retainer path from node i towards a root, skipping system internals where it can. */
export function retainerPath(heap: Heap, i: number, depth = 12): string {
  const seen = new Set<number>([i]);
  const steps: string[] = [heap.group(i)];
  let at = i;
  for (let d = 0; d < depth; d++) {
    const options = heap.retainers(at).filter(([from]) => !seen.has(from));
    const pick =
      options.find(
        ([from, label]) => !heap.group(from).startsWith('(system') && !label.startsWith('hidden'),
      ) ?? options[0];
    if (!pick) break;
    const [from, label] = pick;
    seen.add(from);
    steps.push(`${label} <- ${heap.group(from)}`);
    at = from;
  }
  return steps.join('\n      ');
}

const MiB = (n: number) => `${(n / 2 ** 20).toFixed(2)} MiB`;

export function heapDiff(earlyFile: string, lateFile: string, top = 15): string {
  const early = readHeap(earlyFile);
  const earlyTally = tally(early);
  const earlyIds = new Set<number>();
  for (let i = 0; i < early.count; i++) earlyIds.add(early.id(i));
  const earlyTotal = [...earlyTally.values()].reduce((a, t) => a + t.size, 0);
  const late = readHeap(lateFile);
  const lateTally = tally(late);
  const lateTotal = [...lateTally.values()].reduce((a, t) => a + t.size, 0);
  const lines = [`heap self size: ${MiB(earlyTotal)} -> ${MiB(lateTotal)} (${MiB(lateTotal - earlyTotal)})`];
  const growth = [...lateTally.entries()]
    .map(([g, t]) => {
      const e = earlyTally.get(g) ?? { count: 0, size: 0 };
      return { g, dSize: t.size - e.size, dCount: t.count - e.count, size: t.size, count: t.count };
    })
    .sort((a, b) => b.dSize - a.dSize)
    .slice(0, top);
  lines.push('', `top ${top} growing groups (self size, count):`);
  for (const r of growth)
    lines.push(
      `  ${MiB(r.dSize).padStart(10)} ${String(r.dCount).padStart(8)}  ${r.g} (now ${MiB(r.size)}, ${r.count})`,
    );
  const fresh = (i: number) => !earlyIds.has(late.id(i));
  const survivors = [...tally(late, fresh).entries()].sort((a, b) => b[1].size - a[1].size).slice(0, top);
  const freshTotal = survivors.reduce((a, [, t]) => a + t.size, 0);
  lines.push(
    '',
    `objects allocated after the early snapshot and still alive, top ${top} (${MiB(freshTotal)}):`,
  );
  for (const [g, t] of survivors) {
    lines.push(`  ${MiB(t.size).padStart(10)} ${String(t.count).padStart(8)}  ${g}`);
    // A sample in the middle of the group's new objects: its path to a root names the holder.
    const members: number[] = [];
    for (let i = 0; i < late.count; i++) if (fresh(i) && late.group(i) === g) members.push(i);
    const sample = members[Math.floor(members.length / 2)];
    if (sample !== undefined) lines.push(`      ${retainerPath(late, sample)}`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [early, late, top] = process.argv.slice(2);
  if (!early || !late) {
    console.error('usage: heap-diff.ts <early.heapsnapshot> <late.heapsnapshot> [top]');
    process.exit(2);
  }
  console.log(heapDiff(early, late, Number(top ?? '15')));
}
