import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedSmsGateway } from './gateway.ts';

/**
 * The SMS operator on loopback, speaking the protocol of `http-gateway.ts` in front of a
 * `SimulatedSmsGateway` (what it "sent" is in `gateway.sent`). `failNext(n)` makes the next n
 * messages fail with 503, for tests of the sender's retries through the real adapter; with
 * `only`, the next n messages it accepts (another message queued meanwhile goes through).
 */
/** Which messages `failNext` fails. */
type MessageFilter = (message: { phone: string; text: string }) => boolean;

export interface SmsSimulator {
  url: string;
  gateway: SimulatedSmsGateway;
  failNext(n: number, only?: MessageFilter): void;
  close(): Promise<void>;
}

export async function startSmsSimulator(port = 0, host = '127.0.0.1'): Promise<SmsSimulator> {
  const gateway = new SimulatedSmsGateway();
  let failures = 0;
  let failing: MessageFilter | undefined;

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { error: 'internal' }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== '/messages') return send(res, 404, { error: 'not found' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return send(res, 400, { error: 'тело не JSON' });
    }
    if (typeof body.phone !== 'string' || !/^\+?\d{10,15}$/.test(body.phone) || typeof body.text !== 'string')
      return send(res, 400, { error: 'phone и text обязательны' });
    if (failures > 0 && (!failing || failing({ phone: body.phone, text: body.text }))) {
      failures -= 1;
      return send(res, 503, { error: 'оператор временно недоступен' });
    }
    const { gatewayId } = await gateway.send({ phone: body.phone, text: body.text });
    send(res, 200, { id: gatewayId });
  }

  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
    gateway,
    failNext(n, only) {
      failures = n;
      failing = only;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 64 * 1024) reject(new Error('too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
