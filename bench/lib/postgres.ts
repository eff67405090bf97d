/** The PostgreSQL side of a bench: a server, scratch databases, pgbench. */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/platform/db/embedded.ts';
import type { Queryable } from '../../src/platform/db/pool.ts';
import { freePort, type Steps } from './common.ts';

export interface Server {
  /** A URL whose user may create databases. */
  adminUrl: string;
  /** The embedded postmaster's pid (to tell its CPU use from other processes'); undefined when external. */
  serverPid: number | undefined;
  admin: pg.Client;
  postgresVersion: string;
}

/**
 * BENCH_DATABASE_URL, or a throwaway embedded server in a temp dir (`kopek-bench-<name>-*`) on a
 * free port; connected as admin. Everything is undone by `cleanup`.
 */
export async function openServer(name: string, cleanup: Steps, quiet = false): Promise<Server> {
  let adminUrl = process.env.BENCH_DATABASE_URL;
  let serverPid: number | undefined;
  if (adminUrl) console.log('PostgreSQL from BENCH_DATABASE_URL');
  else {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), `kopek-bench-${name}-`));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const server = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      settings: statementSettings(),
      ...(quiet ? {} : { log: (line: string) => console.log(line) }),
    });
    cleanup.push(() => server.stop());
    adminUrl = server.adminUrl;
    // embedded.ts keeps the cluster in <dataDir>/pg; postmaster.pid starts with the server's pid.
    const pid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    serverPid = Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  cleanup.push(() => admin.end());
  const { rows } = await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  return { adminUrl, serverPid, admin, postgresVersion: rows[0]!.v };
}

/**
 * After a bench's warm-up, before its measured phases: `ANALYZE` of the bench database (`db`),
 * then `CHECKPOINT` (`admin`). Tables that started empty (payments, sessions, forms) get the
 * statistics autovacuum keeps current on a running system; without them, plans cached while a
 * table was empty stay — the foreign-key check of every Моя МФО pay scanned lending.payments
 * sequentially (0.4 ms a pay, twice the database's time), until autovacuum came by within a
 * minute or not, which made runs differ twofold.
 */
export async function afterWarmUp(db: Queryable, admin: Queryable): Promise<void> {
  await db.query('ANALYZE');
  await admin.query('CHECKPOINT');
}

/**
 * `BENCH_STATEMENTS=1`: the embedded server loads pg_stat_statements, and the benches that call
 * `statementsReset` / `printStatements` around a phase print its 25 costliest statements (time,
 * rows, buffers, WAL) — where PostgreSQL's time per request goes, without a separate server.
 * `BENCH_PG_SETTINGS="name=value ..."` adds server settings (auto_explain, for one).
 */
function statementSettings(): Record<string, string> {
  const extra = (process.env.BENCH_PG_SETTINGS ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((s) => [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] as const)
    .filter(([name]) => name !== '');
  return {
    ...(process.env.BENCH_STATEMENTS
      ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' }
      : {}),
    ...Object.fromEntries(extra),
  };
}

export async function statementsReset(db: Queryable): Promise<void> {
  if (!process.env.BENCH_STATEMENTS) return;
  await db.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await db.query('SELECT pg_stat_statements_reset()');
}

export async function printStatements(db: Queryable, phase: string): Promise<void> {
  if (!process.env.BENCH_STATEMENTS) return;
  const { rows } = await db.query(
    `SELECT calls, round(total_exec_time::numeric) AS total_ms, round((total_exec_time / calls)::numeric, 3) AS ms,
       rows, shared_blks_hit AS hit, shared_blks_read AS read, shared_blks_dirtied AS dirtied, wal_fpi,
       wal_bytes, left(regexp_replace(query, '\\s+', ' ', 'g'), 100) AS query
     FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25`,
  );
  console.log(`\n${phase}: the costliest statements (pg_stat_statements)`);
  console.table(rows);
}

/** Creates database `name` (dropped by `cleanup`, connections forced out) and returns its URL. */
export async function scratchDatabase(server: Server, name: string, cleanup: Steps): Promise<string> {
  const ident = server.admin.escapeIdentifier(name);
  await server.admin.query(`CREATE DATABASE ${ident}`);
  cleanup.push(() => server.admin.query(`DROP DATABASE IF EXISTS ${ident} WITH (FORCE)`));
  return databaseUrl(server.adminUrl, name);
}

/** The admin URL pointed at another database on the same server. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Runs pgbench against `url` (password through PGPASSWORD, not the command line; binary from
 * PGBENCH or the PATH) and resolves with its stdout. Progress lines (-P) go to stderr and are
 * shown as they come when `showProgress`.
 */
export function pgbench(url: string, args: string[], showProgress = false): Promise<string> {
  const u = new URL(url);
  const env = {
    ...process.env,
    PGHOST: u.hostname,
    PGPORT: u.port || '5432',
    PGUSER: decodeURIComponent(u.username),
    PGPASSWORD: decodeURIComponent(u.password),
    PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
  };
  const binary = process.env.PGBENCH ?? 'pgbench';
  return new Promise((resolve, reject) => {
    const p = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    p.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (showProgress) process.stderr.write(chunk);
    });
    p.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'ENOENT' ? ' (install postgresql-client, or set PGBENCH)' : '';
      reject(new Error(`cannot run ${binary}${hint}: ${error.message}`));
    });
    p.once('close', (code) => {
      if (code === 0) return resolve(stdout);
      const output = `${stderr}${stdout}`.slice(-4000);
      reject(new Error(`pgbench ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}

/** `tps = 1234.5 (without initial connection time)`; before PostgreSQL 14, `(excluding connections establishing)`. */
export function pgbenchTps(output: string): number {
  const match =
    /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(output);
  if (!match) throw new Error(`no TPS line in pgbench's output:\n${output}`);
  return Number(match[1]);
}
