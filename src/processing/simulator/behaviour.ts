import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What the simulated provider answers for one service's check (besides the result code). */
export interface CheckData {
  displays?: Record<string, string>;
  /**
   * A multi-step provider: the first step whose `present` parameters all came with the check
   * answers its own displays (instead of `displays`). A display with an empty value asks the
   * payer for that parameter.
   */
  steps?: { present: string[]; displays: Record<string, string> }[];
  contracts?: Record<string, string>[];
  invoices?: unknown[];
}

/**
 * A rule matches an account (and optionally a service); `$1`… in a value take the account
 * pattern's groups, so one rule covers every result code: `7000000005` -> result 5.
 * `pay` may be a sequence: the n-th pay of one txn_id gets the n-th value (the last one repeats),
 * which is how a non-final answer followed by a final one is simulated.
 */
export interface Rule {
  account: string;
  service?: string;
  check?: number | string;
  pay?: number | string | (number | string)[];
  delayMs?: number | string;
}

export interface SimulatorConfig {
  services?: Record<string, { check?: CheckData; delayMs?: number }>;
  rules?: Rule[];
}

export const DEFAULT_CONFIG_FILE = path.resolve(
  import.meta.dirname,
  '../../../data/processing/simulator.json',
);

export function readSimulatorConfig(file = DEFAULT_CONFIG_FILE): SimulatorConfig {
  return JSON.parse(readFileSync(file, 'utf8')) as SimulatorConfig;
}

export interface Decision {
  result: number;
  delayMs: number;
}

function substitute(value: number | string, groups: string[]): number {
  if (typeof value === 'number') return value;
  return Number(value.replace(/\$(\d)/g, (_, i: string) => groups[Number(i)] ?? ''));
}

/** The answer for one request; `attempt` counts pays of the same txn_id from 0. */
export function decide(
  config: SimulatorConfig,
  serviceId: string,
  account: string,
  command: 'check' | 'pay',
  attempt: number,
): Decision {
  let delayMs = config.services?.[serviceId]?.delayMs ?? 0;
  for (const rule of config.rules ?? []) {
    if (rule.service !== undefined && rule.service !== serviceId) continue;
    const m = new RegExp(rule.account).exec(account);
    if (!m) continue;
    const groups = [...m];
    if (rule.delayMs !== undefined) delayMs = substitute(rule.delayMs, groups);
    const spec = command === 'check' ? rule.check : rule.pay;
    if (spec === undefined) continue;
    const step = Array.isArray(spec) ? spec[Math.min(attempt, spec.length - 1)]! : spec;
    return { result: substitute(step, groups), delayMs };
  }
  return { result: 0, delayMs };
}
