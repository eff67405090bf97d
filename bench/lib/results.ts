/**
 * bench/RESULTS.md: one appended section per run, headed `## <bench> — <ISO date> — <machine>`,
 * a paragraph saying what ran, then the bench's table. Earlier sections are never rewritten.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Load, pacedP99Text } from './autocannon.ts';
import { machineLine, ROOT } from './common.ts';

export const RESULTS_FILE = path.join(ROOT, 'bench', 'RESULTS.md');
const RESULTS_HEADER = `# Benchmark results

Appended by \`npm run bench -- <name>\`; see bench/README.md for what each bench measures.
Earlier sections are kept as they were written: compare runs on the same machine only.
`;
export const LOADED_MACHINE = 'measured on a loaded machine (parallel work)';

export interface Section {
  bench: string;
  postgresVersion: string;
  /** Appended to the heading after a dash (e.g. LOADED_MACHINE); empty for none. */
  flag?: string;
  /** What ran: phase lengths, connections, processes, conditions. */
  intro: string;
  table: string;
}

/**
 * Prints the machine line, `note` (when given) and the table; then, unless `record` is false
 * (`--no-record`), appends the section to RESULTS.md.
 */
export function report(section: Section, record: boolean, note?: string): void {
  console.log(`\n${machineLine(section.postgresVersion)}${note ? `\n${note}\n` : '\n'}\n${section.table}`);
  if (!record) {
    console.log('\nnot recorded (--no-record)');
    return;
  }
  if (!existsSync(RESULTS_FILE)) writeFileSync(RESULTS_FILE, RESULTS_HEADER);
  const flag = section.flag ? ` — ${section.flag}` : '';
  appendFileSync(
    RESULTS_FILE,
    [
      '',
      `## ${section.bench} — ${new Date().toISOString()} — ${machineLine(section.postgresVersion)}${flag}`,
      '',
      section.intro,
      '',
      section.table,
      '',
    ].join('\n'),
  );
  console.log(`\nappended to ${path.relative(process.cwd(), RESULTS_FILE)}`);
}

/** `Load average 1.2 before the run, 3.4 after (2 cores).`, for a section's intro. */
export function loadAverageNote(before: number): string {
  return `Load average ${before.toFixed(1)} before the run, ${os.loadavg()[0]!.toFixed(1)} after (${os.cpus().length} cores).`;
}

/** 1,234 */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 0.423 -> 42% */
export function percent(n: number): string {
  return `${Math.round(n * 100)}%`;
}

export function passFail(ok: boolean): string {
  return ok ? 'PASS' : 'FAIL';
}

/**
 * A markdown table. With `pad`, columns are padded as a markdown formatter lays them out:
 * readable as plain text, and nothing for a formatter to rewrite later.
 */
export function markdownTable(
  header: string[],
  align: ('left' | 'right')[],
  rows: string[][],
  pad = false,
): string {
  const widths = header.map((title, i) =>
    pad ? Math.max(3, title.length, ...rows.map((row) => row[i]!.length)) : 3,
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (!pad ? c : align[i] === 'right' ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = widths.map((w, i) => {
    const width = pad ? w : 4;
    return align[i] === 'right' ? `${'-'.repeat(width - 1)}:` : '-'.repeat(pad ? w : 3);
  });
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** `1,000/s offered, 999/s answered: p50 3 ms, p99 12 ms, …; late sends 0`, a fixed-rate phase's cell. */
export function pacedCell(load: Load, rate: number): string {
  const late = load.late ? `${count(load.late)} (worst ${load.lateMax} ms)` : '0';
  return `${count(rate)}/s offered, ${count(load.rps)}/s answered: p50 ${load.p50} ms, p99 ${load.p99} ms, p99.9 ${load.p999} ms; late sends ${late}; p99 from the slots ≤ ${pacedP99Text(load)}`;
}
