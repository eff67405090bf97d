import { type Entry, transfer } from '../../ledger/index.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import type { Kopecks } from '../../platform/money.ts';
import { orgAccounts } from '../deals/ledger-accounts.ts';

export interface AccrualTotals {
  deals: number;
  interest: Kopecks;
  penalty: Kopecks;
}

/**
 * Accrues `date` for the active loans with ids in [lo, hi] (one set-based statement) and posts
 * the totals as one ledger transfer under `key`: interest and penalty income against their
 * aggregated receivables. Nothing to accrue, nothing posted.
 */
export async function accrueRange(
  db: Queryable,
  date: string,
  lo: bigint,
  hi: bigint,
  key: string,
): Promise<AccrualTotals> {
  const { rows } = await db.query<{ deals: bigint; interest: bigint; penalty: bigint }>(
    'SELECT deals, interest, penalty FROM lending.accrue($1::date, $2, $3)',
    [date, lo, hi],
  );
  const r = rows[0]!;
  const totals = { deals: Number(r.deals), interest: r.interest, penalty: r.penalty };
  if (totals.interest > 0n || totals.penalty > 0n) {
    const acc = await orgAccounts(db);
    const entries: Entry[] = [];
    if (totals.interest > 0n)
      entries.push(
        { account: acc.interest_income, amount: -totals.interest },
        { account: acc.interest_receivable, amount: totals.interest },
      );
    if (totals.penalty > 0n)
      entries.push(
        { account: acc.penalty_income, amount: -totals.penalty },
        { account: acc.penalty_receivable, amount: totals.penalty },
      );
    await transfer(db, {
      key,
      kind: 'lending.accrual',
      entries,
      description: `Начисление процентов и неустойки за ${date}`,
      metadata: { date, lo: String(lo), hi: String(hi), deals: totals.deals },
    });
  }
  return totals;
}

/** Brings one loan's accrual up to `date` (before a repayment, or in the demo). */
export function accrueDeal(db: Queryable, dealId: bigint, date: string): Promise<AccrualTotals> {
  return accrueRange(db, date, dealId, dealId, `lending:accrue:${date}:deal:${dealId}`);
}
