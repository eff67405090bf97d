import type { DemoSeeder } from '../demo/seed.ts';
import type { AppContext } from '../platform/context.ts';
import { setAcquiringGateway } from './acquiring/gateway.ts';
import { HttpAcquiringGateway } from './acquiring/http-gateway.ts';
import { startAcquiringSimulator } from './acquiring-simulator/simulator.ts';
import { upsertMerchant } from './merchants.ts';

export const DEMO_MERCHANT_TOKEN = 'demo-merchant-token';
export const DEMO_CALLBACK_SECRET = 'demo-callback-secret';

/** The demo merchant of the sample page (needs the lending products: BNPL3). */
export const bnplDemoSeeder: DemoSeeder = {
  name: 'bnpl: demo merchant (token demo-merchant-token)',
  async seed(tx, ctx) {
    const { rowCount } = await tx.query(`SELECT 1 FROM bnpl.merchants WHERE code = 'demo'`);
    if (rowCount) return;
    await upsertMerchant(tx, ctx.cipher, {
      code: 'demo',
      name: 'Демо-магазин авиабилетов',
      token: DEMO_MERCHANT_TOKEN,
      callbackSecret: DEMO_CALLBACK_SECRET,
    });
  },
};

/**
 * The demo's acquirer (development, no BNPL_ACQUIRING_URL): the loopback simulator, reached
 * through the same HTTP adapter a real acquirer is.
 */
export async function startBnplAcquiring(ctx: AppContext): Promise<{ close(): Promise<void> } | undefined> {
  if (ctx.config.bnplAcquiringUrl) return undefined;
  if (ctx.config.mode !== 'development') return undefined;
  const sim = await startAcquiringSimulator();
  setAcquiringGateway(new HttpAcquiringGateway(sim.url));
  ctx.log.info(`bnpl: acquiring simulator on ${sim.url}`);
  return sim;
}
