import { AppError } from '../platform/errors.ts';
import type { Kopecks } from '../platform/money.ts';
import { bnplPricing } from './bnpl-pricing.ts';
import { addDays, addMonths, daysBetween, isIsoDate } from './dates.ts';
import { divHalfUp, isRateText, rateFraction } from './products/rates.ts';
import type { InstalmentPeriod, ScheduleInput, ScheduleLine } from './types.ts';

/**
 * Payment schedules ("график платежей"), in integer kopecks.
 *
 * Rounding rule: every interest amount is principal × daily rate × days, computed as an exact
 * fraction and rounded once to the kopeck, halves up. Equal parts (annuity instalments, BNPL
 * thirds) are rounded the same way, and the last payment takes whatever principal is left, so the
 * principal parts always sum exactly to the amount lent.
 */
export function buildSchedule(input: ScheduleInput): ScheduleLine[] {
  if (input.amount <= 0n) throw bad('сумма займа должна быть больше нуля');
  if (!Number.isInteger(input.termDays) || input.termDays < 1)
    throw bad('срок займа должен быть целым числом дней от 1');
  if (!isRateText(input.dailyRate)) throw bad(`неверная ставка «${input.dailyRate}»`);
  if (!isIsoDate(input.startDate)) throw bad(`неверная дата выдачи «${input.startDate}»`);
  switch (input.kind) {
    case 'single':
      return singlePayment(input);
    case 'annuity':
      if (input.period === null) throw bad('для аннуитетного графика нужна периодичность платежей');
      return annuity(input, input.period);
    case 'bnpl3':
      return bnplThree(input);
  }
}

/** Interest on `principal` for `days` at the daily rate, rounded to the kopeck, halves up. */
export function interestFor(principal: Kopecks, dailyRate: string, days: number): Kopecks {
  const { num, den } = rateFraction(dailyRate);
  return divHalfUp(principal * num * BigInt(days), den * 100n);
}

function singlePayment(input: ScheduleInput): ScheduleLine[] {
  const interest = interestFor(input.amount, input.dailyRate, input.termDays);
  return [
    {
      n: 1,
      dueDate: addDays(input.startDate, input.termDays),
      principal: input.amount,
      interest,
      total: input.amount + interest,
      principalAfter: 0n,
    },
  ];
}

const NOMINAL_DAYS: Record<InstalmentPeriod, number> = { week: 7, fortnight: 14, month: 30 };

/** Due dates of an instalment schedule: whole weeks or fortnights, or the same day of each month. */
export function instalmentDates(startDate: string, termDays: number, period: InstalmentPeriod): string[] {
  const count = Math.max(1, Math.round(termDays / NOMINAL_DAYS[period]));
  return Array.from({ length: count }, (_, i) =>
    period === 'month' ? addMonths(startDate, i + 1) : addDays(startDate, (i + 1) * NOMINAL_DAYS[period]),
  );
}

/**
 * Equal instalments. The instalment is the annuity formula A = P·r·(1+r)^n / ((1+r)^n − 1) for the
 * rate of an average period (daily rate × schedule days / n), evaluated as one exact fraction and
 * rounded half-up. Each period's interest is charged on its actual days; the last instalment
 * repays the remaining principal with its interest, so it alone may differ.
 */
function annuity(input: ScheduleInput, period: InstalmentPeriod): ScheduleLine[] {
  const dates = instalmentDates(input.startDate, input.termDays, period);
  const n = dates.length;
  const { num, den } = rateFraction(input.dailyRate);
  const totalDays = daysBetween(input.startDate, dates[n - 1]!);
  // r = a / b per period.
  const a = num * BigInt(totalDays);
  const b = den * 100n * BigInt(n);
  const growth = (a + b) ** BigInt(n);
  const instalment =
    a === 0n
      ? divHalfUp(input.amount, BigInt(n))
      : divHalfUp(input.amount * a * growth, b * (growth - b ** BigInt(n)));
  const lines: ScheduleLine[] = [];
  let owed = input.amount;
  let previous = input.startDate;
  dates.forEach((dueDate, i) => {
    const interest = interestFor(owed, input.dailyRate, daysBetween(previous, dueDate));
    const last = i === n - 1;
    let principal = last ? owed : instalment - interest;
    if (principal < 0n) principal = 0n;
    if (principal > owed) principal = owed;
    owed -= principal;
    lines.push({ n: i + 1, dueDate, principal, interest, total: principal + interest, principalAfter: owed });
    previous = dueDate;
  });
  return lines;
}

/**
 * The BNPL three-part product: the payments are Moneywall's price (bnpl-pricing.ts); the principal
 * (the order amount) is split in thirds rounded half-up, the last third taking the remainder, and
 * each payment's interest is what it carries beyond its principal.
 */
function bnplThree(input: ScheduleInput): ScheduleLine[] {
  const order = input.orderAmount ?? input.amount;
  if (order !== input.amount) throw bad('сумма займа BNPL должна равняться сумме заказа');
  const price = bnplPricing(order, input.startDate, input.departureDate);
  const third = divHalfUp(order, 3n);
  const principals = [third, third, order - 2n * third];
  let owed = order;
  return price.payments.map((total, i) => {
    const principal = principals[i]!;
    const interest = total - principal;
    if (interest < 0n) throw bad('сумма заказа слишком мала для рассрочки');
    owed -= principal;
    return { n: i + 1, dueDate: price.dueDates[i]!, principal, interest, total, principalAfter: owed };
  });
}

function bad(message: string): AppError {
  return new AppError('validation', 'lending.schedule.bad_input', message);
}
