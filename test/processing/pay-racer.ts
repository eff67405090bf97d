/**
 * A second Kopek process for race tests: serves the processing face on its own pool and fires
 * `count` parallel pays of `amount` at `startAt` (epoch ms), each with its own agentTransactionId;
 * prints the result codes it got.
 */
import { randomBytes } from 'node:crypto';
import { processingFace } from '../../src/faces/processing/face.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { FieldCipher } from '../../src/platform/crypto.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logging.ts';
import { createMetrics } from '../../src/platform/metrics.ts';

const [url, token, count, amount, startAt, tag] = process.argv.slice(2);
const n = Number(count);
const pool = createPool(url!, 10);
const dataKey = randomBytes(32);
const ctx: AppContext = {
  config: { ...loadConfig({ KOPEK_ENV: 'test', DATABASE_URL: url }), dataDir: '/nonexistent' },
  pool,
  log: createLogger('silent'),
  secrets: { dataKey, sessionSecret: randomBytes(32).toString('hex') },
  cipher: new FieldCipher(dataKey),
  metrics: createMetrics(pool),
};
const app = await buildServer(ctx, [processingFace]);
await Promise.all(Array.from({ length: 10 }, () => pool.query('SELECT 1')));
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
const results: Record<string, number> = {};
await Promise.all(
  Array.from({ length: n }, async (_, i) => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v20/pay',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: JSON.stringify({
        serviceId: 'P1011',
        account: '7770017711',
        agentTransactionId: `${tag}${String(i).padStart(4, '0')}`,
        agentTransactionDate: '2026-01-01T10:00:00',
        amountTo: amount,
        amountFrom: amount,
      }),
    });
    const result = String((res.json() as { result: number }).result);
    results[result] = (results[result] ?? 0) + 1;
  }),
);
await app.close();
await pool.end();
process.stdout.write(JSON.stringify(results));
