/**
 * A separate OS process for race tests: fires `count` parallel transfers of `amount` from one
 * account to another at `startAt` (epoch ms) and prints how many succeeded and were refused.
 */
import { move, transfer } from '../../src/ledger/index.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { AppError } from '../../src/platform/errors.ts';

const [url, from, to, count, amount, startAt, tag] = process.argv.slice(2);
const pool = createPool(url!, Number(count));
// Open the connections first, so the race starts together.
await Promise.all(Array.from({ length: Number(count) }, () => pool.query('SELECT 1')));
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
let ok = 0;
let refused = 0;
await Promise.all(
  Array.from({ length: Number(count) }, async (_, i) => {
    try {
      await transfer(pool, {
        key: `race:${tag}:${i}`,
        kind: 'test.race',
        entries: move(BigInt(from!), BigInt(to!), BigInt(amount!)),
      });
      ok++;
    } catch (error) {
      if (error instanceof AppError && error.code === 'ledger.insufficient_funds') refused++;
      else throw error;
    }
  }),
);
await pool.end();
process.stdout.write(JSON.stringify({ ok, refused }));
