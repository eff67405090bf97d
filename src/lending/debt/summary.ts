import { getAccount } from '../../ledger/index.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { todayMoscow } from '../accrual/business-date.ts';
import { type Deal, getDeal, getSchedule } from '../deals/repository.ts';
import { listPayments } from '../repayments/repay.ts';
import type { ScheduleLine } from '../types.ts';
import { getLoanState, pendingAccrual } from './loan-state.ts';
import { positionOf } from './position.ts';

/**
 * Every figure of the "Моя МФО" `PS/deal` answer, in kopecks; the face formats them. Names
 * follow the document (comments give its keys).
 */
export interface DebtSummary {
  deal: Deal;
  asOf: string;
  /** ОбщийДолгНаТекДату: principal, interest, penalties, duty and other, less the advance. */
  totalDebt: Kopecks;
  /** ОстатокОД, from the deal's principal receivable in the ledger. */
  principalLeft: Kopecks;
  /** СуммаПроценты: interest accrued through `asOf`, unpaid. */
  interest: Kopecks;
  /** ДолгПоТекПлатежу = ОстатокОДПоТекПлатежу + СуммаПроцентыПоТекПлатежу. */
  currentDue: Kopecks;
  currentPrincipal: Kopecks;
  currentInterest: Kopecks;
  /** ДолгПросроченный = ОстатокОДПросрочено + СуммаПроцентыПросрочено. */
  overdueDue: Kopecks;
  daysPastDue: number;
  overduePrincipal: Kopecks;
  overdueInterest: Kopecks;
  /** СуммаШтрафы, СуммаПошлина, СуммаПрочиеПлатежи, ОстатокНаСчете. */
  penalties: Kopecks;
  duty: Kopecks;
  other: Kopecks;
  accountBalance: Kopecks;
  /** ТекущийГрафикПлатежей. */
  schedule: ScheduleLine[];
  /** Оплаты: payments received (not internal advance offsets, not reversed). */
  payments: { number: string; date: string; amount: Kopecks; online: boolean; toBankAccount: boolean }[];
}

/**
 * The debt summary of a deal on `asOf` (today by default): the loan's sub-ledger plus what
 * accrual through `asOf` would add (the same SQL as COB), principal from the ledger. Before
 * issue every figure is zero and the schedule is the planned one.
 */
export async function debtSummary(
  db: Queryable,
  dealIdOrNumber: bigint | string,
  asOf: string = todayMoscow(),
): Promise<DebtSummary> {
  const deal = await getDeal(db, dealIdOrNumber);
  const schedule = await getSchedule(db, deal.id);
  const payments = (await listPayments(db, deal.id))
    .filter((p) => p.service !== 'advance' && !p.reversed)
    .map((p) => ({
      number: p.number,
      date: p.date,
      amount: p.amount,
      online: p.online,
      toBankAccount: p.toBankAccount,
    }));
  const stored = await getLoanState(db, deal.id);
  if (!stored) {
    return {
      deal,
      asOf,
      totalDebt: 0n,
      principalLeft: 0n,
      interest: 0n,
      currentDue: 0n,
      currentPrincipal: 0n,
      currentInterest: 0n,
      overdueDue: 0n,
      daysPastDue: 0,
      overduePrincipal: 0n,
      overdueInterest: 0n,
      penalties: 0n,
      duty: 0n,
      other: 0n,
      accountBalance: 0n,
      schedule,
      payments,
    };
  }
  const pending = stored.active ? await pendingAccrual(db, deal.id, asOf) : { interest: 0n, penalty: 0n };
  const state = {
    ...stored,
    interestAccrued: stored.interestAccrued + pending.interest,
    penaltyAccrued: stored.penaltyAccrued + pending.penalty,
  };
  const p = positionOf(state, schedule, asOf);
  const ledgerPrincipal = (await getAccount(db, stored.principalAccountId)).balance;
  if (ledgerPrincipal !== p.principalLeft) {
    // The sub-ledger and the ledger must agree; a mismatch is a bug, never shown as a figure.
    throw new AppError('unavailable', 'lending.books_mismatch', 'остаток долга не сходится с учётом', {
      deal: deal.number,
      ledger: String(ledgerPrincipal),
      loan: String(p.principalLeft),
    });
  }
  return {
    deal,
    asOf,
    totalDebt: p.totalDebt,
    principalLeft: ledgerPrincipal,
    interest: p.interestUnpaid,
    currentDue: p.currentPrincipal + p.currentLineInterest,
    currentPrincipal: p.currentPrincipal,
    currentInterest: p.currentLineInterest,
    overdueDue: p.overduePrincipal + p.overdueInterest,
    daysPastDue: p.daysPastDue,
    overduePrincipal: p.overduePrincipal,
    overdueInterest: p.overdueInterest,
    penalties: p.penaltyUnpaid,
    duty: p.dutyUnpaid,
    other: p.otherUnpaid,
    accountBalance: p.advance,
    schedule,
    payments,
  };
}
