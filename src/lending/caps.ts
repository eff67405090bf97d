import { Decimal } from 'decimal.js';
import type { Queryable } from '../platform/db/pool.ts';
import { AppError } from '../platform/errors.ts';
import { formatRoublesRu, type Kopecks } from '../platform/money.ts';
import { daysBetween, quarterStart } from './dates.ts';
import { compareRates, normalizeRate } from './products/rates.ts';
import { fullCost, scheduleCashflows } from './psk.ts';
import { interestFor } from './schedule.ts';
import type { CapsInForce, FullCost, Product, ScheduleLine } from './types.ts';

/** The caps in force for a deal signed on `date`: per rule, the latest row effective on or before it. */
export async function capsOn(db: Queryable, date: string): Promise<CapsInForce> {
  const { rows } = await db.query<{ rule: string; value: string; effective_from: string }>(
    `SELECT DISTINCT ON (rule) rule, value::text AS value, effective_from::text AS effective_from
       FROM lending.cap_rules WHERE effective_from <= $1::date
      ORDER BY rule, effective_from DESC`,
    [date],
  );
  const byRule = new Map(rows.map((r) => [r.rule, normalizeRate(r.value)]));
  const required = (rule: string): string => {
    const value = byRule.get(rule);
    if (value === undefined)
      throw new AppError(
        'validation',
        'lending.cap.none',
        `нет ограничений «${rule}», действующих на ${date}`,
      );
    return value;
  };
  const highLoans = byRule.get('max_high_psk_loans');
  const threshold = byRule.get('high_psk_threshold');
  const both = highLoans !== undefined && threshold !== undefined;
  return {
    effectiveFrom:
      rows
        .map((r) => r.effective_from)
        .sort()
        .at(-1) ?? date,
    maxDailyRate: required('max_daily_rate'),
    maxPskPercent: required('max_psk'),
    overpaymentCapPercent: Number(required('overpayment_cap')),
    penaltyMaxYearPercent: required('penalty_max_year'),
    penaltyAfterDailyPercent: required('penalty_after_daily'),
    maxHighPskLoans: both ? Number(highLoans) : null,
    highPskThreshold: both ? threshold : null,
    highPskCoolingDays:
      threshold !== undefined && byRule.has('high_psk_cooling_days')
        ? Number(byRule.get('high_psk_cooling_days'))
        : null,
  };
}

/** The Bank of Russia's average ПСК for the category in the quarter of `date`, if an operator loaded it. */
export async function averagePskOn(
  db: Queryable,
  category: string,
  date: string,
): Promise<string | undefined> {
  const { rows } = await db.query<{ average_percent: string }>(
    `SELECT average_percent::text AS average_percent FROM lending.cbr_average_psk
      WHERE category = $1 AND quarter_start = $2::date`,
    [category, quarterStart(date)],
  );
  return rows[0] ? normalizeRate(rows[0].average_percent) : undefined;
}

export interface DealTerms {
  product: Product;
  amount: Kopecks;
  termDays: number;
  startDate: string;
  schedule: ScheduleLine[];
}

export interface CapViolation {
  code: string;
  message: string;
}

/**
 * Checks a deal against the caps (pure): the product's daily and penalty rates, the schedule's
 * interest against the daily cap over the term and against the overpayment cap, and the ПСК
 * against the lesser of the absolute cap and the Bank of Russia average plus one third (when the
 * average is loaded; without it only the absolute cap can be checked).
 */
export function capViolations(
  caps: CapsInForce,
  averagePsk: string | undefined,
  t: DealTerms,
): { cost: FullCost; violations: CapViolation[] } {
  const violations: CapViolation[] = [];
  const cost = fullCost(scheduleCashflows(t.amount, t.startDate, t.schedule));
  if (t.termDays > 365)
    violations.push({
      code: 'lending.cap.term_over_year',
      message: 'ограничения для займов сроком более года не настроены',
    });
  if (compareRates(t.product.dailyRate, caps.maxDailyRate) > 0)
    violations.push({
      code: 'lending.cap.daily_rate',
      message: `ставка ${t.product.dailyRate}% в день выше предельной ${caps.maxDailyRate}%`,
    });
  if (compareRates(t.product.penaltyRateYear, caps.penaltyMaxYearPercent) > 0)
    violations.push({
      code: 'lending.cap.penalty',
      message: `неустойка ${t.product.penaltyRateYear}% годовых выше предельной ${caps.penaltyMaxYearPercent}%`,
    });
  const interest = t.schedule.reduce((sum, l) => sum + l.interest, 0n);
  const daysCap = dailyCapInterest(t.startDate, t.schedule, caps.maxDailyRate);
  if (interest > daysCap)
    violations.push({
      code: 'lending.cap.daily_rate',
      message: `проценты ${formatRoublesRu(interest)} больше, чем ${caps.maxDailyRate}% в день на остаток долга (${formatRoublesRu(daysCap)})`,
    });
  const overpaymentCap = (t.amount * BigInt(caps.overpaymentCapPercent)) / 100n;
  if (interest > overpaymentCap)
    violations.push({
      code: 'lending.cap.overpayment',
      message: `проценты ${formatRoublesRu(interest)} больше ${caps.overpaymentCapPercent}% суммы займа (${formatRoublesRu(overpaymentCap)})`,
    });
  if (compareRates(cost.percent, caps.maxPskPercent) > 0)
    violations.push({
      code: 'lending.cap.psk',
      message: `ПСК ${cost.percent}% годовых выше предельной ${caps.maxPskPercent}%`,
    });
  if (averagePsk !== undefined) {
    const limit = new Decimal(averagePsk).times(4).dividedBy(3);
    if (new Decimal(cost.percent).greaterThan(limit))
      violations.push({
        code: 'lending.cap.psk_average',
        message: `ПСК ${cost.percent}% годовых выше среднерыночной ${averagePsk}% более чем на треть (предел ${limit.toFixed(3, Decimal.ROUND_DOWN)}%)`,
      });
  }
  return { cost, violations };
}

/**
 * The most interest the daily cap allows over a schedule: each period's opening principal × the
 * cap × its days. This is what binds a BNPL price, whose interest is not a daily rate.
 */
function dailyCapInterest(startDate: string, schedule: ScheduleLine[], maxDailyRate: string): Kopecks {
  let previous = startDate;
  let total = 0n;
  for (const line of schedule) {
    total += interestFor(
      line.principalAfter + line.principal,
      maxDailyRate,
      daysBetween(previous, line.dueDate),
    );
    previous = line.dueDate;
  }
  return total;
}

/**
 * Refuses a deal that breaks a cap in force on its start date, with AppError('limit',
 * 'lending.cap.<which>'); returns its ПСК otherwise.
 */
export async function checkDealTerms(db: Queryable, t: DealTerms): Promise<FullCost> {
  const caps = await capsOn(db, t.startDate);
  const average = await averagePskOn(db, t.product.pskCategory, t.startDate);
  const { cost, violations } = capViolations(caps, average, t);
  const first = violations[0];
  if (first)
    throw new AppError('limit', first.code, first.message, { psk: cost.percent, caps: caps.effectiveFrom });
  return cost;
}
