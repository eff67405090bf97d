import { bnplDemoSeeder } from '../bnpl/demo.ts';
import { brokerDemoSeeder } from '../broker/demo.ts';
import { refreshSortBalances } from '../ledger/sort-balances.ts';
import { CURRENCIES, settlementAccount } from '../ledger/system-accounts.ts';
import { lendingDealsSeeder } from '../lending/deals-demo.ts';
import { lendingProductsSeeder } from '../lending/products-demo.ts';
import { mymfoSeeder } from '../mymfo/demo.ts';
import { mymfoPaymentsSeeder } from '../mymfo/payments/processing-link.ts';
import type { AppContext } from '../platform/context.ts';
import type { Tx } from '../platform/db/tx.ts';
import { withTx } from '../platform/db/tx.ts';
import { processingSeeder } from '../processing/demo.ts';
import { staffSeeder } from '../staff/demo.ts';
import { walletSeeder } from '../wallet/demo.ts';

/** A module's part of the demo data set. Each step is idempotent: seeding twice changes nothing. */
export interface DemoSeeder {
  name: string;
  seed(tx: Tx, ctx: AppContext): Promise<void>;
}

const SEEDERS: DemoSeeder[] = [
  {
    name: 'ledger: settlement accounts',
    async seed(tx) {
      for (const currency of CURRENCIES) await settlementAccount(tx, currency);
    },
  },
  processingSeeder,
  lendingProductsSeeder,
  lendingDealsSeeder,
  staffSeeder,
  brokerDemoSeeder,
  mymfoSeeder,
  bnplDemoSeeder,
  mymfoPaymentsSeeder,
  walletSeeder,
];

export async function isDemoSeeded(ctx: AppContext): Promise<boolean> {
  const { rowCount } = await ctx.pool.query(`SELECT 1 FROM platform_meta WHERE key = 'demo_seeded_at'`);
  return rowCount === 1;
}

/** Loads the demo data set in one transaction. */
export async function seedDemo(
  ctx: AppContext,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  await withTx(ctx.pool, async (tx) => {
    // Two processes starting at once must not seed twice.
    await tx.query('SELECT pg_advisory_xact_lock(7265003002)');
    for (const seeder of SEEDERS) {
      log(`demo: ${seeder.name}`);
      await seeder.seed(tx, ctx);
    }
    // The console's sort by balance in order from the first minute (the job refreshes it later).
    await refreshSortBalances(tx);
    await tx.query(
      `INSERT INTO platform_meta (key, value) VALUES ('demo_seeded_at', to_jsonb(now()))
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`,
    );
  });
}
