/**
 * An SMS gateway: one call that hands a message to the operator. Kept small and free of broker
 * types so the notify module can take it over. The domain code never knows which gateway runs.
 */
export interface SmsGateway {
  send(message: { phone: string; text: string }): Promise<{ gatewayId: string }>;
}

/**
 * The demo and test gateway: keeps what it "sent" in memory (newest last) and never fails.
 * The outbox table is the durable record; this only stands in for the operator.
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

let gateway: SmsGateway = new SimulatedSmsGateway();

/** The process's gateway; a real operator's adapter is installed here at start. */
export function smsGateway(): SmsGateway {
  return gateway;
}

export function setSmsGateway(next: SmsGateway): void {
  gateway = next;
}
