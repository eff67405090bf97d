/**
 * The provider simulator on its own: `node --import tsx src/processing/simulator/main.ts
 * [--port N] [--config file.json]` (or `kopek processing simulator`). Prints its base URL.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE, readSimulatorConfig } from './behaviour.ts';
import { startSimulator } from './server.ts';

export async function runSimulator(options: { port: number; host: string; config: string }): Promise<void> {
  const simulator = await startSimulator({
    config: readSimulatorConfig(options.config),
    port: options.port,
    host: options.host,
  });
  process.stdout.write(`provider simulator (OSMP) on ${simulator.url}/osmp/<serviceId>\n`);
  const stop = () => void simulator.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '8090' },
      host: { type: 'string', default: '127.0.0.1' },
      config: { type: 'string', default: DEFAULT_CONFIG_FILE },
    },
  });
  await runSimulator({ port: Number(values.port), host: values.host!, config: values.config! });
}
