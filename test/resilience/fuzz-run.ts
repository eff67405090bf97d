/**
 * Sends a face's hostile requests to a built server and collects what is wrong with the answers:
 * a 5xx, internal detail in the body (stack frames, source paths, SQL and driver messages), an
 * answer not in the protocol's own form, or a change in the database.
 */
import type { Pool } from '../../src/platform/db/pool.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { changed, digest } from './db-digest.ts';
import { type HostileRequest, hostileRequests } from './hostile.ts';
import { type Route, routesOf } from './openapi.ts';
import type { FaceProfile } from './profiles.ts';

/** Internal detail that must never reach a client. */
export const LEAKS: { name: string; pattern: RegExp }[] = [
  { name: 'stack frame', pattern: /\n\s+at [\w$.<>[\]]+ \(|\bat (async )?[\w$.]+ \([^)]*:\d+:\d+\)/ },
  { name: 'source path', pattern: /\.(ts|js|mjs):\d+|node_modules|\/work\/|file:\/\// },
  { name: 'error class', pattern: /\b(TypeError|RangeError|ReferenceError|SyntaxError|Error):/ },
  {
    name: 'SQL or driver text',
    pattern:
      /syntax error at or near|violates (unique|foreign key|check|not-null) constraint|duplicate key value|invalid input syntax for|relation "[^"]+" does not exist|column "[^"]+" (does not exist|of relation)|current transaction is aborted|\bSELECT\b[\s\S]{1,200}\bFROM\s+\w+\.\w+|ECONNREFUSED|pg_catalog/i,
  },
];

export interface Finding {
  face: string;
  route: string;
  kind: string;
  auth: string;
  request: string;
  status: number;
  problem: string;
  answer: string;
}

export interface FuzzReport {
  face: string;
  routes: number;
  sent: number;
  byStatus: Record<string, number>;
  findings: Finding[];
  dbChanges: string[];
  ms: number;
}

export async function faceRoutes(app: FaceApp, face: string): Promise<Route[]> {
  const res = await app.inject({ method: 'GET', url: `/docs/${face}/json` });
  if (res.statusCode !== 200) throw new Error(`no OpenAPI document for ${face}: ${res.statusCode}`);
  return routesOf(res.json());
}

function describe(req: HostileRequest): string {
  const body =
    req.payload === undefined
      ? ''
      : Buffer.isBuffer(req.payload)
        ? ` <${req.payload.length} bytes${req.payload.length < 200 ? `: ${req.payload.toString('hex')}` : ''}>`
        : ` ${req.payload.length > 200 ? `${req.payload.slice(0, 200)}… (${req.payload.length} chars)` : req.payload}`;
  const type = req.headers['content-type'] ? ` [${req.headers['content-type']}]` : '';
  return `${req.method} ${req.url.length > 300 ? `${req.url.slice(0, 300)}…` : req.url}${type}${body}`;
}

export async function fuzzFace(
  app: FaceApp,
  pool: Pool,
  profile: FaceProfile,
  options: { count: number; seed: number },
): Promise<FuzzReport> {
  const started = Date.now();
  const routes = await faceRoutes(app, profile.face);
  const creds = await profile.credentials(app);
  const requests = hostileRequests(profile, routes, creds, options.count, options.seed);
  const findings: Finding[] = [];
  const byStatus: Record<string, number> = {};
  const byRoute = new Map<Route, HostileRequest[]>();
  for (const r of requests) byRoute.set(r.route, [...(byRoute.get(r.route) ?? []), r]);
  const dbChanges: string[] = [];
  for (const [route, batch] of byRoute) {
    const before = await digest(pool);
    for (const req of batch) {
      const res = await app.inject({
        method: req.method as 'GET',
        url: req.url,
        headers: req.headers,
        ...(req.payload !== undefined ? { payload: req.payload } : {}),
      });
      byStatus[res.statusCode] = (byStatus[res.statusCode] ?? 0) + 1;
      const answer = { status: res.statusCode, headers: res.headers, body: res.body };
      const problems: string[] = [];
      if (res.statusCode >= 500) problems.push(`status ${res.statusCode}`);
      for (const leak of LEAKS) if (leak.pattern.test(res.body)) problems.push(`leaks ${leak.name}`);
      const form = profile.form(answer);
      if (form) problems.push(`form: ${form}`);
      for (const problem of problems)
        findings.push({
          face: profile.face,
          route: `${route.method} ${route.path}`,
          kind: req.kind,
          auth: req.auth,
          request: describe(req),
          status: res.statusCode,
          problem,
          answer: res.body.slice(0, 400),
        });
    }
    const diff = changed(before, await digest(pool));
    if (diff.length) dbChanges.push(`${route.method} ${route.path}: ${diff.join(', ')}`);
  }
  return {
    face: profile.face,
    routes: routes.length,
    sent: requests.length,
    byStatus,
    findings,
    dbChanges,
    ms: Date.now() - started,
  };
}

/** Findings grouped by face, route, kind and problem, with one example each: what a report lists. */
export function summarize(findings: Finding[]): string[] {
  const groups = new Map<string, { n: number; example: Finding }>();
  for (const f of findings) {
    const key = `${f.face} ${f.route} ${f.problem}`;
    const g = groups.get(key);
    if (g) g.n++;
    else groups.set(key, { n: 1, example: f });
  }
  return [...groups.entries()].map(
    ([key, { n, example }]) =>
      `${key} ×${n} (e.g. ${example.kind}/${example.auth}: ${example.request} -> ${example.status} ${example.answer.slice(0, 200)})`,
  );
}
