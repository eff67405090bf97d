import { enqueue } from '../jobs/queue.ts';
import { type Entry, hold, postHold, voidHold } from '../ledger/index.ts';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { type Tx, withTx } from '../platform/db/tx.ts';
import { AppError } from '../platform/errors.ts';
import { bigintAsString } from '../platform/json.ts';
import { commissionAccount, providerPayableAccount } from './accounts.ts';
import { type Agent, noteBalance } from './agents.ts';
import { findService, type Service } from './catalog.ts';
import { convert } from './conversion.ts';
import { isFinal, ProcessingRefusal, RESULT, resultMessage } from './finality.ts';
import {
  findPayment,
  getPayment,
  type Outcome,
  outcomeOf,
  PAYMENT_COLUMNS,
  type PaymentRow,
  type StoredAnswer,
  subPaymentsOf,
} from './payments.ts';
import { providerFor } from './providers/index.ts';
import type { ProviderAnswer } from './providers/provider.ts';
import { type PaymentRequest, parsePaymentRequest, type RawPaymentRequest, requestHash } from './requests.ts';
import { agentCommission, checkAgainstService } from './service-rules.ts';

/** Money stays reserved while the provider works; longer than any retry schedule below. */
const HOLD_DAYS = 45;
/** A payment whose process died before the provider answered is picked up after this. */
const ORPHAN_AFTER_S = 30;
/** Follow-ups of non-final provider answers: 5 s, 10 s, 20 s, … up to one hour apart. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(3600, 5 * 2 ** Math.max(0, Math.min(attempts - 1, 12)));
}

export const RETRY_JOB = 'processing:retry_pay';

const QUALIFIED_COLUMNS = PAYMENT_COLUMNS.split(',')
  .map((c) => `p.${c.trim()}`)
  .join(', ');

/**
 * `pay`: one payment per (agent, agentTransactionId).
 *
 * 1. Catalogue rules refuse before anything is written (202, 4, 130, 155, 241, 242, 255, 250).
 * 2. A repeat returns the stored state (215 or 202 when the body changed, see `repeat`).
 * 3. One short transaction: the ledger hold (agent -> provider payable, agent's reward from the
 *    commission account) and the payment row in state 1. Below the overdraft: the row is kept
 *    in state 220 (non-final) without a hold.
 * 4. The provider is called outside any transaction.
 * 5. Another short transaction settles: post the hold on 0, void it on a final refusal, or keep
 *    it and schedule a follow-up on a non-final answer. 0 is never answered before step 5 saw
 *    the provider's final success.
 */
export async function payment(ctx: AppContext, agent: Agent, raw: RawPaymentRequest): Promise<Outcome> {
  const request = parsePaymentRequest(raw, 'pay');
  const hash = requestHash(request);
  let service: Service;
  try {
    service = checkAgainstService(await findService(ctx.pool, request.serviceId), agent, request, 'pay');
    if (!agent.toppedUp) throw new ProcessingRefusal(RESULT.balanceNotToppedUp);
  } catch (error) {
    // A repeat is answered from what was stored, even if the catalogue refuses the body now.
    const existing = await findPayment(ctx.pool, agent.id, request.agentTxnId);
    if (existing) return repeat(ctx, agent, existing, hash);
    throw error;
  }
  // A repeat that passes the rules goes the same way as a first request: its hold replays the
  // stored one (same key and content) or conflicts with it, its row conflicts with the stored
  // row, and it is answered as a repeat below. A first request saves the lookup.
  const row = await reserve(ctx, agent, service, request, hash);
  if (!row) {
    const winner = await findPayment(ctx.pool, agent.id, request.agentTxnId);
    if (!winner) throw new AppError('unavailable', 'processing.retry', 'повторите запрос');
    return repeat(ctx, agent, winner, hash);
  }
  if (row.hold_id === null) return outcomeOf(row);
  return callAndSettle(ctx, service, row, 'pay');
}

/** A pay with an agentTransactionId seen before: the stored state, or 215/202 for a changed body. */
async function repeat(ctx: AppContext, agent: Agent, row: PaymentRow, hash: string): Promise<Outcome> {
  if (row.request_hash !== hash) {
    // A final payment keeps its number for good (215); one in a temporary state goes on being
    // processed unchanged, and this request alone is refused (202).
    const result = row.final ? RESULT.duplicateTransaction : RESULT.badRequest;
    return {
      result,
      message: row.final
        ? resultMessage(result)
        : 'Тело запроса изменено при повторе: платеж продолжает обработку',
      transactionId: row.id,
      agentTransactionId: row.agent_txn_id,
    };
  }
  if (row.final) return outcomeOf(row);
  if (row.hold_id === null) return retryReserve(ctx, agent, row);
  if (row.next_attempt_at !== null && row.next_attempt_at.getTime() <= Date.now()) {
    return (await followUpPayment(ctx, row.id)) ?? outcomeOf(row);
  }
  return outcomeOf(row);
}

interface Legs {
  entries: Entry[];
  commission: bigint;
  answer: StoredAnswer;
}

async function legs(ctx: AppContext, agent: Agent, service: Service, amountTo: bigint): Promise<Legs> {
  const commission = agentCommission(service, amountTo);
  const payable = await providerPayableAccount(ctx.pool, ctx.pool, service.id, agent.currency, agent.id);
  const entries: Entry[] = [
    { account: agent.accountId, amount: -(amountTo - commission) },
    { account: payable, amount: amountTo },
  ];
  if (commission > 0n)
    entries.push({
      account: await commissionAccount(ctx.pool, ctx.pool, agent.currency, agent.id),
      amount: -commission,
    });
  const answer: StoredAnswer = {};
  if (service.rate !== null) {
    const c = convert(amountTo, service.rate, agent.currency, service.currency);
    answer.conversion = {
      currencyRate: c.currencyRate,
      rate: c.rate,
      finalAmount: c.finalAmountText,
      currency: c.currency,
    };
  }
  return { entries, commission, answer };
}

function holdKey(agentId: bigint, agentTxnId: bigint): string {
  return `processing:pay:${agentId}:${agentTxnId}`;
}

function isInsufficient(error: unknown): boolean {
  return error instanceof AppError && error.code === 'ledger.insufficient_funds';
}

/** Step 3. Undefined when a concurrent request with the same agentTransactionId got there first. */
async function reserve(
  ctx: AppContext,
  agent: Agent,
  service: Service,
  request: PaymentRequest,
  hash: string,
): Promise<PaymentRow | undefined> {
  const amountTo = request.amountTo!;
  const l = await legs(ctx, agent, service, amountTo);
  const insert = async (tx: Queryable, holdId: bigint | null): Promise<PaymentRow | undefined> => {
    const stored = {
      extras: request.extras,
      ...(request.extraServices
        ? {
            extraServices: request.extraServices.map((s) => ({
              subServiceId: s.subServiceId,
              amount: String(s.amount),
              ...(s.lastCount !== undefined ? { lastCount: s.lastCount } : {}),
            })),
          }
        : {}),
      ...(request.identityCard ? { identityCard: ctx.cipher.encrypt(request.identityCard) } : {}),
      ...(request.fullName ? { fullName: ctx.cipher.encrypt(request.fullName) } : {}),
    };
    const result = holdId === null ? RESULT.insufficientFunds : RESULT.inProgress;
    const { rows } = await tx.query<PaymentRow>(
      `INSERT INTO processing.payments (agent_id, agent_txn_id, request_hash, service_id, account, amount_to,
         amount_from, commission, agent_txn_date, request, result, final, result_message, answer, hold_id, next_attempt_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, false, $12, $13, $14,
         CASE WHEN $14::bigint IS NULL THEN NULL ELSE now() + make_interval(secs => $15) END)
       ON CONFLICT (agent_id, agent_txn_id) DO NOTHING
       RETURNING ${PAYMENT_COLUMNS}`,
      [
        agent.id,
        request.agentTxnId,
        hash,
        service.id,
        request.account,
        amountTo,
        request.amountFrom!,
        l.commission,
        request.agentTxnDate!,
        JSON.stringify(stored, bigintAsString),
        result,
        resultMessage(result),
        JSON.stringify(l.answer),
        holdId,
        ORPHAN_AFTER_S,
      ],
    );
    return rows[0];
  };
  try {
    return await withTx(ctx.pool, async (tx) => {
      const h = await holdFor(tx, agent, request.agentTxnId, l);
      const row = await insert(tx, h.id);
      // The duplicate's hold was a replay of the winner's (same key): roll back, answer as a repeat.
      if (!row) throw new DuplicatePayment();
      return row;
    });
  } catch (error) {
    if (error instanceof DuplicatePayment) return undefined;
    if (error instanceof AppError && error.code === 'ledger.idempotency_conflict') return undefined;
    if (!isInsufficient(error)) throw error;
    return insert(ctx.pool, null);
  }
}

class DuplicatePayment extends Error {}

function holdFor(tx: Tx, agent: Agent, agentTxnId: bigint, l: Legs) {
  return hold(tx, {
    key: holdKey(agent.id, agentTxnId),
    kind: 'processing.pay',
    entries: l.entries,
    expiresAt: new Date(Date.now() + HOLD_DAYS * 86_400_000),
    metadata: { agentId: agent.id, agentTransactionId: agentTxnId },
  });
}

/** A repeat of a pay refused with 220: try the reservation again (the agent may have been topped up). */
async function retryReserve(ctx: AppContext, agent: Agent, row: PaymentRow): Promise<Outcome> {
  const service = await findService(ctx.pool, row.service_id);
  if (!service) return outcomeOf(row);
  const l = await legs(ctx, agent, service, row.amount_to);
  let claimed: PaymentRow | undefined;
  try {
    claimed = await withTx(ctx.pool, async (tx) => {
      const h = await holdFor(tx, agent, row.agent_txn_id, l);
      const { rows } = await tx.query<PaymentRow>(
        `UPDATE processing.payments SET hold_id = $2, result = $3, result_message = $4,
           next_attempt_at = now() + make_interval(secs => $5)
         WHERE id = $1 AND hold_id IS NULL AND NOT final
         RETURNING ${PAYMENT_COLUMNS}`,
        [row.id, h.id, RESULT.inProgress, resultMessage(RESULT.inProgress), ORPHAN_AFTER_S],
      );
      if (!rows[0]) throw new DuplicatePayment();
      return rows[0];
    });
  } catch (error) {
    if (isInsufficient(error)) return outcomeOf(row);
    if (!(error instanceof DuplicatePayment)) throw error;
  }
  if (!claimed) {
    const current = await getPayment(ctx.pool, row.id);
    return outcomeOf(current ?? row);
  }
  return callAndSettle(ctx, service, claimed, 'pay');
}

/** Steps 4 and 5. */
async function callAndSettle(
  ctx: AppContext,
  service: Service,
  row: PaymentRow,
  command: 'pay' | 'status',
): Promise<Outcome> {
  const provider = providerFor(service.provider);
  const amount =
    service.rate !== null && row.answer.conversion
      ? BigInt(row.answer.conversion.finalAmount.replace('.', ''))
      : row.amount_to;
  const providerRequest = {
    txnId: row.id,
    txnDate: row.created_at,
    account: row.account,
    amount,
    extras: row.request.extras,
    extraServices: subPaymentsOf(row),
  };
  let answer: ProviderAnswer;
  try {
    answer = command === 'pay' ? await provider.pay(providerRequest) : await provider.status(providerRequest);
  } catch (error) {
    ctx.log.warn({ err: error, paymentId: String(row.id) }, 'processing: provider call failed');
    answer = { result: RESULT.inProgress };
  }
  return settle(ctx, row, answer);
}

async function settle(ctx: AppContext, row: PaymentRow, answer: ProviderAnswer): Promise<Outcome> {
  const final = isFinal(answer.result);
  const updated = await withTx(ctx.pool, async (tx) => {
    const attempts = row.attempts + 1;
    const delay = retryDelaySeconds(attempts);
    const displays = answer.displays ? { displays: answer.displays } : {};
    // The agent's limits come along: when its balance cannot cross the notification threshold
    // (threshold at or below -overdraft, not below now), the threshold check is skipped.
    const { rows } = await tx.query<PaymentRow & { watch_balance: boolean }>(
      `UPDATE processing.payments p SET result = $2, final = $3, result_message = $4, attempts = p.attempts + 1,
         provider_txn_id = coalesce($5, p.provider_txn_id), answer = p.answer || $6::jsonb,
         status_at = CASE WHEN $3 THEN now() END,
         next_attempt_at = CASE WHEN $3 THEN NULL ELSE now() + make_interval(secs => $7) END
       FROM processing.agents a
       WHERE p.id = $1 AND NOT p.final AND a.id = p.agent_id
       RETURNING ${QUALIFIED_COLUMNS}, (a.below_notification OR a.notification > -a.overdraft) AS watch_balance`,
      [
        row.id,
        answer.result,
        final,
        resultMessage(answer.result),
        answer.providerTxnId ?? null,
        JSON.stringify(displays),
        delay,
      ],
    );
    const r = rows[0];
    if (!r) return undefined;
    if (final) {
      if (answer.result === RESULT.ok) await postHold(tx, r.hold_id!);
      else await voidHold(tx, r.hold_id!);
      if (r.watch_balance) await noteBalance(tx, r.agent_id, ctx.log);
    } else {
      await enqueue(
        tx,
        RETRY_JOB,
        { paymentId: r.id },
        { runAt: r.next_attempt_at!, jobKey: `${RETRY_JOB}:${r.id}`, maxAttempts: 5 },
      );
    }
    return r;
  });
  if (updated) return outcomeOf(updated);
  // Settled meanwhile by a follow-up (job or another repeat): answer what it decided.
  const current = await getPayment(ctx.pool, row.id);
  return outcomeOf(current ?? row);
}

/**
 * Asks the provider again about a payment left non-final (by a non-final answer, or by a process
 * that died mid-way). One caller at a time: the claim moves next_attempt_at forward. Returns
 * undefined when there was nothing to do.
 */
export async function followUpPayment(
  ctx: AppContext,
  paymentId: bigint,
  options: { force?: boolean } = {},
): Promise<Outcome | undefined> {
  const { rows } = await ctx.pool.query<PaymentRow>(
    `UPDATE processing.payments SET next_attempt_at = now() + make_interval(secs => $3)
     WHERE id = $1 AND NOT final AND hold_id IS NOT NULL AND ($2 OR next_attempt_at <= now())
     RETURNING ${PAYMENT_COLUMNS}`,
    [paymentId, options.force === true, ORPHAN_AFTER_S],
  );
  const row = rows[0];
  if (!row) return undefined;
  const service = await findService(ctx.pool, row.service_id);
  if (!service) throw new Error(`service ${row.service_id} of payment ${row.id} vanished`);
  return callAndSettle(ctx, service, row, 'status');
}

/** Payments whose follow-up is due (their job lost, or their process gone); for the sweeper. */
export async function duePayments(ctx: AppContext, limit = 100): Promise<bigint[]> {
  const { rows } = await ctx.pool.query<{ id: bigint }>(
    `SELECT id FROM processing.payments
     WHERE NOT final AND hold_id IS NOT NULL AND next_attempt_at <= now() - interval '30 seconds'
     ORDER BY next_attempt_at LIMIT $1`,
    [limit],
  );
  return rows.map((r) => r.id);
}
