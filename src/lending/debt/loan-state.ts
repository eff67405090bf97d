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

export interface LoanStateRow {
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
/** The columns of a LoanStateRow, as `SELECT ... FROM lending.loan_state s` reads them. */
export const LOAN_STATE_COLUMNS = `s.deal_id, s.client_id, s.active, s.accrual_mode, s.principal, s.principal_paid,
  s.interest_accrued, s.interest_paid, s.penalty_accrued, s.penalty_paid, s.duty_accrued, s.duty_paid, s.other_accrued,
  s.other_paid, s.advance, s.cap_percent, s.cap_amount, s.issue_date::text, s.last_due_date::text,
  s.accrued_through::text, s.principal_account_id`;

/** The state's columns as `s_<name>`, to read beside a deal's (whose names overlap) in one row. */
export const LOAN_STATE_PREFIXED = LOAN_STATE_COLUMNS.split(',')
  .map((c) => c.trim())
  .map((c) => `${c} AS s_${c.replace(/^s\./, '').replace(/::text$/, '')}`)
  .join(', ');

/** The loan state of a row read with LOAN_STATE_PREFIXED; undefined when the loan is not issued. */
export function prefixedLoanState(row: Record<string, unknown>): LoanState | undefined {
  if (row.s_deal_id === null || row.s_deal_id === undefined) return undefined;
  const r = Object.fromEntries(
    Object.entries(row)
      .filter(([k]) => k.startsWith('s_'))
      .map(([k, v]) => [k.slice(2), v]),
  );
  return toLoanState(r as unknown as LoanStateRow);
}

export async function getLoanState(
  db: Queryable,
  dealId: bigint,
  forUpdate = false,
): Promise<LoanState | undefined> {
  const { rows } = await db.query<LoanStateRow>(
    `SELECT ${LOAN_STATE_COLUMNS} FROM lending.loan_state s WHERE s.deal_id = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [dealId],
  );
  return rows[0] && toLoanState(rows[0]);
}

export function toLoanState(r: LoanStateRow): LoanState {
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
    // One deal: the plpgsql wrapper keeps its plan for the session (migrations/0017).
    'SELECT interest, penalty FROM lending.accrual_calc_deal($1::date, $2)',
    [date, dealId],
  );
  return { interest: rows[0]?.interest ?? 0n, penalty: rows[0]?.penalty ?? 0n };
}
