import { getClient } from '../../lending/clients/repository.ts';
import { getDeal } from '../../lending/deals/repository.ts';
import { ACTIVE_STATUSES } from '../../lending/deals/statuses.ts';
import { debtSummary } from '../../lending/debt/summary.ts';
import type { AppContext } from '../../platform/context.ts';
import { formatRoubles, type Kopecks } from '../../platform/money.ts';
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

/** "Андрей Александрович К.": first name, patronymic and the surname's initial, as PS/dealforps shows. */
export function maskedName(c: { firstName: string; middleName: string | null; lastName: string }): string {
  return [c.firstName, c.middleName, `${c.lastName.slice(0, 1)}.`].filter(Boolean).join(' ');
}

/**
 * `command=check`: can this deal take a payment of this sum? Answers with what the payer should
 * see before paying: the deal number, the borrower's masked name, the whole debt today and the
 * amount due now (overdue, penalties and the current instalment). Writes nothing.
 */
export async function checkPayment(ctx: AppContext, request: OsmpRequest): Promise<OsmpAnswer> {
  const deal = await getDeal(ctx.pool, request.account);
  if (!ACTIVE_STATUSES.includes(deal.status))
    throw new OsmpRefusal(
      OSMP.accountNotActive,
      `по договору в статусе «${deal.status}» платёж не принимается`,
    );
  const summary = await debtSummary(ctx.pool, deal.id);
  if (request.amount !== undefined) checkAmount(request.amount, summary.totalDebt);
  const client = await getClient(ctx.pool, ctx.cipher, deal.clientId);
  const due = summary.overdueDue + summary.penalties + summary.currentDue;
  return {
    result: OSMP.ok,
    comment: '',
    ...(request.amount !== undefined ? { amount: request.amount } : {}),
    fields: [
      { name: 'deal', value: deal.number },
      { name: 'fio', value: maskedName(client) },
      { name: 'debt', value: formatRoubles(summary.totalDebt) },
      { name: 'due', value: formatRoubles(due < summary.totalDebt ? due : summary.totalDebt) },
    ],
  };
}
