import { randomUUID } from 'node:crypto';
import { processingFace } from '../../src/faces/processing/face.ts';
import { CLI_ACTOR } from '../../src/platform/audit.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { stringifyJson } from '../../src/platform/json.ts';
import { type Agent, adjustBalance, createAgent, findAgent } from '../../src/processing/agents.ts';
import { importServices, readCatalogFile } from '../../src/processing/catalog.ts';
import { changeToken, createToken } from '../../src/processing/credentials.ts';
import { DEMO_CATALOG_FILE, pointDemoServicesAt } from '../../src/processing/demo.ts';
import { readSimulatorConfig } from '../../src/processing/simulator/behaviour.ts';
import { type Simulator, startSimulator } from '../../src/processing/simulator/server.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';

export interface ProcessingWorld {
  db: TestDatabase;
  ctx: AppContext;
  app: FaceApp;
  simulator: Simulator;
  close(): Promise<void>;
}

/** A fresh database with the demo catalogue pointed at a simulator of this test's own, and the face. */
export async function processingWorld(options: { poolSize?: number } = {}): Promise<ProcessingWorld> {
  const db = await testDatabase(options);
  const simulator = await startSimulator({ config: readSimulatorConfig() });
  await withTx(db.ctx.pool, (tx) => importServices(tx, readCatalogFile(DEMO_CATALOG_FILE)));
  await pointDemoServicesAt(db.ctx.pool, simulator.url);
  const app = await buildServer(db.ctx, [processingFace]);
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

export interface TestAgent {
  agent: Agent;
  token: string;
  tokenId: bigint;
}

/** An agent with a confirmed token and `balance` (minor units) topped up; 0 leaves it never topped up. */
export async function testAgent(
  ctx: AppContext,
  options: {
    balance?: bigint;
    overdraft?: bigint;
    notification?: bigint;
    currency?: string;
    webhookUrl?: string;
  } = {},
): Promise<TestAgent> {
  const login = `a${randomUUID().slice(0, 8)}`;
  return withTx(ctx.pool, async (tx) => {
    const agent = await createAgent(
      tx,
      {
        login,
        name: `Агент ${login}`,
        currency: options.currency ?? 'KZT',
        overdraft: options.overdraft ?? 0n,
        notification: options.notification ?? 0n,
        webhookUrl: options.webhookUrl ?? null,
      },
      CLI_ACTOR,
    );
    const t = await createToken(tx, agent, CLI_ACTOR);
    await changeToken(tx, t.id, 'confirm', CLI_ACTOR);
    const balance = options.balance ?? 100_000_000n;
    if (balance > 0n)
      await adjustBalance(tx, agent, { amount: balance, kind: 'topup', reason: 'test' }, CLI_ACTOR);
    return { agent: await findAgent(tx, login), token: t.token, tokenId: t.id };
  });
}

/** POST /api/v20/<method> as an agent would: JSON body (text as given, or serialized losslessly). */
export async function call(
  app: FaceApp,
  token: string | undefined,
  method: string,
  body?: unknown,
  options: { ip?: string; headers?: Record<string, string> } = {},
) {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v20/${method}`,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...options.headers,
    },
    ...(options.ip ? { remoteAddress: options.ip } : {}),
    payload: body === undefined ? '' : typeof body === 'string' ? body : stringifyJson(body),
  });
  return { status: res.statusCode, text: res.body, json: res.json() as Record<string, unknown> };
}

let nextTxn = BigInt(Date.now()) * 1000n;
/** A fresh agentTransactionId. */
export function txnId(): bigint {
  nextTxn += 1n;
  return nextTxn;
}

export function payBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    serviceId: 'P1011',
    account: '7770017711',
    agentTransactionId: txnId(),
    agentTransactionDate: '2015-02-17T16:48:37',
    amountTo: '200.00',
    amountFrom: '200.00',
    ...overrides,
  };
}

/** Count of rows in a table matching a condition, for "nothing written" assertions. */
export async function count(ctx: AppContext, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await ctx.pool.query<{ n: bigint }>(`SELECT count(*)::bigint AS n FROM ${sql}`, params);
  return Number(rows[0]!.n);
}
