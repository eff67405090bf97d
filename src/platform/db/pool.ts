import pg from 'pg';

/**
 * Kopek's pools read int8 as bigint and numeric as exact text, so money and 18-digit ids never
 * pass through a JS number. Set per pool, not globally: libraries sharing the process (the job
 * queue) keep the driver's defaults.
 */
const kopekTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8) return (text: string) => BigInt(text);
    if (oid === pg.types.builtins.NUMERIC) return (text: string) => text;
    if (oid === 1016 /* int8[] */) return parseInt8Array;
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/** `{1,2,NULL}` -> [1n, 2n, null]; int8 arrays are one-dimensional lists of digits here. */
function parseInt8Array(text: string): (bigint | null)[] {
  const inner = text.slice(1, -1);
  return inner === '' ? [] : inner.split(',').map((v) => (v === 'NULL' ? null : BigInt(v)));
}

export type Pool = pg.Pool;

/** Anything that runs a query: the pool itself or a client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string,
    values?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** A named statement (`{name, text, values}`): each connection plans it once — for hot paths. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>>;
}

export function createPool(
  connectionString: string,
  max: number,
  options: { applicationName?: string; driverTypes?: boolean } = {},
): Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: options.applicationName ?? 'kopek',
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Libraries with their own expectations of row types (the job queue) keep the driver's.
    ...(options.driverTypes ? {} : { types: kopekTypes }),
  });
  // A client losing its server (restart, network) must not crash the process: idle clients
  // report through the pool, checked-out ones through their own 'error' event; the query in
  // flight fails on its own and the pool replaces the client.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}
