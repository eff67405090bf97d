import type { TransferInput } from '../../ledger/index.ts';
import { type Actor, audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { accrualEntries, accrueDeal } from '../accrual/post-accrual.ts';
import { todayMoscow } from '../dates.ts';
import { moveDeal } from '../deals/history.ts';
import { orgAccounts, shardOf } from '../deals/ledger-accounts.ts';
import { DEAL_COLUMNS, type Deal, getDeal, getSchedule, toDeal } from '../deals/repository.ts';
import { ACTIVE_STATUSES } from '../deals/statuses.ts';
import { getLoanState, LOAN_STATE_PREFIXED, type LoanState, prefixedLoanState } from '../debt/loan-state.ts';
import { type Position, positionOf } from '../debt/position.ts';
import { type ScheduleJson, scheduleFromJson } from '../debt/summary.ts';
import type { EarlyRepaymentMode } from '../schedule-revision.ts';
import type { ScheduleLine } from '../types.ts';
import { type Allocation, allocate, type Dues } from './allocation.ts';
import { paymentTransfer, type RepaymentRecord, recordRepayment } from './post-payment.ts';
import { reamortise } from './schedule-versions.ts';

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
  /**
   * After a partial early repayment, the borrower's choice: smaller instalments over the same
   * term (`reduce_payment`, default) or the same instalments over a shorter term.
   */
  earlyMode?: EarlyRepaymentMode;
  online?: boolean;
  toBankAccount?: boolean;
  /**
   * The deal and its loan state as `lockDeals` returned them in this transaction, with nothing
   * written to them since: the repayment does not lock and read them again.
   */
  locked?: LockedDeal;
  /**
   * Called under the loan's lock with the debt on the payment date (accrual included), before
   * anything is posted; throws to refuse the payment (a payment service's limits, say).
   */
  accept?: (totalDebt: Kopecks) => void;
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

export interface PaymentRow {
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
    // Duty and other charges: "other payments", last in the order of 353-FZ art. 5 part 20.
    other: p.dutyUnpaid + p.otherUnpaid,
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

/** How much of an allocation's "other payments" pays duty: duty first, then other charges. */
export function dutyPart(a: Allocation, p: Position): Kopecks {
  return a.other < p.dutyUnpaid ? a.other : p.dutyUnpaid;
}

/** Applies the allocation to the loan's sub-ledger (`duty`: the part of `other` that pays duty). */
export async function applyToState(
  db: Queryable,
  dealId: bigint,
  a: Allocation,
  advanceDelta: Kopecks,
  duty: Kopecks = 0n,
): Promise<void> {
  await db.query(
    `UPDATE lending.loan_state SET principal_paid = principal_paid + $2, interest_paid = interest_paid + $3,
       penalty_paid = penalty_paid + $4, advance = advance + $5, duty_paid = duty_paid + $6,
       other_paid = other_paid + $7
     WHERE deal_id = $1`,
    [
      dealId,
      a.overduePrincipal + a.currentPrincipal + a.earlyPrincipal,
      a.overdueInterest + a.currentInterest,
      a.penalty,
      advanceDelta,
      duty,
      a.other - duty,
    ],
  );
}

/** "Оплачен" when nothing is owed any more; "Внесен аванс" when money waits on account. */
export async function settleStatus(db: Queryable, dealId: bigint, date: string, actor: Actor): Promise<void> {
  const state = (await getLoanState(db, dealId))!;
  const deal = await getDeal(db, dealId);
  await settleStatusOf(db, deal, state, date, actor);
}

/** settleStatus from the deal and loan state the caller already holds (under the deal's lock). */
async function settleStatusOf(
  db: Queryable,
  deal: Deal,
  state: LoanState,
  date: string,
  actor: Actor,
): Promise<void> {
  const owed =
    state.principal -
    state.principalPaid +
    state.interestAccrued -
    state.interestPaid +
    state.penaltyAccrued -
    state.penaltyPaid +
    state.dutyAccrued -
    state.dutyPaid +
    state.otherAccrued -
    state.otherPaid;
  if (owed === 0n) {
    await moveDeal(db, deal.id, 'Оплачен', actor, `заём погашен ${date}`);
  } else if (state.advance > 0n && deal.status === 'Выдан') {
    await moveDeal(db, deal.id, 'Внесен аванс', actor, 'внесён аванс раньше даты платежа');
  } else if (state.advance === 0n && deal.status === 'Внесен аванс') {
    await moveDeal(db, deal.id, 'Выдан', actor, 'аванс зачтён в платёж');
  }
}

/**
 * A repayment: idempotent by (service, txnId) — a retry returns the first payment — and
 * serialised per deal by the deal's row lock, so parallel payments on one loan each see the
 * debt the previous one left. Accrual is brought up to the payment date, the amount is
 * allocated by 353-FZ art. 5 part 20 and posted as one ledger transfer.
 *
 * For speed (docs/lending.md, "Repayments"): the accrual through the payment date updates only
 * the loan's sub-ledger at first; its ledger transfer and the payment's are posted together in
 * one `post_transfers` call near the end, on the deal's shard of the lender's accounts, so
 * those rows stay locked only for the few statements before commit.
 */
export async function repay(
  db: Queryable,
  input: RepaymentInput,
  actor: Actor,
): Promise<{ payment: Payment; replayed: boolean }> {
  checkRepaymentInput(input);
  const date = input.date ?? todayMoscow();
  const decided = await decideRepayment(db, input, date, await loadForPayment(db, input, date));
  if ('replay' in decided) return { payment: decided.replay, replayed: true };
  const { plan } = decided;
  // One statement from here to commit (the lender's shard accounts stay locked until then):
  // the number, both transfers, the loan's paid amounts and the payment's row.
  const row = await recordRepayment<PaymentRow>(db, plan.transfers, plan.record, PAYMENT_COLUMNS);
  return { payment: await finishRepayment(db, plan, row, input, actor), replayed: false };
}

/** The input's own checks, before anything is read. */
export function checkRepaymentInput(input: RepaymentInput): void {
  if (input.amount <= 0n)
    throw new AppError('validation', 'lending.amount', 'сумма платежа должна быть больше нуля');
  if (!input.service || !input.txnId)
    throw new AppError('validation', 'lending.txn', 'не указан платёжный сервис или номер транзакции');
}

/** What a repayment read under its deal's lock (loadForPayment; repayMany for a batch). */
export interface LoadedForPayment {
  deal: Deal;
  locked?: LoanState;
  existing?: Payment;
  schedule: ScheduleLine[];
  accrued: { interest: Kopecks; penalty: Kopecks };
}

/** A repayment decided and not posted yet: its transfers and row, and what finishing needs. */
export interface RepaymentPlan {
  deal: Deal;
  state: LoanState;
  position: Position;
  allocation: Allocation;
  duty: Kopecks;
  date: string;
  transfers: TransferInput[];
  record: RepaymentRecord;
}

/**
 * From what was read to what will be posted: a replay of the (service, txn) payment, or the
 * allocation by 353-FZ art. 5 part 20 with its transfers (the accrual's, if any, and the
 * payment's). Throws the refusals (another payment's txn, a deal not payable, `accept`).
 */
export async function decideRepayment(
  db: Queryable,
  input: RepaymentInput,
  date: string,
  loaded: LoadedForPayment,
): Promise<{ replay: Payment } | { plan: RepaymentPlan }> {
  const { deal, locked, existing, schedule, accrued } = loaded;
  if (existing) {
    if (existing.dealId !== deal.id || existing.amount !== input.amount)
      throw new AppError(
        'conflict',
        'lending.txn_reused',
        'номер транзакции уже использован для другого платежа',
      );
    return { replay: existing };
  }
  if (!ACTIVE_STATUSES.includes(deal.status))
    throw new AppError(
      'conflict',
      'lending.deal_not_payable',
      `по договору в статусе «${deal.status}» платёж не принимается`,
    );
  if (!locked) throw new AppError('conflict', 'lending.not_issued', 'заём по договору не выдан');
  // The accrual through `date` was written with the reads (loan_state only; its transfer below).
  const state: LoanState = {
    ...locked,
    interestAccrued: locked.interestAccrued + accrued.interest,
    penaltyAccrued: locked.penaltyAccrued + accrued.penalty,
    accruedThrough: locked.active && locked.accruedThrough < date ? date : locked.accruedThrough,
  };
  const position = positionOf(state, schedule, date);
  input.accept?.(position.totalDebt);
  const a = allocate(input.amount, duesOf(position), input.early ?? false);
  const duty = dutyPart(a, position);
  const transfers: TransferInput[] = [];
  if (accrued.interest > 0n || accrued.penalty > 0n)
    transfers.push({
      key: `lending:accrue:${date}:deal:${deal.id}`,
      kind: 'lending.accrual',
      entries: accrualEntries(await orgAccounts(db, shardOf(deal.id)), accrued),
      description: `Начисление процентов и неустойки за ${date}`,
      metadata: { date, lo: String(deal.id), hi: String(deal.id), deals: 1 },
    });
  const paymentKey = `lending:repay:${input.service}:${input.txnId}`;
  // The number is taken in the statement that posts ('{number}' in the description).
  transfers.push(
    await paymentTransfer(
      db,
      state,
      a,
      'cash',
      paymentKey,
      `Оплата по договору ${deal.number}, {number}`,
      duty,
    ),
  );
  return {
    plan: {
      deal,
      state,
      position,
      allocation: a,
      duty,
      date,
      transfers,
      record: {
        numberPrefix: 'ПКО',
        paymentKey,
        dealId: deal.id,
        service: input.service,
        txnId: input.txnId,
        date,
        amount: input.amount,
        allocation: a,
        duty,
        online: input.online ?? false,
        toBankAccount: input.toBankAccount ?? false,
      },
    },
  };
}

/**
 * After the payment's row is written: a new schedule for a partial early repayment, the deal's
 * status ("Оплачен", "Внесен аванс") and the audit record of a person's payment.
 */
export async function finishRepayment(
  db: Queryable,
  plan: RepaymentPlan,
  row: PaymentRow,
  input: RepaymentInput,
  actor: Actor,
): Promise<Payment> {
  const { deal, state, position, allocation: a, duty, date } = plan;
  const principalPaid = a.overduePrincipal + a.currentPrincipal + a.earlyPrincipal;
  const interestPaid = a.overdueInterest + a.currentInterest;
  const after: LoanState = {
    ...state,
    principalPaid: state.principalPaid + principalPaid,
    interestPaid: state.interestPaid + interestPaid,
    penaltyPaid: state.penaltyPaid + a.penalty,
    advance: state.advance + a.toAdvance,
    dutyPaid: state.dutyPaid + duty,
    otherPaid: state.otherPaid + (a.other - duty),
  };
  // A partial early repayment re-computes the remaining instalments (the borrower's choice of
  // smaller instalments or a shorter term); paying the loan off in full needs no new schedule.
  if (
    a.earlyPrincipal > 0n &&
    state.accrualMode === 'daily' &&
    a.earlyPrincipal < position.principalLeft - a.overduePrincipal - a.currentPrincipal
  ) {
    const version = await reamortise(db, deal.id, date, input.earlyMode ?? 'reduce_payment', row.id);
    await db.query('UPDATE lending.payments SET schedule_version = $2 WHERE id = $1', [row.id, version]);
  }
  await settleStatusOf(db, deal, after, date, actor);
  if (actor.type === 'staff' || actor.type === 'cli') {
    await audit(db, {
      actor,
      action: 'lending.payment.create',
      subjectType: 'lending.deal',
      subjectId: String(deal.id),
      details: { payment: row.number, amount: input.amount },
    });
  }
  return toPayment(row);
}

/** A deal and its loan state, locked: one row of `lockDeals`. */
export interface LockedDeal {
  number: string;
  row: Record<string, unknown>;
}

/**
 * Locks the issued deals of `numbers` and their loan states in id order (one statement, for a
 * caller that repays several in one transaction: it never waits for a deal while holding the
 * lender's accounts) and returns them by number, for `RepaymentInput.locked`. A deal not issued
 * or unknown is not in the answer (its repayment locks and refuses as usual).
 */
export async function lockDeals(db: Queryable, numbers: string[]): Promise<Map<string, LockedDeal>> {
  const { rows } = await db.query<Record<string, unknown> & { number: string }>({
    name: 'lending.pay_lock_many',
    text: `SELECT ${DEAL_COLUMNS}, ${LOAN_STATE_PREFIXED}
     FROM lending.deals d JOIN lending.loan_state s ON s.deal_id = d.id
     WHERE d.number = ANY($1::text[]) ORDER BY d.id FOR UPDATE OF d, s`,
    values: [numbers],
  });
  return new Map(rows.map((row) => [row.number, { number: row.number, row }]));
}

/**
 * What a repayment reads, in two statements: the deal and its loan state locked together (the
 * deal's lock serialises payments on the loan; the state's, COB's set-based accrual, which does
 * not take the deal's), then — after the locks, so a payment that committed while this one
 * waited is seen — lending.repay_reads (migration 0026): the (service, txn) payment, and when
 * there is none, the schedule and the loan's accrual through `date` written to its state (when
 * the deal is payable and its loan active and behind; the caller posts its transfer).
 */
async function loadForPayment(db: Queryable, input: RepaymentInput, date: string): Promise<LoadedForPayment> {
  const byId = typeof input.deal === 'bigint';
  const none = { interest: 0n, penalty: 0n };
  // Named: each connection plans the hot path's statements once. Locked by the caller: as read then.
  const { rows } =
    input.locked && input.locked.number === input.deal
      ? { rows: [input.locked.row] }
      : await db.query<Record<string, unknown>>({
          name: byId ? 'lending.pay_lock_by_id' : 'lending.pay_lock_by_number',
          text: `SELECT ${DEAL_COLUMNS}, ${LOAN_STATE_PREFIXED}
     FROM lending.deals d JOIN lending.loan_state s ON s.deal_id = d.id
     WHERE ${byId ? 'd.id = $1' : 'd.number = $1'} FOR UPDATE OF d, s`,
          values: [input.deal],
        });
  if (!rows[0]) {
    // Not issued (or no such deal): the plain reads, for the refusal in the usual order.
    const deal = await getDeal(db, input.deal, true);
    return { deal, existing: await findPayment(db, input.service, input.txnId), schedule: [], accrued: none };
  }
  const row = rows[0];
  const deal = toDeal(row as unknown as Parameters<typeof toDeal>[0]);
  const locked = prefixedLoanState(row)!;
  const accrue = accruesOnPayment(deal, locked, date);
  const after = await db.query<RepayReads>({
    name: 'lending.repay_reads',
    text: 'SELECT existing, accrued_interest, accrued_penalty, schedule FROM lending.repay_reads($1, $2, $3, $4::date, $5)',
    values: [deal.id, input.service, input.txnId, date, accrue],
  });
  return loadedFromReads(db, input, deal, locked, after.rows[0]!);
}

/** One row of lending.repay_reads (migration 0026). */
export interface RepayReads {
  existing: bigint | null;
  accrued_interest: bigint;
  accrued_penalty: bigint;
  schedule: ScheduleJson[] | null;
}

/** Whether the reads accrue the loan through `date` (payable, active, behind): as the caller saw it locked. */
export function accruesOnPayment(deal: Deal, locked: LoanState, date: string): boolean {
  return ACTIVE_STATUSES.includes(deal.status) && locked.active && locked.accruedThrough < date;
}

/** The repayment's reads: the locked rows plus lending.repay_reads' row (the stored payment read whole). */
export async function loadedFromReads(
  db: Queryable,
  input: RepaymentInput,
  deal: Deal,
  locked: LoanState,
  r: RepayReads,
): Promise<LoadedForPayment> {
  const schedule = scheduleFromJson(r.schedule);
  const existing = r.existing === null ? undefined : await findPayment(db, input.service, input.txnId);
  return {
    deal,
    locked,
    existing,
    schedule,
    accrued: { interest: r.accrued_interest, penalty: r.accrued_penalty },
  };
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
