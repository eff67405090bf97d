/**
 * `node --import tsx src/broker/lender-simulator/main.ts <config.json> [port]`: runs one simulated
 * bank as its own program on loopback. The config file is a SimulatorConfig (amounts as digit strings).
 */
import { readFileSync } from 'node:fs';
import { type SimulatorConfig, startLenderSimulator } from './simulator.ts';

const [file, port] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: lender-simulator <config.json> [port]\n');
  process.exit(2);
}
const raw = JSON.parse(readFileSync(file, 'utf8')) as SimulatorConfig & Record<string, unknown>;
const config: SimulatorConfig = {
  ...raw,
  ...(raw.declineAbove !== undefined ? { declineAbove: BigInt(String(raw.declineAbove)) } : {}),
  ...(raw.counterOfferAbove !== undefined
    ? { counterOfferAbove: BigInt(String(raw.counterOfferAbove)) }
    : {}),
};
const sim = await startLenderSimulator(config, port ? Number(port) : 0);
process.stdout.write(`${sim.url}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
