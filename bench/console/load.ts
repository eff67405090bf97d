/**
 * `load.ts <url> <cookie> <seconds> <connections> <paths.json>`: GETs the given paths (round
 * robin) with autocannon from its own process; prints the figures as JSON (bench/lib/autocannon.ts's,
 * plus the maximum latency).
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { loadFigures } from '../lib/autocannon.ts';

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
process.stdout.write(JSON.stringify({ ...loadFigures(result), max: result.latency.max }));
