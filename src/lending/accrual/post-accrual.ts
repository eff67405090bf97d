import { type Entry, transfer } from '../../ledger/index.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import type { Kopecks } from '../../platform/money.ts';
import { type CoreAccount, orgAccounts, shardOf } from '../deals/ledger-accounts.ts';

export interface AccrualTotals {
  deals: number;
  interest: Kopecks;
  penalty: Kopecks;
}

/** The ledger legs of accrued interest and penalty: income against the receivables. */
export function accrualEntries(
  acc: Record<CoreAccount, bigint>,
  totals: { interest: Kopecks; penalty: Kopecks },
): Entry[] {
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
  return entries;
}

/**
 * Accrues `date` for the active loans with ids in [lo, hi] (one set-based statement) and posts
 * the totals as one ledger transfer under `key`: interest and penalty income against their
 * aggregated receivables (shard 0 of the lender's accounts; only the sum over shards means
 * anything). Nothing to accrue, nothing posted.
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
    await transfer(db, {
      key,
      kind: 'lending.accrual',
      entries: accrualEntries(await orgAccounts(db), totals),
      description: `Начисление процентов и неустойки за ${date}`,
      metadata: { date, lo: String(lo), hi: String(hi), deals: totals.deals },
    });
  }
  return totals;
}

/**
 * One loan's accrual through `date` in lending.loan_state only (the caller posts the ledger
 * side, e.g. within the repayment's own transfer). One statement, planned once per session.
 */
export async function accrueDealState(
  db: Queryable,
  dealId: bigint,
  date: string,
): Promise<{ interest: Kopecks; penalty: Kopecks }> {
  const { rows } = await db.query<{ accrued_interest: bigint; accrued_penalty: bigint }>(
    'SELECT accrued_interest, accrued_penalty FROM lending.accrue_deal($1::date, $2)',
    [date, dealId],
  );
  return { interest: rows[0]!.accrued_interest, penalty: rows[0]!.accrued_penalty };
}

/**
 * Brings one loan's accrual up to `date` (before a reversal or a charge, or in the demo) and
 * posts it on the deal's shard of the lender's accounts.
 */
export async function accrueDeal(db: Queryable, dealId: bigint, date: string): Promise<AccrualTotals> {
  const t = await accrueDealState(db, dealId, date);
  const deals = t.interest > 0n || t.penalty > 0n ? 1 : 0;
  if (deals)
    await transfer(db, {
      key: `lending:accrue:${date}:deal:${dealId}`,
      kind: 'lending.accrual',
      entries: accrualEntries(await orgAccounts(db, shardOf(dealId)), t),
      description: `Начисление процентов и неустойки за ${date}`,
      metadata: { date, lo: String(dealId), hi: String(dealId), deals: 1 },
    });
  return { deals, ...t };
}
