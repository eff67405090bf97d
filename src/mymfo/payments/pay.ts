import { todayMoscow } from '../../lending/dates.ts';
import { getDeal } from '../../lending/deals/repository.ts';
import { findPayment, type Payment } from '../../lending/repayments/repay.ts';
import type { Actor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import type { OsmpAnswer } from './answer.ts';
import { checkAmount } from './check.ts';
import { OSMP, OsmpRefusal } from './codes.ts';
import { type PayWork, payShared } from './pay-batch.ts';
import type { OsmpRequest } from './request.ts';

export interface PayOptions {
  /** The payment service as the engine keys payments: 'QIWI', 'Site/<IDPayService>', 'KOPEK'. */
  service: string;
  /** ОнлайнОплата of PS/deal: true for acquiring on the site (Payment/Site). */
  online: boolean;
}

/**
 * `command=pay`: the loan engine's repayment (allocation by 353-FZ, one ledger transfer) plus
 * the protocol's own record, in one transaction — shared with the concurrent pays of the same
 * shard of the lender's accounts (`pay-batch.ts`: one commit for all, a savepoint each).
 * Idempotent per (service, txn_id): a repeat answers the stored payment's prv_txn and moves
 * nothing; the same txn_id with another deal or sum is refused with 300 (the engine's
 * `lending.txn_reused`). Parallel repeats serialise on the deal's row lock (or run in one
 * transaction, in order), so the second finds the first's payment; a repeat racing on another
 * deal loses on the unique key and is answered from the stored row. The limit (no more than
 * the debt today) is checked by the engine under the loan's lock, on the debt it has just
 * accrued, before anything is posted.
 */
export async function payDeal(
  ctx: AppContext,
  request: OsmpRequest,
  options: PayOptions,
): Promise<OsmpAnswer> {
  const amount = request.amount!;
  checkAmount(amount, undefined);
  const actor: Actor = { type: 'system', id: `mymfo:payment:${options.service}` };
  const work: PayWork<OsmpAnswer> = {
    account: request.account,
    input: {
      amount,
      service: options.service,
      txnId: request.txnId,
      date: todayMoscow(),
      online: options.online,
      accept: (debt) => checkAmount(amount, debt),
    },
    actor,
    record: {
      service: options.service,
      txnId: request.txnId,
      txnDate: request.txnDate!,
      account: request.account,
      amount,
    },
    answer: ({ payment }) => paid(payment),
  };
  let result = await payShared(ctx.pool, work);
  // A deadlock inside a shared transaction rolled back this pay only: once more, on its own turn.
  if ('error' in result && transient(result.error)) result = await payShared(ctx.pool, work);
  if ('answer' in result) return result.answer;
  const error = result.error;
  if (!lostRace(error)) throw error;
  const stored = await findPayment(ctx.pool, options.service, request.txnId);
  if (!stored) throw error;
  const deal = await getDeal(ctx.pool, request.account);
  return replay(stored, deal.id, amount);
}

function paid(payment: Payment): OsmpAnswer {
  return {
    result: OSMP.ok,
    comment: '',
    prvTxn: String(payment.id),
    amount: payment.amount,
    receipt: payment.number,
  };
}

function replay(stored: Payment, dealId: bigint, amount: bigint): OsmpAnswer {
  if (stored.dealId !== dealId || stored.amount !== amount)
    throw new OsmpRefusal(OSMP.other, 'txn_id уже использован для другого платежа');
  return paid(stored);
}

/** A parallel request with the same (service, txn_id) committed first. */
function lostRace(error: unknown): boolean {
  if ((error as { code?: string }).code === '23505') return true;
  return error instanceof AppError && error.code === 'ledger.idempotency_conflict';
}

function transient(error: unknown): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return code === '40P01' || code === '40001';
}
