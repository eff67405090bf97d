import type { Kopecks } from '../platform/money.ts';
import { daysBetween } from './dates.ts';
import { divHalfUp, rateFraction } from './products/rates.ts';
import { interestFor } from './schedule.ts';
import type { ScheduleLine } from './types.ts';

/**
 * What the borrower chose after a partial early repayment: keep the term and pay smaller
 * instalments (`reduce_payment`, the default), or keep the instalment and finish sooner
 * (`shorten_term`).
 */
export type EarlyRepaymentMode = 'reduce_payment' | 'shorten_term';

export interface RevisionInput {
  /** The schedule in force before the payment. */
  lines: readonly ScheduleLine[];
  /** The payment's business date. */
  date: string;
  /** The loan's principal, and principal and interest paid including this payment. */
  principal: Kopecks;
  principalPaid: Kopecks;
  interestPaid: Kopecks;
  dailyRate: string;
  mode: EarlyRepaymentMode;
}

const sum = (xs: readonly Kopecks[]) => xs.reduce((a, b) => a + b, 0n);

/**
 * The schedule after a partial early repayment on `date` (pure). Lines due before the date stay;
 * one line on the date records what has been paid beyond them (the current instalment and the
 * early principal, with the interest paid through the date); the principal still owed is
 * re-amortised over the remaining due dates. `reduce_payment`: an annuity over all of them (the
 * formula of schedule.ts with the rate of an average period); `shorten_term`: the old
 * instalments on the same dates until the principal is repaid, the last taking the remainder.
 * Interest of each new line is the remaining principal × daily rate × its actual days, as daily
 * accrual charges it. The principal parts still sum exactly to the amount lent.
 */
export function reviseSchedule(input: RevisionInput): ScheduleLine[] {
  const past = input.lines.filter((l) => l.dueDate < input.date);
  const future = input.lines.filter((l) => l.dueDate > input.date);
  const pastPrincipal = sum(past.map((l) => l.principal));
  const pastInterest = sum(past.map((l) => l.interest));
  const left = input.principal - input.principalPaid;
  if (left <= 0n || future.length === 0) throw new RangeError('nothing to re-amortise');
  const settledPrincipal = input.principalPaid - pastPrincipal;
  const settledInterest = input.interestPaid > pastInterest ? input.interestPaid - pastInterest : 0n;
  const out: ScheduleLine[] = past.map((l) => ({ ...l }));
  if (settledPrincipal > 0n || settledInterest > 0n)
    out.push({
      n: 0,
      dueDate: input.date,
      principal: settledPrincipal,
      interest: settledInterest,
      total: settledPrincipal + settledInterest,
      principalAfter: left,
    });
  const dates = future.map((l) => l.dueDate);
  const instalments =
    input.mode === 'reduce_payment'
      ? dates.map(() => annuityInstalment(left, input.dailyRate, input.date, dates))
      : future.map((l) => l.total);
  let owed = left;
  let previous = input.date;
  for (let i = 0; i < dates.length && owed > 0n; i++) {
    const dueDate = dates[i]!;
    const interest = interestFor(owed, input.dailyRate, daysBetween(previous, dueDate));
    const last = i === dates.length - 1;
    let principal = last ? owed : instalments[i]! - interest;
    if (principal < 0n) principal = 0n;
    if (principal > owed) principal = owed;
    owed -= principal;
    out.push({ n: 0, dueDate, principal, interest, total: principal + interest, principalAfter: owed });
    previous = dueDate;
  }
  return out.map((l, i) => ({ ...l, n: i + 1 }));
}

/** A = P·r·(1+r)ⁿ / ((1+r)ⁿ − 1), r = daily rate × days to the last date / n, one exact fraction. */
function annuityInstalment(principal: Kopecks, dailyRate: string, from: string, dates: string[]): Kopecks {
  const n = dates.length;
  const { num, den } = rateFraction(dailyRate);
  const a = num * BigInt(daysBetween(from, dates[n - 1]!));
  const b = den * 100n * BigInt(n);
  if (a === 0n) return divHalfUp(principal, BigInt(n));
  const growth = (a + b) ** BigInt(n);
  return divHalfUp(principal * a * growth, b * (growth - b ** BigInt(n)));
}
