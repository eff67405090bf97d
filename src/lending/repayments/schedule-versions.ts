import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { getDeal, getSchedule, saveSchedule } from '../deals/repository.ts';
import { getLoanState } from '../debt/loan-state.ts';
import { fullCost, scheduleCashflows } from '../psk.ts';
import { type EarlyRepaymentMode, reviseSchedule } from '../schedule-revision.ts';
import type { ScheduleLine } from '../types.ts';

export interface ScheduleVersion {
  version: number;
  date: string;
  /** issue | reduce_payment | shorten_term | reversal */
  reason: string;
  paymentId: bigint | null;
  pskPercent: string;
  pskAmount: Kopecks;
  lines: ScheduleLine[];
}

interface StoredLine {
  n: number;
  dueDate: string;
  principal: string;
  interest: string;
  total: string;
  principalAfter: string;
}

const toJson = (lines: readonly ScheduleLine[]): string =>
  JSON.stringify(
    lines.map((l) => ({
      n: l.n,
      dueDate: l.dueDate,
      principal: String(l.principal),
      interest: String(l.interest),
      total: String(l.total),
      principalAfter: String(l.principalAfter),
    })),
  );

const fromJson = (lines: StoredLine[]): ScheduleLine[] =>
  lines.map((l) => ({
    n: l.n,
    dueDate: l.dueDate,
    principal: BigInt(l.principal),
    interest: BigInt(l.interest),
    total: BigInt(l.total),
    principalAfter: BigInt(l.principalAfter),
  }));

/** Every schedule the deal has had, oldest first (empty while the schedule at issue is unchanged). */
export async function listScheduleVersions(db: Queryable, dealId: bigint): Promise<ScheduleVersion[]> {
  const { rows } = await db.query<{
    version: number;
    business_date: string;
    reason: string;
    payment_id: bigint | null;
    psk_percent: string;
    psk_amount: bigint;
    lines: StoredLine[];
  }>(
    `SELECT version, business_date::text, reason, payment_id, psk_percent::text, psk_amount, lines
     FROM lending.schedule_versions WHERE deal_id = $1 ORDER BY version`,
    [dealId],
  );
  return rows.map((r) => ({
    version: r.version,
    date: r.business_date,
    reason: r.reason,
    paymentId: r.payment_id,
    pskPercent: r.psk_percent,
    pskAmount: r.psk_amount,
    lines: fromJson(r.lines),
  }));
}

async function addVersion(
  db: Queryable,
  dealId: bigint,
  v: Omit<ScheduleVersion, 'version'>,
): Promise<number> {
  const { rows } = await db.query<{ version: number }>(
    `INSERT INTO lending.schedule_versions (deal_id, version, business_date, reason, payment_id, psk_percent,
       psk_amount, lines)
     SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7::jsonb
     FROM lending.schedule_versions WHERE deal_id = $1
     RETURNING version`,
    [dealId, v.date, v.reason, v.paymentId, v.pskPercent, v.pskAmount, toJson(v.lines)],
  );
  return rows[0]!.version;
}

/** Puts `lines` in force: the schedule COB reads, the loan's last due date; the period restarts. */
async function putInForce(db: Queryable, dealId: bigint, lines: ScheduleLine[]): Promise<void> {
  await saveSchedule(db, dealId, lines);
  await db.query('UPDATE lending.loan_state SET last_due_date = $2, interest_frac = 0 WHERE deal_id = $1', [
    dealId,
    lines[lines.length - 1]!.dueDate,
  ]);
}

/**
 * After a partial early repayment (the loan locked, the payment applied): the remaining
 * principal re-amortised by the borrower's choice, the new schedule put in force with its ПСК,
 * the old one kept as a version (the schedule at issue becomes version 1 on the first change).
 * Returns the new version's number.
 */
export async function reamortise(
  db: Queryable,
  dealId: bigint,
  date: string,
  mode: EarlyRepaymentMode,
  paymentId: bigint,
): Promise<number> {
  const state = (await getLoanState(db, dealId))!;
  const rate = (
    await db.query<{ r: string }>('SELECT daily_rate::text AS r FROM lending.loan_state WHERE deal_id = $1', [
      dealId,
    ])
  ).rows[0]!.r;
  const lines = await getSchedule(db, dealId);
  const existing = await db.query('SELECT 1 FROM lending.schedule_versions WHERE deal_id = $1 LIMIT 1', [
    dealId,
  ]);
  if (existing.rowCount === 0) {
    const deal = await getDeal(db, dealId);
    const cost =
      deal.pskPercent !== null && deal.pskAmount !== null
        ? { percent: deal.pskPercent, amount: deal.pskAmount }
        : fullCost(scheduleCashflows(state.principal, state.issueDate, lines));
    await addVersion(db, dealId, {
      date: state.issueDate,
      reason: 'issue',
      paymentId: null,
      pskPercent: cost.percent,
      pskAmount: cost.amount,
      lines,
    });
  }
  const revised = reviseSchedule({
    lines,
    date,
    principal: state.principal,
    principalPaid: state.principalPaid,
    interestPaid: state.interestPaid,
    dailyRate: rate,
    mode,
  });
  const cost = fullCost(scheduleCashflows(state.principal, state.issueDate, revised));
  await putInForce(db, dealId, revised);
  return addVersion(db, dealId, {
    date,
    reason: mode,
    paymentId,
    pskPercent: cost.percent,
    pskAmount: cost.amount,
    lines: revised,
  });
}

/**
 * A re-amortising payment reversed: the schedule before it comes back in force, as a new
 * version. Refused when a later change has been made on top of it (reverse that first).
 */
export async function restoreScheduleBefore(
  db: Queryable,
  dealId: bigint,
  version: number,
  date: string,
  paymentId: bigint,
): Promise<void> {
  const versions = await listScheduleVersions(db, dealId);
  const latest = versions.at(-1);
  const before = versions.find((v) => v.version === version - 1);
  if (!latest || latest.version !== version || !before)
    throw new AppError(
      'conflict',
      'lending.schedule_changed',
      'после этого платежа график менялся ещё раз: сначала сторнируйте более поздний платёж',
    );
  await putInForce(db, dealId, before.lines);
  await addVersion(db, dealId, {
    date,
    reason: 'reversal',
    paymentId,
    pskPercent: before.pskPercent,
    pskAmount: before.pskAmount,
    lines: before.lines,
  });
}
