import { walletFace } from '../../src/faces/wallet/face.ts';
import { smsTextById } from '../../src/notify/outbox.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { hashPassword } from '../../src/platform/crypto.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { stringifyJson } from '../../src/platform/json.ts';
import { importServices, readCatalogFile } from '../../src/processing/catalog.ts';
import { DEMO_CATALOG_FILE, pointDemoServicesAt } from '../../src/processing/demo.ts';
import { readSimulatorConfig } from '../../src/processing/simulator/behaviour.ts';
import { type Simulator, startSimulator } from '../../src/processing/simulator/server.ts';
import { latestCodeSms } from '../../src/wallet/codes.ts';
import { ensureWalletAgents } from '../../src/wallet/demo.ts';
import { insertWallet, type Wallet } from '../../src/wallet/wallets.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';

export interface WalletWorld {
  db: TestDatabase;
  ctx: AppContext;
  app: FaceApp;
  simulator: Simulator;
  close(): Promise<void>;
}

/** A fresh database: the demo catalogue on a simulator of this test's own, the wallet agent, the face. */
export async function walletWorld(
  options: { poolSize?: number; agentFloat?: bigint } = {},
): Promise<WalletWorld> {
  const db = await testDatabase(options);
  const simulator = await startSimulator({ config: readSimulatorConfig() });
  await withTx(db.ctx.pool, async (tx) => {
    await importServices(tx, readCatalogFile(DEMO_CATALOG_FILE));
    await ensureWalletAgents(tx, db.ctx.config.walletAgentLogin, 1, options.agentFloat);
  });
  await pointDemoServicesAt(db.ctx.pool, simulator.url);
  const app = await buildServer(db.ctx, [walletFace]);
  return {
    db,
    ctx: db.ctx,
    app,
    simulator,
    async close() {
      await app.close();
      await simulator.close();
      await db.close();
    },
  };
}

// A random start per process plus a counter: unique within a test database however many
// wallets one millisecond makes (the clock-based number collided at 10 in one millisecond).
let phoneSeq = Math.floor(Math.random() * 9_000_000);
/** A fresh phone number in international format. */
export function newPhone(): string {
  phoneSeq = (phoneSeq + 1) % 10_000_000;
  return `+7916${String(phoneSeq).padStart(7, '0')}`;
}

/** An active wallet (dev mode: 10 000 roubles), made directly (the API path has its own tests). */
export async function activeWallet(
  ctx: AppContext,
  password = 'secret-1',
): Promise<{ wallet: Wallet; phone: string; password: string }> {
  const phone = newPhone();
  const hash = await hashPassword(password);
  const wallet = await withTx(ctx.pool, (tx) => insertWallet(tx, ctx, phone, hash, { activate: true }));
  return { wallet, phone, password };
}

export function basic(phone: string, password: string): string {
  return `Basic ${Buffer.from(`${phone}:${password}`).toString('base64')}`;
}

export interface Answer {
  status: number;
  json: { meta: Record<string, unknown>; data?: unknown } & Record<string, unknown>;
  text: string;
  cookie?: string;
}

/** One request to the face, as the document's curl lines send them. */
export async function call(
  app: FaceApp,
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH',
  url: string,
  options: { auth?: string; cookie?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.auth) headers.authorization = options.auth;
  if (options.cookie) headers.cookie = options.cookie;
  if (options.body !== undefined && headers['content-type'] === undefined)
    headers['content-type'] = 'application/json';
  const res = await app.inject({
    method,
    url,
    headers,
    ...(options.body !== undefined
      ? { payload: typeof options.body === 'string' ? options.body : stringifyJson(options.body) }
      : {}),
  });
  const setCookie = res.headers['set-cookie'];
  const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return {
    status: res.statusCode,
    json: res.body ? (JSON.parse(res.body) as Answer['json']) : ({ meta: {} } as Answer['json']),
    text: res.body,
    ...(first ? { cookie: first.split(';')[0] } : {}),
  };
}

/** The code of the latest SMS of a wallet, read from the outbox (decrypted). */
export async function lastCode(
  ctx: AppContext,
  walletId: bigint,
  purpose: 'activation' | 'password_reset',
): Promise<string> {
  const id = await latestCodeSms(ctx.pool, walletId, purpose);
  if (id === undefined) throw new Error('no SMS');
  const text = (await smsTextById(ctx.pool, ctx, id)) ?? '';
  const m = /(\d{6})/.exec(text);
  if (!m) throw new Error(`no code in «${text}»`);
  return m[1]!;
}

/** Polls until `done` or the budget runs out (the machine may be loaded). */
export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (v: T) => boolean,
  budgetMs = 20_000,
): Promise<T> {
  const until = Date.now() + budgetMs;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
