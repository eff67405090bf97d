/**
 * `node --import tsx src/notify/sms-simulator-main.ts [port]`: the SMS operator simulator as its
 * own program on loopback (for SMS_GATEWAY_URL), so that what it keeps lives outside Kopek's process.
 */
import { startSmsSimulator } from './sms-simulator.ts';

const sim = await startSmsSimulator(Number(process.argv[2] ?? 0));
process.stdout.write(`SMS operator simulator: ${sim.url}\n`);
const stop = () => void sim.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
