import type { Queryable } from '../../platform/db/pool.ts';
import type { Kopecks } from '../../platform/money.ts';

/** The COB state of an issued loan (lending.loan_state): snapshotted terms and the per-deal sub-ledger. */
export interface LoanState {
  dealId: bigint;
  clientId: bigint;
  active: boolean;
  accrualMode: 'daily' | 'schedule';
  principal: Kopecks;
  principalPaid: Kopecks;
  interestAccrued: Kopecks;
  interestPaid: Kopecks;
  penaltyAccrued: Kopecks;
  penaltyPaid: Kopecks;
  dutyAccrued: Kopecks;
  dutyPaid: Kopecks;
  otherAccrued: Kopecks;
  otherPaid: Kopecks;
  advance: Kopecks;
  capPercent: number;
  capAmount: Kopecks;
  issueDate: string;
  lastDueDate: string;
  accruedThrough: string;
  principalAccountId: bigint;
}

interface Row {
  deal_id: bigint;
  client_id: bigint;
  active: boolean;
  accrual_mode: 'daily' | 'schedule';
  principal: bigint;
  principal_paid: bigint;
  interest_accrued: bigint;
  interest_paid: bigint;
  penalty_accrued: bigint;
  penalty_paid: bigint;
  duty_accrued: bigint;
  duty_paid: bigint;
  other_accrued: bigint;
  other_paid: bigint;
  advance: bigint;
  cap_percent: number;
  cap_amount: bigint;
  issue_date: string;
  last_due_date: string;
  accrued_through: string;
  principal_account_id: bigint;
}

/** The loan's state, or undefined before issue; `forUpdate` locks it for a payment. */
export async function getLoanState(
  db: Queryable,
  dealId: bigint,
  forUpdate = false,
): Promise<LoanState | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT deal_id, client_id, active, accrual_mode, principal, principal_paid, interest_accrued, interest_paid,
       penalty_accrued, penalty_paid, duty_accrued, duty_paid, other_accrued, other_paid, advance, cap_percent,
       cap_amount, issue_date::text, last_due_date::text, accrued_through::text, principal_account_id
     FROM lending.loan_state WHERE deal_id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [dealId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    dealId: r.deal_id,
    clientId: r.client_id,
    active: r.active,
    accrualMode: r.accrual_mode,
    principal: r.principal,
    principalPaid: r.principal_paid,
    interestAccrued: r.interest_accrued,
    interestPaid: r.interest_paid,
    penaltyAccrued: r.penalty_accrued,
    penaltyPaid: r.penalty_paid,
    dutyAccrued: r.duty_accrued,
    dutyPaid: r.duty_paid,
    otherAccrued: r.other_accrued,
    otherPaid: r.other_paid,
    advance: r.advance,
    capPercent: r.cap_percent,
    capAmount: r.cap_amount,
    issueDate: r.issue_date,
    lastDueDate: r.last_due_date,
    accruedThrough: r.accrued_through,
    principalAccountId: r.principal_account_id,
  };
}

/**
 * What accrual through `date` would add to the loan, without writing: the same SQL as COB, so
 * a debt summary shows today the figures the night's COB will post.
 */
export async function pendingAccrual(
  db: Queryable,
  dealId: bigint,
  date: string,
): Promise<{ interest: Kopecks; penalty: Kopecks }> {
  const { rows } = await db.query<{ interest: bigint; penalty: bigint }>(
    'SELECT interest, penalty FROM lending.accrual_calc($1::date, $2, $2)',
    [date, dealId],
  );
  return { interest: rows[0]?.interest ?? 0n, penalty: rows[0]?.penalty ?? 0n };
}
