/**
 * The wallet's load generator, its own process: `load.ts <url> <kind> <seconds> <connections>
 * <cookiesCsv>`. kind `pay`: each connection repeats the sequence create (`POST /v1/payments`,
 * one-step Мегафон, a fresh client_payment_id) then pay (`POST /v1/payments/{id}/pay`) with the
 * session cookie of one wallet; `bare`: the same number of requests against a bare route.
 * Prints autocannon's figures as JSON.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { printLoad } from '../lib/autocannon.ts';

const [url, kind, seconds, connections, cookiesCsv] = process.argv.slice(2);
const cookies = (cookiesCsv ?? '').split(',').filter(Boolean);
let next = 0;

interface Ctx {
  cookie?: string;
  paymentId?: string;
}

const create = {
  method: 'POST' as const,
  path: '/v1/payments',
  setupRequest(request: autocannon.Request, context: Ctx) {
    context.cookie ??= cookies[next++ % Math.max(1, cookies.length)];
    return {
      ...request,
      headers: { 'content-type': 'application/json', cookie: `JSESSIONID=${context.cookie}` },
      body: `{"type":"out","client_payment_id":"${randomUUID()}","amount":1,"service":1,"parameters":{"phoneNumber":"9267101280"}}`,
    };
  },
  onResponse(_status: number, body: string, context: Ctx) {
    context.paymentId = /"id":(\d+)/.exec(body)?.[1];
  },
};
const pay = {
  method: 'POST' as const,
  setupRequest(request: autocannon.Request, context: Ctx) {
    return {
      ...request,
      path: `/v1/payments/${context.paymentId ?? '0'}/pay`,
      headers: { cookie: `JSESSIONID=${context.cookie}` },
    };
  },
};
const bare = {
  method: 'POST' as const,
  path: '/bare',
  headers: { 'content-type': 'application/json' },
  body: '{"agentTransactionId":1}',
};

const result = await autocannon({
  url: url!,
  connections: Number(connections),
  duration: Number(seconds),
  initialContext: {},
  requests: (kind === 'bare' ? [bare, bare] : [create, pay]) as autocannon.Request[],
});
printLoad(result);
