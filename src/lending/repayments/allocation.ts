import type { Kopecks } from '../../platform/money.ts';

/** What is owed, by the buckets of 353-FZ art. 5 part 20. */
export interface Dues {
  overdueInterest: Kopecks;
  overduePrincipal: Kopecks;
  penalty: Kopecks;
  currentInterest: Kopecks;
  currentPrincipal: Kopecks;
  other: Kopecks;
  /** Principal of later instalments. */
  futurePrincipal: Kopecks;
}

export interface Allocation {
  overdueInterest: Kopecks;
  overduePrincipal: Kopecks;
  penalty: Kopecks;
  currentInterest: Kopecks;
  currentPrincipal: Kopecks;
  other: Kopecks;
  /** Early repayment of later instalments' principal. */
  earlyPrincipal: Kopecks;
  /** Kept on the client's account ("ОстатокНаСчете") for the next due date. */
  toAdvance: Kopecks;
}

/**
 * Splits a payment in the order of 353-FZ art. 5 part 20: overdue interest, overdue principal,
 * penalty, current interest, current principal, other payments. What remains repays the loan
 * early when it covers all the remaining principal or the borrower asked for early repayment
 * (`early`); otherwise it stays on the client's account until the next due date.
 */
export function allocate(amount: Kopecks, dues: Dues, early = false): Allocation {
  if (amount <= 0n) throw new RangeError('amount must be positive');
  let left = amount;
  const take = (due: Kopecks): Kopecks => {
    const part = due < left ? due : left;
    left -= part;
    return part > 0n ? part : 0n;
  };
  const overdueInterest = take(dues.overdueInterest);
  const overduePrincipal = take(dues.overduePrincipal);
  const penalty = take(dues.penalty);
  const currentInterest = take(dues.currentInterest);
  const currentPrincipal = take(dues.currentPrincipal);
  const other = take(dues.other);
  const earlyPrincipal = early || left >= dues.futurePrincipal ? take(dues.futurePrincipal) : 0n;
  return {
    overdueInterest,
    overduePrincipal,
    penalty,
    currentInterest,
    currentPrincipal,
    other,
    earlyPrincipal,
    toAdvance: left,
  };
}
