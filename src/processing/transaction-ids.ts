import type { Pool } from '../platform/db/pool.ts';

const BLOCK = 100;

interface Block {
  ids: bigint[];
  pending: Promise<void> | undefined;
}

const blocks = new WeakMap<Pool, Block>();

/**
 * A transactionId for a check: from the sequence pays use too, reserved a hundred at a time per
 * process (one round trip instead of one per check). Unique across processes; the gaps a
 * restart leaves are harmless, since a check's id is only an answer, never a key.
 */
export async function nextTransactionId(pool: Pool): Promise<bigint> {
  let block = blocks.get(pool);
  if (!block) {
    block = { ids: [], pending: undefined };
    blocks.set(pool, block);
  }
  while (block.ids.length === 0) {
    block.pending ??= pool
      .query<{ id: bigint }>(
        `SELECT nextval('processing.transaction_id_seq') AS id FROM generate_series(1, $1)`,
        [BLOCK],
      )
      .then(({ rows }) => {
        block.ids.push(...rows.map((r) => r.id));
      })
      .finally(() => {
        block.pending = undefined;
      });
    await block.pending;
  }
  return block.ids.shift()!;
}
