/**
 * `node --import tsx scripts/audit.ts`: `npm audit --omit=dev --audit-level=high`, telling an
 * unreachable advisory endpoint apart from a finding.
 *
 * Exit codes: 0 clean, 1 high or critical advisories found, 3 the registry's advisory endpoint
 * could not be reached or refused the request (nothing was checked), 2 anything else.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_OTHER = 2;
export const EXIT_UNREACHABLE = 3;

const root = path.resolve(import.meta.dirname, '..');
const run = spawnSync('npm', ['audit', '--omit=dev', '--audit-level=high', '--json'], {
  cwd: root,
  encoding: 'utf8',
});
const out = `${run.stdout ?? ''}\n${run.stderr ?? ''}`;

let report: {
  metadata?: { vulnerabilities?: Record<string, number> };
  error?: { code?: string; summary?: string };
} = {};
try {
  report = JSON.parse(run.stdout ?? '');
} catch {
  // not JSON: npm failed before auditing
}

const unreachable =
  /E405|E403|E404|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|audit endpoint returned an error|Method Not Allowed/i.test(
    out,
  ) && !report.metadata?.vulnerabilities;

if (run.error || unreachable) {
  console.error(
    'npm audit: BLOCKED — the registry advisory endpoint could not be reached or refused the request; ' +
      'nothing was checked. Run it where registry.npmjs.org answers /-/npm/v1/security/advisories/bulk.',
  );
  console.error((report.error?.summary ?? out).trim().split('\n').slice(0, 5).join('\n'));
  process.exit(EXIT_UNREACHABLE);
}
const v = report.metadata?.vulnerabilities;
if (!v) {
  console.error(`npm audit: unexpected answer (exit ${run.status}):\n${out.slice(0, 2000)}`);
  process.exit(EXIT_OTHER);
}
const serious = (v.high ?? 0) + (v.critical ?? 0);
console.log(
  `npm audit (production dependencies): ${Object.entries(v)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ')}`,
);
process.exit(serious > 0 ? EXIT_FINDINGS : EXIT_CLEAN);
