import type { Actor } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { todayMoscow } from '../dates.ts';
import { type Deal, toDeal } from '../deals/repository.ts';
import { type LoanState, prefixedLoanState } from '../debt/loan-state.ts';
import { recordRepayments } from './post-payment.ts';
import {
  accruesOnPayment,
  checkRepaymentInput,
  decideRepayment,
  finishRepayment,
  type LockedDeal,
  loadedFromReads,
  PAYMENT_COLUMNS,
  type Payment,
  type PaymentRow,
  type RepaymentInput,
  type RepaymentPlan,
  type RepayReads,
} from './repay.ts';

export type RepayOutcome = { payment: Payment; replayed: boolean } | { error: unknown };

/**
 * A payment of the batch was refused after its loan's accrual was written: the caller undoes the
 * transaction and repays one by one (each payment's refusal then undoes only its own writes).
 */
export class RepayBatchRefused extends Error {
  constructor(cause: unknown) {
    super('a repayment of the batch was refused after its accrual', { cause });
    this.name = 'RepayBatchRefused';
  }
}

/**
 * `repay` for many payments of one date on distinct deals, each locked by `lockDeals` in this
 * transaction and made by its own `actor`, in four statements for the whole batch however many payments it holds
 * (docs/mymfo-payments.md, "Group commit"): lending.repay_reads_many (every deal's accrual in one UPDATE), the
 * decisions in TypeScript (`decideRepayment`, as `repay`), then lending.post_repayments (one
 * ledger.post_transfers for every transfer) and the stored payments of replays. A refusal that
 * wrote nothing (another payment's txn, a deal not payable) is that payment's outcome; a refusal
 * after an accrual throws RepayBatchRefused; anything else throws as is. What each payment writes
 * is what `repay` writes for it. `beforePost` gets the indexes of the payments about to be posted
 * (not the replays, not the refused), for the caller's own rows in the same transaction.
 */
export async function repayMany(
  db: Queryable,
  inputs: (RepaymentInput & { locked: LockedDeal; actor: Actor })[],
  beforePost?: (posted: number[]) => Promise<void>,
): Promise<RepayOutcome[]> {
  const outcomes: RepayOutcome[] = new Array(inputs.length);
  const date = inputs[0]?.date ?? todayMoscow();
  const read: { i: number; input: RepaymentInput; deal: Deal; locked: LoanState; accrue: boolean }[] = [];
  const deals = new Set<bigint>();
  for (const [i, input] of inputs.entries()) {
    if ((input.date ?? date) !== date) throw new Error('repayMany: payments of one date');
    try {
      checkRepaymentInput(input);
    } catch (error) {
      outcomes[i] = { error };
      continue;
    }
    const deal = toDeal(input.locked.row as unknown as Parameters<typeof toDeal>[0]);
    if (deals.has(deal.id)) throw new Error('repayMany: a deal twice');
    deals.add(deal.id);
    const locked = prefixedLoanState(input.locked.row)!;
    read.push({ i, input, deal, locked, accrue: accruesOnPayment(deal, locked, date) });
  }
  if (read.length === 0) return outcomes;
  const { rows } = await db.query<RepayReads & { i: number }>({
    name: 'lending.repay_reads_many',
    text: `SELECT i, existing, accrued_interest, accrued_penalty, schedule
      FROM lending.repay_reads_many($1::bigint[], $2::text[], $3::text[], $4::boolean[], $5::date)`,
    values: [
      read.map((r) => String(r.deal.id)),
      read.map((r) => r.input.service),
      read.map((r) => r.input.txnId),
      read.map((r) => r.accrue),
      date,
    ],
  });
  const plans: { i: number; plan: RepaymentPlan }[] = [];
  for (const [k, r] of read.entries()) {
    const reads = rows[k]!;
    const loaded = await loadedFromReads(db, r.input, r.deal, r.locked, reads);
    try {
      const decided = await decideRepayment(db, r.input, date, loaded);
      if ('replay' in decided) outcomes[r.i] = { payment: decided.replay, replayed: true };
      else plans.push({ i: r.i, plan: decided.plan });
    } catch (error) {
      if (loaded.accrued.interest > 0n || loaded.accrued.penalty > 0n) throw new RepayBatchRefused(error);
      outcomes[r.i] = { error };
    }
  }
  if (plans.length === 0) return outcomes;
  await beforePost?.(plans.map((p) => p.i));
  const written = await recordRepayments<PaymentRow>(
    db,
    plans.map((p) => p.plan),
    PAYMENT_COLUMNS,
  );
  // By deal (one payment a deal here): RETURNING does not promise the order of the rows.
  const byDeal = new Map(written.map((row) => [row.deal_id, row]));
  for (const { i, plan } of plans)
    outcomes[i] = {
      payment: await finishRepayment(db, plan, byDeal.get(plan.deal.id)!, inputs[i]!, inputs[i]!.actor),
      replayed: false,
    };
  return outcomes;
}
