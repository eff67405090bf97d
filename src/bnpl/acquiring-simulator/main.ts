import { startAcquiringSimulator } from './simulator.ts';

/** `node --import tsx src/bnpl/acquiring-simulator/main.ts [port]`: the simulator as its own program. */
const sim = await startAcquiringSimulator(Number(process.argv[2] ?? 0));
process.stdout.write(`acquiring simulator: ${sim.url}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
