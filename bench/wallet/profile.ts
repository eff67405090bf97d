/**
 * `node --import tsx bench/wallet/profile.ts [callers] [seconds] [shards]`: the wallet's create +
 * pay in-process (domain functions, no HTTP), from `callers` concurrent loops (default 64) on as
 * many wallets, for `seconds` (default 5): payments/s, statements and explicit transactions per
 * payment, and how the claim/settle batches formed. Separates the database's share of a payment
 * from the HTTP stack's; each statement's mean time (with 1 caller: its own cost).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { move, transfer } from '../../src/ledger/index.ts';
import { settlementAccount } from '../../src/ledger/system-accounts.ts';
import { loadConfig } from '../../src/platform/config.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { FieldCipher } from '../../src/platform/crypto.ts';
import { startEmbeddedPostgres } from '../../src/platform/db/embedded.ts';
import { migrate } from '../../src/platform/db/migrate.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { createLogger } from '../../src/platform/logging.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { importServices, readCatalogFile } from '../../src/processing/catalog.ts';
import { DEMO_CATALOG_FILE, pointDemoServicesAt } from '../../src/processing/demo.ts';
import { payBatchStats } from '../../src/processing/pay.ts';
import { readSimulatorConfig } from '../../src/processing/simulator/behaviour.ts';
import { startSimulator } from '../../src/processing/simulator/server.ts';
import { ensureWalletAgents } from '../../src/wallet/demo.ts';
import { payPayment, walletPayBatchStats } from '../../src/wallet/pay.ts';
import { createPayment } from '../../src/wallet/payments.ts';
import { insertWallet, type Wallet } from '../../src/wallet/wallets.ts';
import { freePort } from '../lib/common.ts';

const callers = Number(process.argv[2] ?? 64);
const seconds = Number(process.argv[3] ?? 5);
const shards = Number(process.argv[4] ?? 1);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-wallet-profile-'));
const server = await startEmbeddedPostgres({ dataDir, port: await freePort() });
const simulator = await startSimulator({ config: readSimulatorConfig() });
try {
  const env = {
    KOPEK_ENV: 'test',
    DATABASE_URL: server.adminUrl,
    WALLET_AGENT_SHARDS: String(shards),
  };
  const pool = createPool(server.adminUrl, 40);
  const dataKey = randomBytes(32);
  const ctx: AppContext = {
    config: loadConfig(env),
    pool,
    log: createLogger('silent'),
    secrets: { dataKey, sessionSecret: randomBytes(32).toString('hex') },
    cipher: new FieldCipher(dataKey),
    metrics: createMetrics(pool),
  };
  await migrate(pool);
  const { migrateQueue } = await import('../../src/jobs/queue.ts');
  await migrateQueue(server.adminUrl);
  await withTx(pool, async (tx) => {
    await importServices(tx, readCatalogFile(DEMO_CATALOG_FILE));
    await ensureWalletAgents(tx, 'wallet', shards, 10n ** 15n);
  });
  await pointDemoServicesAt(pool, simulator.url);
  const wallets: Wallet[] = await withTx(pool, async (tx) => {
    const settlement = await settlementAccount(tx, 'RUB');
    const out: Wallet[] = [];
    for (let i = 0; i < callers; i++) {
      const w = await insertWallet(tx, ctx, `+7901${String(i).padStart(7, '0')}`, 'x', { activate: true });
      await transfer(tx, {
        key: `profile:${w.id}`,
        kind: 'bench.topup',
        entries: move(settlement.id, w.accountId, 10n ** 12n),
      });
      out.push(w);
    }
    return out;
  });
  const body = () => ({
    type: 'out',
    client_payment_id: randomUUID(),
    amount: 1,
    service: 1,
    parameters: { phoneNumber: '9267101280' },
  });
  const once = async (w: Wallet) => {
    const p = await createPayment(ctx, w, body());
    const paid = await payPayment(ctx, w, String(p.id));
    if (paid.state !== 'finished') throw new Error(`payment ${p.id}: ${paid.state}`);
  };
  await Promise.all(wallets.map((w) => once(w))); // warm caches and named statements

  // Counted on the pg client (every statement, also inside transactions); timed on the pool.
  const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
  const original = proto.query;
  let statements = 0;
  let transactions = 0;
  proto.query = function (this: unknown, ...a: unknown[]) {
    const q = a[0] as string | { text?: string };
    statements++;
    if (/^\s*BEGIN/i.test(typeof q === 'string' ? q : String(q?.text))) transactions++;
    return original.apply(this, a);
  };
  const times = new Map<string, { n: number; ms: number }>();
  const poolQuery = pool.query.bind(pool) as (...a: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: unknown }).query = async (...a: unknown[]) => {
    const q = a[0] as string | { text?: string };
    const text = (typeof q === 'string' ? q : String(q?.text)).replace(/\s+/g, ' ').slice(0, 70);
    const t = performance.now();
    try {
      return await poolQuery(...a);
    } finally {
      const s = times.get(text) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += performance.now() - t;
      times.set(text, s);
    }
  };
  let payments = 0;
  const until = Date.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    wallets.map(async (w) => {
      while (Date.now() < until) {
        await once(w);
        payments++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  proto.query = original;
  console.log(
    `${callers} callers, ${shards} agent(s): ${Math.round(payments / elapsed)} payments/s; ` +
      `${(statements / payments).toFixed(2)} statements and ${(transactions / payments).toFixed(2)} explicit transactions per payment`,
  );
  console.log('wallet batches', JSON.stringify(walletPayBatchStats(ctx)));
  console.log('processing batches', JSON.stringify(payBatchStats(ctx)));
  // Under concurrency a statement's time includes its wait for a pool connection and locks.
  for (const [text, s] of [...times].sort((a, b) => b[1].ms - a[1].ms))
    console.log(`${(s.ms / s.n).toFixed(2)} ms × ${(s.n / payments).toFixed(2)}  ${text}`);
  await pool.end();
} finally {
  await simulator.close();
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
