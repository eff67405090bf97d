/**
 * `load.ts <url> <cookie> <seconds> <connections> <paths.json>`: GETs the given paths (round
 * robin) with autocannon from its own process; prints the figures as JSON.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const [url, cookie, seconds, connections, pathsFile] = process.argv.slice(2);
const paths = JSON.parse(readFileSync(pathsFile!, 'utf8')) as string[];
let next = 0;
const result = await autocannon({
  url: url!,
  connections: Number(connections),
  duration: Number(seconds),
  headers: { cookie: cookie!, accept: 'application/json' },
  requests: [
    {
      setupRequest(request) {
        return { ...request, method: 'GET', path: paths[next++ % paths.length]! };
      },
    },
  ],
});
process.stdout.write(
  JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  }),
);
