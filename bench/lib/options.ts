/** The flags every bench shares: `--seconds N`, `--quick`, `--no-record`, plus a bench's own. */
import { parseArgs } from 'node:util';

export interface BenchOptions {
  /** Length of each measured phase; 0 for benches without timed phases. */
  seconds: number;
  quick: boolean;
  /** False with `--no-record`: print the figures, leave bench/RESULTS.md alone. */
  record: boolean;
  /** The bench's own string options, by name (undefined when not given). */
  values: Record<string, string | undefined>;
}

export interface OptionDefaults {
  /** Phase length without flags, and with `--quick`; omit both for a bench that has no `--seconds`. */
  seconds?: number;
  quickSeconds?: number;
  /** Names of the bench's own options, each taking a value (`--shards 4`). */
  extra?: string[];
}

export function benchOptions(args: string[], defaults: OptionDefaults): BenchOptions {
  const timed = defaults.seconds !== undefined;
  const options: Record<string, { type: 'string' } | { type: 'boolean'; default: boolean }> = {
    quick: { type: 'boolean', default: false },
    'no-record': { type: 'boolean', default: false },
  };
  if (timed) options.seconds = { type: 'string' };
  for (const name of defaults.extra ?? []) options[name] = { type: 'string' };
  const { values } = parseArgs({ args, options, strict: true });
  const quick = values.quick === true;
  let seconds = 0;
  if (timed) {
    const fallback = quick ? (defaults.quickSeconds ?? defaults.seconds!) : defaults.seconds!;
    seconds = values.seconds === undefined ? fallback : Number(values.seconds);
    if (!Number.isInteger(seconds) || seconds < 1) throw new Error('--seconds wants a positive integer');
  }
  const own: Record<string, string | undefined> = {};
  for (const name of defaults.extra ?? []) own[name] = values[name] as string | undefined;
  return { seconds, quick, record: values['no-record'] !== true, values: own };
}
