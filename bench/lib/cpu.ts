/**
 * CPU time by process group over a phase, from /proc (Linux): the Kopek process, the provider
 * simulator, the load generator, the PostgreSQL backends serving one database (the server's own
 * background processes count as "other"), and everything else on the machine. On a shared machine, CPU time per request is steadier than requests per
 * second, and "other" says how much the rest of the machine took.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

export type Groups = Record<string, number>;

function classify(
  pid: string,
  ppid: number,
  cmdline: string,
  known: Map<number, string>,
  database: string,
): string {
  const group = known.get(Number(pid));
  if (group) return group;
  // KOPEK_HTTP_PROCESSES: the forked HTTP processes are kopek serve's children.
  if (known.get(ppid) === 'kopek') return 'kopek';
  if (cmdline.includes(database)) return 'postgres';
  // Counted once it has ended, as this process's reaped children (below).
  if (cmdline.startsWith('wrk ')) return 'load (running)';
  return 'other';
}

/** Seconds of CPU (user + system) per group, summed over all live processes. */
export function cpuSnapshot(known: Map<number, string>, database: string): Map<string, Groups> {
  const byPid = new Map<string, Groups>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      byPid.set(pid, { [classify(pid, Number(fields[1]), cmdline, known, database)]: seconds });
    } catch {
      // the process ended meanwhile
    }
  }
  // The load generator of a phase has ended and been waited for by the time the phase is over:
  // its CPU is in this process's cutime/cstime.
  const self = readFileSync('/proc/self/stat', 'utf8');
  const f = self.slice(self.lastIndexOf(')') + 2).split(' ');
  byPid.set('reaped', { load: (Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND });
  return byPid;
}

/** CPU seconds per group between two snapshots (processes born in between count from zero). */
export function cpuBetween(before: Map<string, Groups>, after: Map<string, Groups>): Groups {
  const out: Groups = {};
  for (const [pid, groups] of after) {
    for (const [group, seconds] of Object.entries(groups)) {
      const was = before.get(pid)?.[group] ?? 0;
      out[group] = (out[group] ?? 0) + Math.max(0, seconds - was);
    }
  }
  return out;
}

/**
 * "CPU per request: kopek 0.41 ms, postgres 0.52 ms, …; other processes 0.8 cores". `unit` names
 * what `requests` counts ("completed payment (its create and pay)"); `others: false` leaves the
 * other processes out (a phase whose length is not the load's).
 */
export function describeCpu(
  groups: Groups,
  requests: number,
  seconds: number,
  { unit = 'request', others = true }: { unit?: string; others?: boolean } = {},
): string {
  const per = (g: string) => `${g} ${(((groups[g] ?? 0) / Math.max(1, requests)) * 1000).toFixed(2)} ms`;
  const own = ['kopek', 'postgres', 'simulator', 'load'].map(per).join(', ');
  const rest = others ? `; other processes ${((groups.other ?? 0) / seconds).toFixed(2)} cores` : '';
  return `CPU per ${unit}: ${own}${rest}`;
}
