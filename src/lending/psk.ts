import { Decimal } from 'decimal.js';
import type { Kopecks } from '../platform/money.ts';
import { daysBetween } from './dates.ts';
import type { Cashflow, FullCost, ScheduleLine } from './types.ts';

/** The loan's cash flows for ПСК: the amount lent out on the start date, then every scheduled payment. */
export function scheduleCashflows(amount: Kopecks, startDate: string, lines: ScheduleLine[]): Cashflow[] {
  return [{ date: startDate, amount: -amount }, ...lines.map((l) => ({ date: l.dueDate, amount: l.total }))];
}

/** High precision for the root search; the answer is rounded to three decimals at the end. */
const D = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_UP });
type Dec = InstanceType<typeof D>;

export interface PskTerms {
  /** Base period in days, as an exact fraction (365/12 for a monthly schedule). */
  basePeriodDays: { num: number; den: number };
  /** Number of base periods in a 365-day year (ЧБП). */
  periodsPerYear: Dec;
  /** Flows merged by date, with q (whole base periods since the first flow) and e (the fraction). */
  flows: { amount: bigint; q: number; e: Dec }[];
}

/**
 * Full cost of credit, 353-FZ art. 6 part 2: ПСК = i × ЧБП × 100, where i is the root of
 * Σ ДПк / ((1 + ек·i)(1 + i)^qк) = 0 and ЧБП = 365 / base period. ПСК in money is what the
 * borrower pays beyond what they receive: the sum of all flows.
 */
export function fullCost(flows: Cashflow[]): FullCost {
  const amount = flows.reduce((sum, f) => sum + f.amount, 0n);
  const terms = pskTerms(flows);
  if (terms.flows.length < 2) return { percent: '0.000', amount };
  const i = solveRate(terms.flows);
  const percent = i.times(terms.periodsPerYear).times(100).toFixed(3, Decimal.ROUND_HALF_UP);
  return { percent: percent === '-0.000' ? '0.000' : percent, amount };
}

/**
 * The base period and each flow's position in it. The base period is the interval between
 * consecutive flows that occurs most often (a tie goes to the interval closest to their mean, then
 * the shorter). When every interval is a calendar month (28–31 days), the base period is the month,
 * 365/12 days, so ЧБП = 12 however the months fall.
 */
export function pskTerms(flows: Cashflow[]): PskTerms {
  const byDate = new Map<string, bigint>();
  for (const f of flows) byDate.set(f.date, (byDate.get(f.date) ?? 0n) + f.amount);
  const dates = [...byDate.keys()].sort();
  const start = dates[0];
  if (start === undefined)
    return { basePeriodDays: { num: 1, den: 1 }, periodsPerYear: new D(365), flows: [] };
  const intervals = dates.slice(1).map((d, k) => daysBetween(dates[k]!, d));
  const monthly = intervals.length > 1 && intervals.every((d) => d >= 28 && d <= 31);
  const base = monthly ? { num: 365, den: 12 } : { num: mostFrequent(intervals), den: 1 };
  return {
    basePeriodDays: base,
    periodsPerYear: new D(365).times(base.den).dividedBy(base.num),
    flows: dates
      .map((date) => {
        // Position in base periods = days × den / num; q is its whole part, e the rest.
        const scaled = daysBetween(start, date) * base.den;
        const q = Math.floor(scaled / base.num);
        return { amount: byDate.get(date)!, q, e: new D(scaled - q * base.num).dividedBy(base.num) };
      })
      .filter((f) => f.amount !== 0n),
  };
}

function mostFrequent(intervals: number[]): number {
  if (intervals.length === 0) return 1;
  const counts = new Map<number, number>();
  for (const d of intervals) counts.set(d, (counts.get(d) ?? 0) + 1);
  const mean = intervals.reduce((s, d) => s + d, 0) / intervals.length;
  return [...counts.entries()].sort(
    ([d1, c1], [d2, c2]) => c2 - c1 || Math.abs(d1 - mean) - Math.abs(d2 - mean) || d1 - d2,
  )[0]![0];
}

function presentValue(flows: PskTerms['flows'], i: Dec): Dec {
  let sum = new D(0);
  const onePlus = i.plus(1);
  for (const f of flows) {
    sum = sum.plus(new D(f.amount.toString()).dividedBy(f.e.times(i).plus(1).times(onePlus.pow(f.q))));
  }
  return sum;
}

/**
 * Bisection for i: with money lent first and repaid later, the present value falls as i grows, so
 * one sign change brackets the root. 200 halvings leave an error far below the third decimal.
 */
function solveRate(flows: PskTerms['flows']): Dec {
  let lo = new D('-0.999999');
  let hi = new D(1);
  for (let k = 0; k < 60 && presentValue(flows, hi).greaterThan(0); k++) hi = hi.times(2);
  const ascending = presentValue(flows, lo).lessThan(0);
  for (let k = 0; k < 200; k++) {
    const mid = lo.plus(hi).dividedBy(2);
    const value = presentValue(flows, mid);
    if (value.isZero()) return mid;
    if (value.greaterThan(0) !== ascending) lo = mid;
    else hi = mid;
  }
  return lo.plus(hi).dividedBy(2);
}
