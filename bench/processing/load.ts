/**
 * The load generator, run as its own process so it does not share an event loop with Kopek:
 * `load.ts <url> <kind> <seconds> <connections> <tokensCsv>` where kind is `pay`, `check` or
 * `bare`. Pays get a fresh agentTransactionId each (a repeat would be an idempotent replay, not a
 * payment); tokens rotate over the connections. Prints autocannon's figures as JSON.
 */
import autocannon from 'autocannon';
import { printLoad } from '../lib/autocannon.ts';

const [url, kind, seconds, connections, tokensCsv] = process.argv.slice(2);
const tokens = (tokensCsv ?? '').split(',').filter(Boolean);
// 16 digits at most: ids of up to 18 digits are the protocol's limit.
let seq = BigInt(Date.now() % 10_000_000_000) * 1_000_000n;

function body(): string {
  seq += 1n;
  return `{"serviceId":"P1011","account":"7770017711","agentTransactionId":${seq},"agentTransactionDate":"2026-11-23T10:00:00","amountTo":200.00,"amountFrom":200.00}`;
}

let next = 0;
const result = await autocannon({
  url: `${url}${kind === 'bare' ? '/bare' : `/api/v20/${kind}`}`,
  method: 'POST',
  connections: Number(connections),
  duration: Number(seconds),
  headers: { 'content-type': 'application/json' },
  requests: [
    {
      setupRequest(request) {
        const token = tokens[next++ % Math.max(1, tokens.length)];
        return {
          ...request,
          headers: { ...request.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: body(),
        };
      },
    },
  ],
});
printLoad(result);
