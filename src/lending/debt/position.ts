import type { Kopecks } from '../../platform/money.ts';
import { daysBetween } from '../dates.ts';
import type { ScheduleLine } from '../types.ts';
import type { LoanState } from './loan-state.ts';

/** A loan's debt on a date, split the way 353-FZ art. 5 part 20 orders a repayment. */
export interface Position {
  asOf: string;
  principalLeft: Kopecks;
  interestUnpaid: Kopecks;
  penaltyUnpaid: Kopecks;
  dutyUnpaid: Kopecks;
  otherUnpaid: Kopecks;
  overduePrincipal: Kopecks;
  overdueInterest: Kopecks;
  /** Accrued interest not yet overdue (interest for the current period to date). */
  currentInterest: Kopecks;
  /** Principal of the current instalment (the first line due on or after `asOf`) still unpaid. */
  currentPrincipal: Kopecks;
  /** The current instalment by the schedule: its unpaid principal and interest parts. */
  currentLine: ScheduleLine | null;
  currentLineInterest: Kopecks;
  /** Days past the oldest unpaid due date. */
  daysPastDue: number;
  advance: Kopecks;
  /** Everything owed today less the advance on account. */
  totalDebt: Kopecks;
}

const max = (a: Kopecks, b: Kopecks) => (a > b ? a : b);
const min = (a: Kopecks, b: Kopecks) => (a < b ? a : b);

/**
 * The position from the loan's state (accrued through `asOf`) and its schedule. A line is due
 * on its date; unpaid the next day, it is overdue. After the last due date all accrued interest
 * is overdue.
 */
export function positionOf(state: LoanState, lines: readonly ScheduleLine[], asOf: string): Position {
  let pDue = 0n;
  let iDue = 0n;
  let cumP = 0n;
  let cumI = 0n;
  let oldestUnpaid: string | null = null;
  let currentLine: ScheduleLine | null = null;
  let prevCumI = 0n;
  let curCumP = 0n;
  let curCumI = 0n;
  for (const line of lines) {
    cumP += line.principal;
    cumI += line.interest;
    if (line.dueDate < asOf) {
      pDue += line.principal;
      iDue += line.interest;
      prevCumI = cumI;
      if (
        oldestUnpaid === null &&
        (cumP > state.principalPaid || min(cumI, state.interestAccrued) > state.interestPaid)
      )
        oldestUnpaid = line.dueDate;
    } else if (currentLine === null) {
      currentLine = line;
      curCumP = cumP;
      curCumI = cumI;
    }
  }
  const interestUnpaid = state.interestAccrued - state.interestPaid;
  const overduePrincipal = max(0n, pDue - state.principalPaid);
  const interestDue = asOf > state.lastDueDate ? state.interestAccrued : min(state.interestAccrued, iDue);
  const overdueInterest = max(0n, interestDue - state.interestPaid);
  const currentPrincipal = currentLine ? max(0n, curCumP - max(state.principalPaid, pDue)) : 0n;
  const currentLineInterest = currentLine ? max(0n, curCumI - max(state.interestPaid, prevCumI)) : 0n;
  const principalLeft = state.principal - state.principalPaid;
  const penaltyUnpaid = state.penaltyAccrued - state.penaltyPaid;
  const dutyUnpaid = state.dutyAccrued - state.dutyPaid;
  const otherUnpaid = state.otherAccrued - state.otherPaid;
  const owed = principalLeft + interestUnpaid + penaltyUnpaid + dutyUnpaid + otherUnpaid;
  return {
    asOf,
    principalLeft,
    interestUnpaid,
    penaltyUnpaid,
    dutyUnpaid,
    otherUnpaid,
    overduePrincipal,
    overdueInterest,
    currentInterest: interestUnpaid - overdueInterest,
    currentPrincipal,
    currentLine,
    currentLineInterest,
    daysPastDue: oldestUnpaid === null ? 0 : daysBetween(oldestUnpaid, asOf),
    advance: state.advance,
    totalDebt: max(0n, owed - state.advance),
  };
}
