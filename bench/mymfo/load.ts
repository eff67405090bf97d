/**
 * The load generator, run as its own process so it does not share an event loop with Kopek:
 * `load.ts <url> <kind> <seconds> <connections> <deals>` where kind is `pay` (Payment/QIWI pay
 * of 1.00 with a fresh txn_id each, over random deals), `psdeal` (PS/deal of random deals),
 * `check` (Payment/QIWI check, the debt summary behind the payment face) or `bare`.
 * Prints autocannon's figures as JSON.
 */
import autocannon from 'autocannon';
import { printLoad } from '../lib/autocannon.ts';
import { benchDealNumber, benchPassport } from './numbers.ts';

const [url, kind, seconds, connections, deals] = process.argv.slice(2);
const base = '/MeMFOWork/hs';
const count = Number(deals);
const qiwi = `Basic ${Buffer.from('qiwi:qiwi-password').toString('base64')}`;
const site = `Basic ${Buffer.from('site:site-password').toString('base64')}`;
let seq = BigInt(Date.now()) * 1_000n;

function randomDeal(): number {
  return 1 + Math.floor(Math.random() * count);
}

function path(): { path: string; auth: string } {
  seq += 1n;
  const i = randomDeal();
  const account = encodeURIComponent(benchDealNumber(i));
  switch (kind) {
    case 'pay':
      return {
        path: `${base}/Payment/QIWI/?command=pay&txn_id=${seq}&txn_date=20261123120000&account=${account}&sum=1.00`,
        auth: qiwi,
      };
    case 'check':
      return { path: `${base}/Payment/QIWI/?command=check&txn_id=${seq}&account=${account}`, auth: qiwi };
    case 'psdeal':
      return { path: `${base}/PS/deal/${account}/${benchPassport(i)}`, auth: site };
    default:
      return { path: `/bare?txn_id=${seq}`, auth: '' };
  }
}

const result = await autocannon({
  url: url!,
  method: 'GET',
  connections: Number(connections),
  duration: Number(seconds),
  requests: [
    {
      setupRequest(request) {
        const p = path();
        return { ...request, path: p.path, headers: { ...request.headers, authorization: p.auth } };
      },
    },
  ],
});
printLoad(result);
