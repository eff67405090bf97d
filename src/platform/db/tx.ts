import type pg from 'pg';
import type { Pool, Queryable } from './pool.ts';

export type Tx = Queryable & { readonly inTransaction: true };

export interface TxOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
  /** Retries on serialization failure / deadlock (SQLSTATE 40001, 40P01). */
  retries?: number;
}

const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Runs `work` in one database transaction: commit when it resolves, roll back when it throws.
 * Every service that writes takes the `Tx` it hands out, so a caller can group several services
 * (a business row, its ledger transfer, its audit record, its job) into one atomic change.
 */
export async function withTx<T>(
  pool: Pool,
  work: (tx: Tx) => Promise<T>,
  options: TxOptions = {},
): Promise<T> {
  const attempts = 1 + (options.retries ?? 2);
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query(
        options.isolation ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}` : 'BEGIN',
      );
      const tx = Object.assign(client as pg.PoolClient & { inTransaction: true }, {
        inTransaction: true as const,
      });
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch {
        broken = true;
      }
      const code = (error as { code?: string }).code;
      if (attempt < attempts && code !== undefined && RETRYABLE.has(code)) continue;
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
