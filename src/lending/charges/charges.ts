import { randomUUID } from 'node:crypto';
import { transfer } from '../../ledger/index.ts';
import { type Actor, audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import { formatRoublesRu, type Kopecks } from '../../platform/money.ts';
import { isBusinessDate, todayMoscow } from '../dates.ts';
import { orgAccount } from '../deals/ledger-accounts.ts';
import { getDeal } from '../deals/repository.ts';
import { ACTIVE_STATUSES } from '../deals/statuses.ts';
import { getLoanState } from '../debt/loan-state.ts';
import { lockedPosition } from '../repayments/repay.ts';

/**
 * duty: state duty (госпошлина) and other court costs the lender paid and recovers from the
 * borrower — court costs, outside the contract, so outside the overpayment cap;
 * other: fees for services under the contract — inside the cap (353-FZ art. 6 part 24).
 */
export type ChargeKind = 'duty' | 'other';

export interface ChargeInput {
  /** Deal id or number. */
  deal: bigint | string;
  kind: ChargeKind;
  amount: Kopecks;
  reason: string;
  /** Business date of the charge; today (Moscow) by default. */
  date?: string;
  /** Idempotency key within the deal: a retry with it returns the first charge. */
  key?: string;
}

export interface Charge {
  id: bigint;
  dealId: bigint;
  kind: ChargeKind;
  amount: Kopecks;
  reason: string;
  date: string;
  key: string;
  transferId: bigint;
}

interface ChargeRow {
  id: bigint;
  deal_id: bigint;
  kind: ChargeKind;
  amount: bigint;
  reason: string;
  business_date: string;
  idempotency_key: string;
  transfer_id: bigint;
}

const COLUMNS = 'id, deal_id, kind, amount, reason, business_date::text, idempotency_key, transfer_id';

function toCharge(r: ChargeRow): Charge {
  return {
    id: r.id,
    dealId: r.deal_id,
    kind: r.kind,
    amount: r.amount,
    reason: r.reason,
    date: r.business_date,
    key: r.idempotency_key,
    transferId: r.transfer_id,
  };
}

/**
 * Puts a duty or another charge on an issued loan: one ledger transfer (duty: the receivable
 * against the cash the lender paid to the court; other: the receivable against fee income), the
 * loan's `duty_accrued` / `other_accrued`, an audit record. An `other` charge that would take
 * interest + penalties + other charges beyond the deal's cap is refused (`lending.cap.overpayment`);
 * accrual first brings the loan to the charge date, so the room is today's. Repayments take
 * charges last, as "other payments" (353-FZ art. 5 part 20), duty before other fees.
 */
export async function chargeDeal(
  db: Queryable,
  input: ChargeInput,
  actor: Actor,
): Promise<{ charge: Charge; replayed: boolean }> {
  if (input.kind !== 'duty' && input.kind !== 'other')
    throw new AppError(
      'validation',
      'lending.charge_kind',
      'вид начисления: duty (пошлина) или other (прочее)',
    );
  if (input.amount <= 0n)
    throw new AppError('validation', 'lending.amount', 'сумма начисления должна быть больше нуля');
  const reason = input.reason.trim();
  if (!reason || reason.length > 500)
    throw new AppError('validation', 'lending.reason_required', 'укажите основание начисления');
  const date = input.date ?? todayMoscow();
  if (!isBusinessDate(date)) throw new AppError('validation', 'lending.date', `неверная дата: ${date}`);
  const deal = await getDeal(db, input.deal, true);
  const key = input.key ?? randomUUID();
  const existing = await db.query<ChargeRow>(
    `SELECT ${COLUMNS} FROM lending.charges WHERE deal_id = $1 AND idempotency_key = $2`,
    [deal.id, key],
  );
  if (existing.rows[0]) {
    const first = toCharge(existing.rows[0]);
    if (first.kind !== input.kind || first.amount !== input.amount)
      throw new AppError(
        'conflict',
        'lending.charge_key_reused',
        'ключ уже использован для другого начисления',
      );
    return { charge: first, replayed: true };
  }
  if (!ACTIVE_STATUSES.includes(deal.status))
    throw new AppError(
      'conflict',
      'lending.deal_not_chargeable',
      `по договору в статусе «${deal.status}» начисления не производятся`,
    );
  const { state } = await lockedPosition(db, deal.id, date);
  if (input.kind === 'other') {
    const room = state.capAmount - state.interestAccrued - state.penaltyAccrued - state.otherAccrued;
    if (input.amount > room)
      throw new AppError(
        'limit',
        'lending.cap.overpayment',
        `начисление превысит предел ${state.capPercent}% суммы займа: можно не более ${formatRoublesRu(room > 0n ? room : 0n)}`,
      );
  }
  const receivable = await orgAccount(db, input.kind === 'duty' ? 'duty_receivable' : 'other_receivable');
  const counter = await orgAccount(db, input.kind === 'duty' ? 'cash' : 'other_income');
  const t = await transfer(db, {
    key: `lending:charge:${deal.id}:${key}`,
    kind: input.kind === 'duty' ? 'lending.charge_duty' : 'lending.charge_other',
    entries: [
      { account: receivable.id, amount: input.amount },
      { account: counter.id, amount: -input.amount },
    ],
    description: `${input.kind === 'duty' ? 'Пошлина' : 'Прочее начисление'} по договору ${deal.number}: ${reason}`,
  });
  await db.query(
    `UPDATE lending.loan_state SET ${input.kind === 'duty' ? 'duty_accrued = duty_accrued' : 'other_accrued = other_accrued'} + $2
     WHERE deal_id = $1`,
    [deal.id, input.amount],
  );
  const { rows } = await db.query<ChargeRow>(
    `INSERT INTO lending.charges (deal_id, kind, amount, reason, business_date, idempotency_key, transfer_id,
       actor_type, actor_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
    [deal.id, input.kind, input.amount, reason, date, key, t.id, actor.type, actor.id],
  );
  await audit(db, {
    actor,
    action: 'lending.charge.create',
    subjectType: 'lending.deal',
    subjectId: String(deal.id),
    details: { kind: input.kind, amount: input.amount, reason, date },
  });
  return { charge: toCharge(rows[0]!), replayed: false };
}

export async function listCharges(db: Queryable, dealId: bigint): Promise<Charge[]> {
  const { rows } = await db.query<ChargeRow>(
    `SELECT ${COLUMNS} FROM lending.charges WHERE deal_id = $1 ORDER BY id`,
    [dealId],
  );
  return rows.map(toCharge);
}

/** The loan's unpaid duty and other charges (for callers without a position at hand). */
export async function unpaidCharges(
  db: Queryable,
  dealId: bigint,
): Promise<{ duty: Kopecks; other: Kopecks }> {
  const s = await getLoanState(db, dealId);
  return s
    ? { duty: s.dutyAccrued - s.dutyPaid, other: s.otherAccrued - s.otherPaid }
    : { duty: 0n, other: 0n };
}
