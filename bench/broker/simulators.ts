/**
 * The three banks of the broker bench, in a process of their own: `simulators.ts <port1> <port2>
 * <port3>`. Each answers scoring in 100-500 ms with one or two offers. Prints "ready" once listening.
 */
import { startLenderSimulator } from '../../src/broker/lender-simulator/simulator.ts';

export const BENCH_BANKS = ['bench-a', 'bench-b', 'bench-c'];

const ports = process.argv.slice(2).map(Number);
const sims = await Promise.all(
  BENCH_BANKS.map((code, i) =>
    startLenderSimulator(
      {
        code,
        secret: `${code}-secret`,
        delayMs: [100, 500],
        products: [
          {
            code: 'p12',
            name: `${code} 12`,
            kind: 'pos',
            payments: 12,
            rate: '15',
            ratePerPeriodBp: 125 + i * 10,
          },
          {
            code: 'p24',
            name: `${code} 24`,
            kind: 'pos',
            payments: 24,
            rate: '19.9',
            ratePerPeriodBp: 166 + i * 10,
          },
        ],
      },
      ports[i] ?? 0,
    ),
  ),
);
process.stdout.write(`ready ${sims.map((s) => s.url).join(' ')}\n`);
process.once('SIGTERM', () => void Promise.all(sims.map((s) => s.close())).then(() => process.exit(0)));
