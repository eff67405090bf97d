import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CardPayoutSimulator {
  /** Base URL for `createHttpCardPayoutGateway`. */
  url: string;
  /** Payouts made, by payout id. */
  paid: ReadonlyMap<string, { deal: string; amount: bigint; ref: string }>;
  close(): Promise<void>;
}

/**
 * A card payout service simulator on loopback, speaking the protocol of `http-card-gateway.ts`:
 * pays every card except tokens ending in "0000" (declined by the issuer) and answers a repeated
 * payout id with its first answer. For the demo, the CLI and tests; the domain code only sees
 * the HTTP gateway.
 */
export async function startCardPayoutSimulator(port = 0): Promise<CardPayoutSimulator> {
  const answers = new Map<string, { status: 'paid' | 'declined'; ref?: string; error?: string }>();
  const paid = new Map<string, { deal: string; amount: bigint; ref: string }>();
  const server = createServer((req, res) => {
    void handle(req, res).catch(() => reply(res, 500, { error: 'internal' }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || !req.url?.endsWith('/payouts'))
      return reply(res, 404, { error: 'not found' });
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as {
      payout_id?: string;
      deal?: string;
      amount?: string;
      card_token?: string;
    };
    if (!body.payout_id || !body.deal || !body.amount || !/^\d+$/.test(body.amount) || !body.card_token)
      return reply(res, 400, { error: 'bad request' });
    let answer = answers.get(body.payout_id);
    if (!answer) {
      if (body.card_token.endsWith('0000'))
        answer = { status: 'declined', error: 'карта отклонена банком-эмитентом' };
      else {
        answer = { status: 'paid', ref: `SIM-${body.payout_id}` };
        paid.set(body.payout_id, { deal: body.deal, amount: BigInt(body.amount), ref: answer.ref! });
      }
      answers.set(body.payout_id, answer);
    }
    reply(res, 200, answer);
  }
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/`,
    paid,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
