/**
 * `node --import tsx bench/cob/explain.ts [loans]`: generates loans like the bench and prints the
 * plan of one COB chunk (EXPLAIN ANALYZE, rolled back), to check that a chunk reads only its own
 * range of loans and schedule lines, which is what keeps close of business linear.
 */
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { withCleanup } from '../lib/cleanup.ts';
import { openServer, scratchDatabase } from '../lib/postgres.ts';
import { generateLoans } from './generate.ts';

const loans = Number(process.argv[2] ?? 200_000);
await withCleanup(async (cleanup) => {
  const server = await openServer('cob-explain', cleanup, true);
  const pool = createPool(await scratchDatabase(server, `kopek_cob_explain_${process.pid}`, cleanup), 2);
  cleanup.push(() => pool.end());
  await migrate(pool);
  await generateLoans(pool, loans, '2026-06-15', (line) => console.log(line));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM lending.accrue('2026-06-15', 1000050000, 1000099999)`,
    );
    for (const r of rows) console.log(r['QUERY PLAN']);
    await client.query("LOAD 'auto_explain'").catch(() => undefined);
    const plan = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT * FROM lending.accrual_calc('2026-06-15', 1000050000, 1000099999)`,
    );
    for (const r of plan.rows) console.log(r['QUERY PLAN']);
    await client.query('ROLLBACK');
  } finally {
    client.release();
  }
});
