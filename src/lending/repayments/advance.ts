import type { Pool, Queryable } from '../../platform/db/pool.ts';
import { withTx } from '../../platform/db/tx.ts';
import type { Kopecks } from '../../platform/money.ts';
import { allocate } from './allocation.ts';
import { postPayment } from './post-payment.ts';
import { applyToState, duesOf, dutyPart, lockedPosition, settleStatus } from './repay.ts';

const COB_ACTOR = { type: 'system', id: 'cob' } as const;

/**
 * Applies the advance kept on account to what is due on `date` (overdue parts, penalty, and the
 * instalment due that day), as one ledger transfer off the client's account. Idempotent by the
 * loan's state: once what is due is covered, a second call applies nothing.
 */
export async function applyAdvance(db: Queryable, dealId: bigint, date: string): Promise<Kopecks> {
  const { state, position: p } = await lockedPosition(db, dealId, date);
  if (state.advance === 0n || !state.active) return 0n;
  const dues = duesOf(p);
  // The current instalment only on its due date; charges (duty, other) as soon as they are put.
  const today = p.currentLine?.dueDate === date;
  const payable = {
    ...dues,
    currentInterest: today ? dues.currentInterest : 0n,
    currentPrincipal: today ? dues.currentPrincipal : 0n,
    futurePrincipal: 0n,
  };
  const due =
    payable.overdueInterest +
    payable.overduePrincipal +
    payable.penalty +
    payable.currentInterest +
    payable.currentPrincipal +
    payable.other;
  const amount = state.advance < due ? state.advance : due;
  if (amount === 0n) return 0n;
  const a = allocate(amount, payable);
  const duty = dutyPart(a, p);
  // Under the loan's lock, what is due is the idempotency (covered once, nothing is applied
  // again); the number only names this application.
  const number = (
    await db.query<{ n: string }>(
      `SELECT 'ЗАЧ' || lpad(nextval('lending.payment_number_seq')::text, 8, '0') AS n`,
    )
  ).rows[0]!.n;
  const transferId = await postPayment(
    db,
    state,
    a,
    'advance',
    `lending:advance:${number}`,
    `Зачёт аванса ${date}`,
    duty,
  );
  await db.query(
    `INSERT INTO lending.payments (number, deal_id, service, txn_id, business_date, amount, overdue_interest,
       overdue_principal, penalty, current_interest, current_principal, other, early_principal, to_advance,
       from_advance, transfer_id, duty)
     VALUES ($1, $2, 'advance', $3, $4, $5, $6, $7, $8, $9, $10, $12, 0, 0, $5, $11, $13)`,
    [
      number,
      dealId,
      `${dealId}:${number}`,
      date,
      amount,
      a.overdueInterest,
      a.overduePrincipal,
      a.penalty,
      a.currentInterest,
      a.currentPrincipal,
      transferId,
      a.other,
      duty,
    ],
  );
  await applyToState(db, dealId, a, -amount, duty);
  await settleStatus(db, dealId, date, COB_ACTOR);
  return amount;
}

/** COB step: applies advances of loans with something due on `date`; returns how many. */
export async function applyAdvances(pool: Pool, date: string): Promise<number> {
  const { rows } = await pool.query<{ deal_id: bigint }>(
    `SELECT s.deal_id FROM lending.loan_state s
     WHERE s.active AND s.advance > 0
       AND (s.dpd > 0 OR s.duty_accrued > s.duty_paid OR s.other_accrued > s.other_paid OR EXISTS (SELECT 1 FROM lending.schedule_lines l WHERE l.deal_id = s.deal_id AND l.due_date = $1::date))
     ORDER BY s.deal_id`,
    [date],
  );
  let applied = 0;
  for (const { deal_id } of rows) {
    const amount = await withTx(pool, (tx) => applyAdvance(tx, deal_id, date));
    if (amount > 0n) applied++;
  }
  return applied;
}
