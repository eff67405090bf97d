import type { AppContext } from '../platform/context.ts';
import { setSmsGateway } from './gateway.ts';
import { HttpSmsGateway } from './http-gateway.ts';
import { startSmsSimulator } from './sms-simulator.ts';

/**
 * The demo's SMS operator (development, no SMS_GATEWAY_URL): the loopback simulator, reached
 * through the same HTTP adapter a real operator is. The texts stay readable with the demo CLIs
 * (`kopek broker sms`, `kopek bnpl sms`, `kopek wallet last-sms`), which read the outbox.
 */
export async function startSmsOperator(ctx: AppContext): Promise<{ close(): Promise<void> } | undefined> {
  if (ctx.config.smsGatewayUrl || ctx.config.mode !== 'development') return undefined;
  const sim = await startSmsSimulator();
  setSmsGateway(new HttpSmsGateway(sim.url));
  ctx.log.info(`notify: SMS operator simulator on ${sim.url}`);
  return {
    async close() {
      setSmsGateway(undefined);
      await sim.close();
    },
  };
}
