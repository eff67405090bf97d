import { randomUUID } from 'node:crypto';
import { transferBatch } from '../ledger/index.ts';
import type { AppContext } from '../platform/context.ts';
import { withTx } from '../platform/db/tx.ts';
import { WALLET_CURRENCY } from './accounts.ts';
import { walletAgent } from './processing-gateway.ts';

export const REFILL_JOB = 'wallet:refill_agent';

/**
 * Job `wallet:refill_agent` (every minute): moves what the wallets' posted payments owe the
 * agent's float (their `wallet:<id>:outgoing` balances) to the agent's balance at the processing
 * centre, as one batch of transfers: the agent's row is locked once a minute rather than once per
 * payment. The outgoing accounts' lower bound 0 makes a concurrent second run fail rather than
 * move money twice. Returns the amount moved.
 */
export async function refillAgent(ctx: AppContext, limit = 5_000): Promise<bigint> {
  const { rows } = await ctx.pool.query<{ id: bigint; wallet_id: bigint }>(
    `SELECT id, owner_id::bigint AS wallet_id FROM ledger.accounts
     WHERE kind = 'wallet_outgoing' AND currency = $1 AND balance > 0
     ORDER BY id LIMIT $2`,
    [WALLET_CURRENCY, limit],
  );
  if (rows.length === 0) return 0n;
  // Each wallet refills the agent it pays through (wallet id mod WALLET_AGENT_SHARDS).
  const targets = new Map<bigint, bigint>();
  for (const r of rows) targets.set(r.id, (await walletAgent(ctx, r.wallet_id)).accountId);
  return withTx(ctx.pool, async (tx) => {
    // The balances are read again under the transaction: what a concurrent post added moves too.
    const { rows: balances } = await tx.query<{ id: bigint; balance: bigint }>(
      `SELECT id, balance FROM ledger.accounts WHERE id = ANY($1::bigint[]) AND balance > 0 ORDER BY id`,
      [[...targets.keys()]],
    );
    if (balances.length === 0) return 0n;
    await transferBatch(
      tx,
      balances.map((r) => ({
        key: `wallet:refill:${r.id}:${randomUUID()}`,
        kind: 'wallet.refill_agent',
        entries: [
          { account: r.id, amount: -r.balance },
          { account: targets.get(r.id)!, amount: r.balance },
        ],
      })),
    );
    return balances.reduce((sum, r) => sum + r.balance, 0n);
  });
}
