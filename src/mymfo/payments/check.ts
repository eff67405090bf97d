import { dealNotFound as engineDealNotFound } from '../../lending/deals/repository.ts';
import { ACTIVE_STATUSES } from '../../lending/deals/statuses.ts';
import type { AppContext } from '../../platform/context.ts';
import { formatRoubles, type Kopecks } from '../../platform/money.ts';
import { maskedName, readDebtSummary } from '../deals.ts';
import type { OsmpAnswer } from './answer.ts';
import { OSMP, OsmpRefusal } from './codes.ts';
import { MAX_PAYMENT, MIN_PAYMENT } from './limits.ts';
import type { OsmpRequest } from './request.ts';

/** Refuses an amount outside the limits: below the minimum, above the maximum or the debt. */
export function checkAmount(amount: Kopecks, debt: Kopecks | undefined): void {
  if (amount < MIN_PAYMENT)
    throw new OsmpRefusal(OSMP.tooSmall, `сумма меньше минимальной (${formatRoubles(MIN_PAYMENT)})`);
  if (amount > MAX_PAYMENT)
    throw new OsmpRefusal(OSMP.tooLarge, `сумма больше максимальной (${formatRoubles(MAX_PAYMENT)})`);
  if (debt !== undefined && amount > debt)
    throw new OsmpRefusal(OSMP.tooLarge, `сумма больше задолженности по договору (${formatRoubles(debt)})`);
}

/**
 * `command=check`: can this deal take a payment of this sum? Answers with what the payer should
 * see before paying: the deal number, the borrower's masked name, the whole debt today and the
 * amount due now (overdue, penalties and the current instalment). Writes nothing.
 */
export async function checkPayment(ctx: AppContext, request: OsmpRequest): Promise<OsmpAnswer> {
  // The deal, its figures and the borrower's name in one statement shared with concurrent reads.
  const found = await readDebtSummary(ctx.pool, { number: request.account });
  if (!found) throw engineDealNotFound(request.account);
  const { summary, borrower } = found;
  const deal = summary.deal;
  if (!ACTIVE_STATUSES.includes(deal.status))
    throw new OsmpRefusal(
      OSMP.accountNotActive,
      `по договору в статусе «${deal.status}» платёж не принимается`,
    );
  if (request.amount !== undefined) checkAmount(request.amount, summary.totalDebt);
  const due = summary.overdueDue + summary.penalties + summary.currentDue;
  return {
    result: OSMP.ok,
    comment: '',
    ...(request.amount !== undefined ? { amount: request.amount } : {}),
    fields: [
      { name: 'deal', value: deal.number },
      { name: 'fio', value: maskedName(borrower) },
      { name: 'debt', value: formatRoubles(summary.totalDebt) },
      { name: 'due', value: formatRoubles(due < summary.totalDebt ? due : summary.totalDebt) },
    ],
  };
}
