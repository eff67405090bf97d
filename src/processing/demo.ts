import path from 'node:path';
import type { DemoSeeder } from '../demo/seed.ts';
import { type Actor, audit } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { adjustBalance, createAgent, findAgent } from './agents.ts';
import { importServices, readCatalogFile } from './catalog.ts';
import { changeToken, createToken } from './credentials.ts';
import { readSimulatorConfig } from './simulator/behaviour.ts';
import { type Simulator, startSimulator } from './simulator/server.ts';

export const DEMO_CATALOG_FILE = path.resolve(
  import.meta.dirname,
  '../../data/processing/demo-services.json',
);
export const DEMO_AGENT_LOGIN = 'demo';
export const DEMO_AGENT_TOKEN = 'demo-agent-token';
/** Demo services are marked by this provider login, so the simulator's address can be set on them. */
export const DEMO_PROVIDER_LOGIN = 'kopek-demo';

const DEMO_ACTOR: Actor = { type: 'system', id: 'demo' };

/** The demo catalogue and the demo agent: KZT, 1 000 000.00 on balance, overdraft 0, token confirmed. */
export const processingSeeder: DemoSeeder = {
  name: 'processing: demo services, agent "demo" with token demo-agent-token',
  async seed(tx) {
    await importServices(tx, readCatalogFile(DEMO_CATALOG_FILE));
    const exists = await tx.query('SELECT 1 FROM processing.agents WHERE login = $1', [DEMO_AGENT_LOGIN]);
    if (exists.rowCount) return;
    const agent = await createAgent(
      tx,
      {
        login: DEMO_AGENT_LOGIN,
        name: 'Демо-агент',
        currency: 'KZT',
        overdraft: 0n,
        notification: 10_000_000n,
      },
      DEMO_ACTOR,
    );
    const token = await createToken(tx, agent, DEMO_ACTOR, { token: DEMO_AGENT_TOKEN });
    await changeToken(tx, token.id, 'confirm', DEMO_ACTOR);
    await adjustBalance(
      tx,
      await findAgent(tx, DEMO_AGENT_LOGIN),
      { amount: 100_000_000n, kind: 'topup', reason: 'демо: начальный баланс', key: 'processing:demo:topup' },
      DEMO_ACTOR,
    );
  },
};

/** Points the demo services at a simulator's address (a data change, as for any provider). */
export async function pointDemoServicesAt(db: Queryable, baseUrl: string): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE processing.services
     SET provider = jsonb_set(provider, '{url}', to_jsonb($1 || '/osmp/' || id)), updated_at = now()
     WHERE provider->>'login' = $2`,
    [baseUrl, DEMO_PROVIDER_LOGIN],
  );
  return rowCount ?? 0;
}

/**
 * Development and demo only: the provider simulator on a free loopback port, with the demo
 * services pointed at it. Never in production or tests.
 */
export async function startDemoSimulator(ctx: AppContext): Promise<Simulator | undefined> {
  if (ctx.config.mode !== 'development') return undefined;
  const simulator = await startSimulator({ config: readSimulatorConfig() });
  const count = await pointDemoServicesAt(ctx.pool, simulator.url);
  await audit(ctx.pool, {
    actor: DEMO_ACTOR,
    action: 'processing.demo.simulator',
    subjectType: 'provider_simulator',
    subjectId: simulator.url,
    details: { services: count },
  });
  ctx.log.info(`processing: provider simulator on ${simulator.url}, ${count} demo services use it`);
  return simulator;
}
