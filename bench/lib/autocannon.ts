/**
 * Load phases: the `Load` figures every HTTP bench reports (wrk.ts returns them too), and for the
 * benches that loop requests with autocannon (console), `runLoad` runs their `load.ts` in its own
 * process (so the load does not share an event loop with what it measures).
 */
import type autocannon from 'autocannon';
import { capture } from './common.ts';

/** One phase's figures: requests/s, latency percentiles in ms, failures. */
export interface Load {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** wrk only: the rest of the tail, which shows whether a p99 is a few stalls or a wide spread. */
  p90?: number;
  p999?: number;
  max?: number;
  /**
   * wrk at a fixed rate only: sends that left over a millisecond after their slot because every
   * connection was busy, and the worst such wait (ms). The latencies, timed from the send, miss it.
   */
  late?: number;
  lateMax?: number;
  /** wrk at a fixed rate only: an upper bound of the p99 timed from the slots; -1: none (1 % late or more). */
  p99Bound?: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Seconds the phase actually lasted. */
  duration: number;
}

export function loadFigures(result: autocannon.Result): Load {
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duration: result.duration,
  };
}

/** Runs a load script (`bench/<name>/load.ts`, its arguments) to completion: its figures. */
export async function runLoad(script: string, args: (string | number)[]): Promise<Load> {
  return JSON.parse(await capture([script, ...args.map(String)])) as Load;
}

/** `label: 1,234/s, p99 12 ms`, the line a bench prints after a phase. */
export function loadLine(label: string, load: Load): string {
  const tail =
    load.p90 === undefined
      ? `p99 ${load.p99} ms`
      : `p50 ${load.p50} / p90 ${load.p90} / p99 ${load.p99} / p99.9 ${load.p999} / max ${load.max} ms`;
  const late =
    load.late === undefined
      ? ''
      : `; ${load.late} sends late (worst ${load.lateMax} ms), p99 from the slots ≤ ${pacedP99Text(load)}`;
  return `${label}: ${Math.round(load.rps)}/s, ${tail}${late}`;
}

/**
 * The p99 a fixed-rate phase (runWrk with a rate) is checked against: wrk-report.lua's bound of
 * the p99 timed from each request's slot, which counts the sends that left late; Infinity when 1 %
 * of the sends or more were late (the phase reached the server's capacity).
 */
export function pacedP99(load: Load): number {
  return load.p99Bound === undefined || load.p99Bound < 0 ? Number.POSITIVE_INFINITY : load.p99Bound;
}

/** `97.4 ms`, or `∞` when there is no bound. */
export function pacedP99Text(load: Load): string {
  const bound = pacedP99(load);
  return bound === Number.POSITIVE_INFINITY ? '∞' : `${bound} ms`;
}
