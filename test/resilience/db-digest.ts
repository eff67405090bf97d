/**
 * A digest of every business table (row count and a hash of the rows), to prove a hostile request
 * changed nothing. Left out: tables that legitimately record a refused request.
 */
import type { Pool } from '../../src/platform/db/pool.ts';

/** Tables written by refusals or by the run's own logins; docs/resilience.md lists why each. */
export const NOT_DIGESTED: { table: string; columns?: string[]; why: string }[] = [
  { table: 'audit.log', why: 'records refused logins and security events' },
  { table: 'staff.login_attempts', why: 'counts failed staff logins (the throttle)' },
  { table: 'staff.sessions', why: 'the run logs in; last-seen times move' },
  { table: 'staff.dashboard_cache', why: 'a read cache' },
  { table: 'mymfo.cabinet_throttle', why: 'counts failed cabinet logins (the throttle)' },
  { table: 'wallet.sessions', why: 'HTTP Basic calls open/refresh a session (JSESSIONID)' },
  {
    table: 'wallet.wallets',
    columns: ['failed_logins', 'locked_until'],
    why: 'the password throttle counts refused logins',
  },
  { table: 'public.schema_migrations', why: 'not business data' },
];

export async function digest(pool: Pool): Promise<Map<string, string>> {
  const skip = new Set(NOT_DIGESTED.filter((t) => !t.columns).map((t) => t.table));
  const minus = new Map(NOT_DIGESTED.filter((t) => t.columns).map((t) => [t.table, t.columns!]));
  const { rows } = await pool.query<{ t: string }>(
    `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS t
       FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema', 'graphile_worker')
      ORDER BY 1`,
  );
  const out = new Map<string, string>();
  for (const { t } of rows) {
    if (skip.has(t)) continue;
    const row = `(to_jsonb(x)${(minus.get(t) ?? []).map((c) => ` - '${c}'`).join('')})::text`;
    const r = await pool.query<{ n: string; h: string }>(
      `SELECT count(*)::text AS n, coalesce(md5(string_agg(md5(${row}), '' ORDER BY md5(${row}))), '') AS h FROM ${t} x`,
    );
    out.set(t, `${r.rows[0]!.n}:${r.rows[0]!.h}`);
  }
  return out;
}

/** Tables whose digest differs, with row counts before -> after. */
export function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [t, v] of after) {
    const b = before.get(t);
    if (b !== v) out.push(`${t} ${b?.split(':')[0] ?? 'new'} -> ${v.split(':')[0]} rows`);
  }
  return out;
}
