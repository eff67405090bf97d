/**
 * A separate OS process for race tests: at `startAt` (epoch ms) fires `count` parallel repayments
 * of `amount` kopecks on one deal on business date `date`, and prints how many were new.
 */
import { repay } from '../../src/lending/repayments/repay.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';

const [url, deal, count, amount, date, startAt, tag] = process.argv.slice(2);
const pool = createPool(url!, Number(count));
await Promise.all(Array.from({ length: Number(count) }, () => pool.query('SELECT 1')));
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const results = await Promise.all(
  Array.from({ length: Number(count) }, (_, i) =>
    withTx(pool, (tx) =>
      repay(
        tx,
        { deal: BigInt(deal!), amount: BigInt(amount!), service: 'race', txnId: `${tag}:${i}`, date: date! },
        { type: 'system', id: `racer-${tag}` },
      ),
    ),
  ),
);
await pool.end();
process.stdout.write(JSON.stringify({ created: results.filter((r) => !r.replayed).length }));
