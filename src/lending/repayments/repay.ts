import { type Actor, audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { todayMoscow } from '../accrual/business-date.ts';
import { accrueDeal } from '../accrual/post-accrual.ts';
import { moveDeal } from '../deals/history.ts';
import { getDeal, getSchedule } from '../deals/repository.ts';
import { ACTIVE_STATUSES } from '../deals/statuses.ts';
import { getLoanState, type LoanState } from '../debt/loan-state.ts';
import { type Position, positionOf } from '../debt/position.ts';
import { type Allocation, allocate, type Dues } from './allocation.ts';
import { postPayment } from './post-payment.ts';

export interface RepaymentInput {
  /** Deal id or number ("account" of the payment services). */
  deal: bigint | string;
  amount: Kopecks;
  /** Idempotency: the payment service (QIWI, Site/<id>, cash desk) and its transaction id. */
  service: string;
  txnId: string;
  /** Business date of the payment; today (Moscow) by default. */
  date?: string;
  /** The borrower asked to repay later instalments early with what remains. */
  early?: boolean;
  online?: boolean;
  toBankAccount?: boolean;
}

export interface Payment {
  id: bigint;
  number: string;
  dealId: bigint;
  service: string;
  txnId: string;
  date: string;
  amount: Kopecks;
  allocation: Allocation;
  fromAdvance: Kopecks;
  online: boolean;
  toBankAccount: boolean;
  transferId: bigint;
  reversed: boolean;
  createdAt: Date;
}

interface PaymentRow {
  id: bigint;
  number: string;
  deal_id: bigint;
  service: string;
  txn_id: string;
  business_date: string;
  amount: bigint;
  overdue_interest: bigint;
  overdue_principal: bigint;
  penalty: bigint;
  current_interest: bigint;
  current_principal: bigint;
  other: bigint;
  early_principal: bigint;
  to_advance: bigint;
  from_advance: bigint;
  online: boolean;
  to_bank_account: boolean;
  transfer_id: bigint;
  reversed_at: Date | null;
  created_at: Date;
}

export const PAYMENT_COLUMNS = `id, number, deal_id, service, txn_id, business_date::text, amount, overdue_interest,
  overdue_principal, penalty, current_interest, current_principal, other, early_principal, to_advance, from_advance,
  online, to_bank_account, transfer_id, reversed_at, created_at`;

export function toPayment(r: PaymentRow): Payment {
  return {
    id: r.id,
    number: r.number,
    dealId: r.deal_id,
    service: r.service,
    txnId: r.txn_id,
    date: r.business_date,
    amount: r.amount,
    allocation: {
      overdueInterest: r.overdue_interest,
      overduePrincipal: r.overdue_principal,
      penalty: r.penalty,
      currentInterest: r.current_interest,
      currentPrincipal: r.current_principal,
      other: r.other,
      earlyPrincipal: r.early_principal,
      toAdvance: r.to_advance,
    },
    fromAdvance: r.from_advance,
    online: r.online,
    toBankAccount: r.to_bank_account,
    transferId: r.transfer_id,
    reversed: r.reversed_at !== null,
    createdAt: r.created_at,
  };
}

export function duesOf(p: Position): Dues {
  return {
    overdueInterest: p.overdueInterest,
    overduePrincipal: p.overduePrincipal,
    penalty: p.penaltyUnpaid,
    currentInterest: p.currentInterest,
    currentPrincipal: p.currentPrincipal,
    other: 0n,
    futurePrincipal: p.principalLeft - p.overduePrincipal - p.currentPrincipal,
  };
}

/** Locks the loan, brings its accrual to `date` and returns its position on that date. */
export async function lockedPosition(
  db: Queryable,
  dealId: bigint,
  date: string,
): Promise<{ state: LoanState; position: Position }> {
  const locked = await getLoanState(db, dealId, true);
  if (!locked) throw new AppError('conflict', 'lending.not_issued', 'заём по договору не выдан');
  if (locked.active && locked.accruedThrough < date) await accrueDeal(db, dealId, date);
  const state = (await getLoanState(db, dealId))!;
  return { state, position: positionOf(state, await getSchedule(db, dealId), date) };
}

/** Applies the allocation to the loan's sub-ledger. */
export async function applyToState(
  db: Queryable,
  dealId: bigint,
  a: Allocation,
  advanceDelta: Kopecks,
): Promise<void> {
  await db.query(
    `UPDATE lending.loan_state SET principal_paid = principal_paid + $2, interest_paid = interest_paid + $3,
       penalty_paid = penalty_paid + $4, advance = advance + $5
     WHERE deal_id = $1`,
    [
      dealId,
      a.overduePrincipal + a.currentPrincipal + a.earlyPrincipal,
      a.overdueInterest + a.currentInterest,
      a.penalty,
      advanceDelta,
    ],
  );
}

/** "Оплачен" when nothing is owed any more; "Внесен аванс" when money waits on account. */
export async function settleStatus(db: Queryable, dealId: bigint, date: string, actor: Actor): Promise<void> {
  const state = (await getLoanState(db, dealId))!;
  const deal = await getDeal(db, dealId);
  const owed =
    state.principal -
    state.principalPaid +
    state.interestAccrued -
    state.interestPaid +
    state.penaltyAccrued -
    state.penaltyPaid;
  if (owed === 0n) {
    await moveDeal(db, dealId, 'Оплачен', actor, `заём погашен ${date}`);
  } else if (state.advance > 0n && deal.status === 'Выдан') {
    await moveDeal(db, dealId, 'Внесен аванс', actor, 'внесён аванс раньше даты платежа');
  } else if (state.advance === 0n && deal.status === 'Внесен аванс') {
    await moveDeal(db, dealId, 'Выдан', actor, 'аванс зачтён в платёж');
  }
}

/**
 * A repayment: idempotent by (service, txnId) — a retry returns the first payment — and
 * serialised per deal by the deal's row lock, so parallel payments on one loan each see the
 * debt the previous one left. Accrual is brought up to the payment date, the amount is
 * allocated by 353-FZ art. 5 part 20 and posted as one ledger transfer.
 */
export async function repay(
  db: Queryable,
  input: RepaymentInput,
  actor: Actor,
): Promise<{ payment: Payment; replayed: boolean }> {
  if (input.amount <= 0n)
    throw new AppError('validation', 'lending.amount', 'сумма платежа должна быть больше нуля');
  if (!input.service || !input.txnId)
    throw new AppError('validation', 'lending.txn', 'не указан платёжный сервис или номер транзакции');
  const date = input.date ?? todayMoscow();
  const deal = await getDeal(db, input.deal, true);
  const existing = await findPayment(db, input.service, input.txnId);
  if (existing) {
    if (existing.dealId !== deal.id || existing.amount !== input.amount)
      throw new AppError(
        'conflict',
        'lending.txn_reused',
        'номер транзакции уже использован для другого платежа',
      );
    return { payment: existing, replayed: true };
  }
  if (!ACTIVE_STATUSES.includes(deal.status))
    throw new AppError(
      'conflict',
      'lending.deal_not_payable',
      `по договору в статусе «${deal.status}» платёж не принимается`,
    );
  const { state, position } = await lockedPosition(db, deal.id, date);
  const a = allocate(input.amount, duesOf(position), input.early ?? false);
  const number = (
    await db.query<{ n: string }>(
      `SELECT 'ПКО' || lpad(nextval('lending.payment_number_seq')::text, 8, '0') AS n`,
    )
  ).rows[0]!.n;
  const transferId = await postPayment(
    db,
    state,
    a,
    'cash',
    `lending:repay:${input.service}:${input.txnId}`,
    `Оплата по договору ${deal.number}, ${number}`,
  );
  const { rows } = await db.query<PaymentRow>(
    `INSERT INTO lending.payments (number, deal_id, service, txn_id, business_date, amount, overdue_interest,
       overdue_principal, penalty, current_interest, current_principal, other, early_principal, to_advance,
       online, to_bank_account, transfer_id)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) RETURNING ${PAYMENT_COLUMNS}`,
    [
      number,
      deal.id,
      input.service,
      input.txnId,
      date,
      input.amount,
      a.overdueInterest,
      a.overduePrincipal,
      a.penalty,
      a.currentInterest,
      a.currentPrincipal,
      a.other,
      a.earlyPrincipal,
      a.toAdvance,
      input.online ?? false,
      input.toBankAccount ?? false,
      transferId,
    ],
  );
  await applyToState(db, deal.id, a, a.toAdvance);
  await settleStatus(db, deal.id, date, actor);
  if (actor.type === 'staff' || actor.type === 'cli') {
    await audit(db, {
      actor,
      action: 'lending.payment.create',
      subjectType: 'lending.deal',
      subjectId: String(deal.id),
      details: { payment: number, amount: input.amount },
    });
  }
  return { payment: toPayment(rows[0]!), replayed: false };
}

export async function findPayment(
  db: Queryable,
  service: string,
  txnId: string,
): Promise<Payment | undefined> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM lending.payments WHERE service = $1 AND txn_id = $2`,
    [service, txnId],
  );
  return rows[0] && toPayment(rows[0]);
}

export async function listPayments(db: Queryable, dealId: bigint): Promise<Payment[]> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM lending.payments WHERE deal_id = $1 ORDER BY id`,
    [dealId],
  );
  return rows.map(toPayment);
}
