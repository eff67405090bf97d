import { HttpSmsGateway } from './http-gateway.ts';

/**
 * An SMS gateway: one call that hands a message to the operator and answers the operator's id.
 * The domain code never knows which gateway runs: the real operator over HTTP
 * (`SMS_GATEWAY_URL`) or the simulator.
 */
export interface SmsGateway {
  send(message: { phone: string; text: string }): Promise<{ gatewayId: string }>;
}

/**
 * The demo and test gateway: keeps what it "sent" in memory (newest last) and never fails.
 * The outbox table is the durable record; this only stands in for the operator. The loopback
 * simulator (`sms-simulator.ts`) serves the HTTP adapter's protocol in front of one of these.
 */
export class SimulatedSmsGateway implements SmsGateway {
  readonly sent: { phone: string; text: string; at: Date }[] = [];
  private seq = 0;

  async send(message: { phone: string; text: string }): Promise<{ gatewayId: string }> {
    this.sent.push({ ...message, at: new Date() });
    if (this.sent.length > 1000) this.sent.shift();
    this.seq += 1;
    return { gatewayId: `sim-${this.seq}` };
  }
}

const simulated = new SimulatedSmsGateway();
let installed: SmsGateway | undefined;
let configured: { url: string; gateway: SmsGateway } | undefined;

/**
 * The process's gateway: one installed by `setSmsGateway` (tests), else the HTTP adapter on
 * SMS_GATEWAY_URL, else the in-process simulator (demo, development and tests).
 */
export function smsGateway(config?: { smsGatewayUrl?: string | undefined }): SmsGateway {
  if (installed) return installed;
  const url = config?.smsGatewayUrl;
  if (!url) return simulated;
  if (configured?.url !== url) configured = { url, gateway: new HttpSmsGateway(url) };
  return configured.gateway;
}

/** Installs a gateway for this process (tests); `undefined` goes back to the configured one. */
export function setSmsGateway(next: SmsGateway | undefined): void {
  installed = next;
}
