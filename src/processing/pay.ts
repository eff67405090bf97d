import { translateLedgerError } from '../ledger/errors.ts';
import { contentHash, type Entry, hold } from '../ledger/index.ts';
import { Batcher, KeyLocks } from '../platform/batcher.ts';
import type { AppContext } from '../platform/context.ts';
import { type Tx, withTx } from '../platform/db/tx.ts';
import { AppError } from '../platform/errors.ts';
import { bigintAsString } from '../platform/json.ts';
import { PerPool } from '../platform/per-pool.ts';
import { commissionAccount, providerPayableAccount } from './accounts.ts';
import { type Agent, getAgent } from './agents.ts';
import { forgetCached } from './cache.ts';
import { cachedService, findService, type Service } from './catalog.ts';
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

/**
 * `pay`: one payment per (agent, agentTransactionId).
 *
 * 1. Catalogue rules refuse before anything is written (202, 4, 130, 155, 241, 242, 255, 250);
 *    a refusal is always judged on the stored catalogue and agent, never on a cached copy.
 * 2. One statement (processing.reserve_payment, or reserve_payments shared by concurrent pays,
 *    see src/platform/batcher.ts): a payment stored already is returned as it is
 *    (`repeat`: its state, or 215/202 for a changed body); otherwise the ledger hold (agent ->
 *    provider payable, agent's reward from the commission account) and the payment row in
 *    state 1. Below the overdraft: the row is kept in state 220 (non-final) without a hold.
 * 3. The provider is called outside any transaction.
 * 4. One statement (processing.settle_payment or settle_payments) settles: post the hold on 0, void it on a final
 *    refusal, or keep it and schedule a follow-up on a non-final answer. 0 is never answered
 *    before step 4 saw the provider's final success.
 */
export async function payment(ctx: AppContext, agent: Agent, raw: RawPaymentRequest): Promise<Outcome> {
  const request = parsePaymentRequest(raw, 'pay');
  const hash = requestHash(request);
  let candidate = await cachedService(ctx.pool, request.serviceId);
  let fresh = false;
  for (let round = 0; ; round++) {
    if (round > 3)
      throw new AppError('unavailable', 'processing.retry', 'каталог услуг меняется, повторите запрос');
    let service: Service;
    try {
      service = checkAgainstService(candidate, agent, request, 'pay');
      if (!agent.toppedUp) {
        // The cached agent may predate its first top-up.
        agent = await getAgent(ctx.pool, agent.id);
        if (!agent.toppedUp) throw new ProcessingRefusal(RESULT.balanceNotToppedUp);
      }
    } catch (error) {
      if (!fresh && error instanceof ProcessingRefusal) {
        candidate = await findService(ctx.pool, request.serviceId);
        fresh = true;
        continue;
      }
      // A repeat is answered from what was stored, even if the catalogue refuses the body now.
      const existing = await findPayment(ctx.pool, agent.id, request.agentTxnId);
      if (existing) return repeat(ctx, agent, existing, hash);
      throw error;
    }
    const reserved = await reserve(ctx, agent, service, request, hash);
    switch (reserved.outcome) {
      case 'stale':
        // The catalogue changed since the copy was read: judge the request again on the new one.
        forgetCached();
        candidate = await findService(ctx.pool, request.serviceId);
        fresh = true;
        continue;
      case 'existing':
        return repeat(ctx, agent, reserved.row, hash);
      case 'refused':
        return outcomeOf(reserved.row);
      case 'reserved':
        return callAndSettle(ctx, service, reserved.row, 'pay');
    }
  }
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

type Reservation = { outcome: 'stale' } | { outcome: 'existing' | 'refused' | 'reserved'; row: PaymentRow };

/** Everything step 2 writes for one request, prepared before it joins a batch. */
interface ReserveItem {
  agent: Agent;
  service: Service;
  request: PaymentRequest;
  hash: string;
  commission: bigint;
  stored: string;
  answer: string;
  hold: ReturnType<typeof holdInput>;
  holdHash: string;
}

const RESERVE_SQL = `SELECT r.outcome, (r.payment).* FROM processing.reserve_payment($1, $2, $3, $4, $5, $6, $7, $8,
  $9, $10, $11::jsonb, $12::jsonb, $13, $14, $15, $16, $17::jsonb, $18::bigint[], $19::bigint[], $20) r`;

const RESERVE_MANY_SQL = `SELECT r.item, r.outcome, (r.payment).* FROM processing.reserve_payments($1::bigint[],
  $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], $10::text[],
  $11::jsonb[], $12::jsonb[], $13, $14, $15::text[], $16::text[], $17::jsonb[], $18::int[], $19::bigint[],
  $20::bigint[], $21) r`;

/** Errors of a batch that concern single items: those items are then reserved one by one. */
const ONE_BY_ONE = new Set(['KL001', 'KL003', 'KL007', 'KP001', '40001', '40P01']);

function oneByOne(error: unknown): boolean {
  return ONE_BY_ONE.has((error as { code?: string })?.code ?? '');
}

/**
 * Batching of reservations and settlements: statements of a kind running at once, and pays one
 * statement may carry. Measured in-process at 64 concurrent pays: about half the Node CPU per pay
 * of unbatched statements; 1, 2 or 4 at once were within the noise of a shared machine.
 */
const batching = { inFlight: 4, maxBatch: 32 };

/**
 * Concurrent reservation and settlement batches never share an agent (src/platform/batcher.ts, KeyLocks): both
 * lock the agent's ledger accounts, so a batch sharing one agent with a running batch waited on
 * that row lock until the other's commit, with all its other pays. That wait was the pay's tail
 * latency at 64 connections over 64 agents, where nearly every pair of batches shared an agent.
 */
const agentLocks = new PerPool<KeyLocks>();

function locksFor(ctx: AppContext): KeyLocks {
  return agentLocks.of(ctx.pool, () => new KeyLocks());
}

const reservers = new PerPool<Batcher<ReserveItem, Reservation>>();
const settlers = new PerPool<Batcher<SettleItem, SettledRow | undefined>>();

/** How concurrent pays shared statements in this process (for tests and diagnostics). */
export function payBatchStats(ctx: AppContext): {
  reserve: Batcher<unknown, unknown>['stats'] | undefined;
  settle: Batcher<unknown, unknown>['stats'] | undefined;
} {
  return { reserve: reservers.peek(ctx.pool)?.stats, settle: settlers.peek(ctx.pool)?.stats };
}

/** Concurrent reservations share statements (src/platform/batcher.ts); up to 4 batches at once. */
function reserver(ctx: AppContext): Batcher<ReserveItem, Reservation> {
  return reservers.of(
    ctx.pool,
    () =>
      new Batcher({
        many: (items) => reserveMany(ctx, items),
        single: (item) => reserveOne(ctx, item),
        oneByOne,
        ...batching,
        key: (item) => String(item.agent.id),
        locks: locksFor(ctx),
      }),
  );
}

/**
 * Step 2: the hold and the row in one statement, or the stored row of a repeat (also of a
 * concurrent first request that got there first), or 'stale' when `service` is not the stored
 * version. Below the overdraft the row is stored in state 220 without a hold ('refused').
 */
async function reserve(
  ctx: AppContext,
  agent: Agent,
  service: Service,
  request: PaymentRequest,
  hash: string,
): Promise<Reservation> {
  const l = await legs(ctx, agent, service, request.amountTo!);
  const stored = JSON.stringify(
    {
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
    },
    bigintAsString,
  );
  const hold = holdInput(agent, request.agentTxnId, l);
  return reserver(ctx).submit({
    agent,
    service,
    request,
    hash,
    commission: l.commission,
    stored,
    answer: JSON.stringify(l.answer),
    hold,
    holdHash: contentHash(hold, true),
  });
}

async function reserveMany(ctx: AppContext, items: ReserveItem[]): Promise<Reservation[]> {
  const entryItem: number[] = [];
  const entryAccount: string[] = [];
  const entryAmount: string[] = [];
  items.forEach((it, i) => {
    for (const e of it.hold.entries) {
      entryItem.push(i + 1);
      entryAccount.push(String(e.account));
      entryAmount.push(String(e.amount));
    }
  });
  const { rows } = await ctx.pool.query<PaymentRow & { item: number; outcome: Reservation['outcome'] }>({
    name: 'processing.reserve_payments',
    text: RESERVE_MANY_SQL,
    values: [
      items.map((it) => String(it.agent.id)),
      items.map((it) => String(it.request.agentTxnId)),
      items.map((it) => it.hash),
      items.map((it) => it.service.id),
      items.map((it) => (it.service.version === undefined ? null : String(it.service.version))),
      items.map((it) => it.request.account),
      items.map((it) => String(it.request.amountTo)),
      items.map((it) => String(it.request.amountFrom)),
      items.map((it) => String(it.commission)),
      items.map((it) => it.request.agentTxnDate!),
      items.map((it) => it.stored),
      items.map((it) => it.answer),
      resultMessage(RESULT.inProgress),
      ORPHAN_AFTER_S,
      items.map((it) => it.hold.key),
      items.map((it) => it.holdHash),
      items.map((it) => JSON.stringify(it.hold.metadata, bigintAsString)),
      entryItem,
      entryAccount,
      entryAmount,
      items[0]!.hold.expiresAt,
    ],
  });
  const out: Reservation[] = new Array(items.length);
  for (const r of rows) {
    const { item, outcome, ...row } = r;
    out[item - 1] = outcome === 'stale' ? { outcome } : { outcome, row };
  }
  for (let i = 0; i < items.length; i++)
    if (!out[i])
      throw Object.assign(new Error('reserve_payments left an item unanswered'), { code: 'KP001' });
  return out;
}

async function reserveOne(ctx: AppContext, it: ReserveItem): Promise<Reservation> {
  const { agent, service, request } = it;
  try {
    // A named statement: each connection parses and plans it once.
    const { rows } = await ctx.pool.query<PaymentRow & { outcome: Reservation['outcome'] }>({
      name: 'processing.reserve_payment',
      text: RESERVE_SQL,
      values: [
        agent.id,
        request.agentTxnId,
        it.hash,
        service.id,
        service.version ?? null,
        request.account,
        request.amountTo!,
        request.amountFrom!,
        it.commission,
        request.agentTxnDate!,
        it.stored,
        it.answer,
        resultMessage(RESULT.inProgress),
        ORPHAN_AFTER_S,
        it.hold.key,
        it.holdHash,
        JSON.stringify(it.hold.metadata, bigintAsString),
        it.hold.entries.map((e) => String(e.account)),
        it.hold.entries.map((e) => String(e.amount)),
        it.hold.expiresAt,
      ],
    });
    const r = rows[0]!;
    if (r.outcome === 'stale') return { outcome: 'stale' };
    const { outcome, ...row } = r;
    return { outcome, row };
  } catch (raw) {
    const error = translateLedgerError(raw);
    const concurrent =
      (raw as { code?: string }).code === 'KP001' ||
      (error instanceof AppError && error.code === 'ledger.idempotency_conflict');
    if (!concurrent && !isInsufficient(error)) throw error;
    if (!concurrent) {
      // 220: kept without a hold; a repeat tries the reservation again.
      const { rows } = await ctx.pool.query<PaymentRow>(
        `INSERT INTO processing.payments (agent_id, agent_txn_id, request_hash, service_id, account, amount_to,
           amount_from, commission, agent_txn_date, request, result, final, result_message, answer)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, false, $12, $13)
         ON CONFLICT (agent_id, agent_txn_id) DO NOTHING
         RETURNING ${PAYMENT_COLUMNS}`,
        [
          agent.id,
          request.agentTxnId,
          it.hash,
          service.id,
          request.account,
          request.amountTo!,
          request.amountFrom!,
          it.commission,
          request.agentTxnDate!,
          it.stored,
          RESULT.insufficientFunds,
          resultMessage(RESULT.insufficientFunds),
          it.answer,
        ],
      );
      if (rows[0]) return { outcome: 'refused', row: rows[0] };
    }
    // Another request with this agentTransactionId stored its row meanwhile: answer as a repeat.
    const winner = await findPayment(ctx.pool, agent.id, request.agentTxnId);
    if (!winner) throw new AppError('unavailable', 'processing.retry', 'повторите запрос');
    return { outcome: 'existing', row: winner };
  }
}

class DuplicatePayment extends Error {}

function holdInput(agent: Agent, agentTxnId: bigint, l: Legs) {
  return {
    key: holdKey(agent.id, agentTxnId),
    kind: 'processing.pay',
    entries: l.entries,
    expiresAt: new Date(Date.now() + HOLD_DAYS * 86_400_000),
    metadata: { agentId: agent.id, agentTransactionId: agentTxnId },
  };
}

function holdFor(tx: Tx, agent: Agent, agentTxnId: bigint, l: Legs) {
  return hold(tx, holdInput(agent, agentTxnId, l));
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
    record: true,
  };
  const started = new Date();
  let answer: ProviderAnswer;
  try {
    answer = command === 'pay' ? await provider.pay(providerRequest) : await provider.status(providerRequest);
  } catch (error) {
    ctx.log.warn({ err: error, paymentId: String(row.id) }, 'processing: provider call failed');
    answer = {
      result: RESULT.inProgress,
      exchange: {
        command,
        startedAt: started.toISOString(),
        durationMs: Date.now() - started.getTime(),
        request: { url: '', params: {} },
        result: RESULT.inProgress,
        error: (error as Error).message ?? String(error),
      },
    };
  }
  return settle(ctx, row, answer);
}

// The *_logged variants (migrations/0020_processing_log.sql) also store the provider exchange.
const SETTLE_SQL = `SELECT (s.payment).*, s.crossed, s.crossed_available, s.crossed_notification
  FROM processing.settle_payment_logged($1, $2::smallint, $3, $4, $5, $6::jsonb, $7, $8::jsonb) s`;

const SETTLE_MANY_SQL = `SELECT s.item, (s.payment).*, s.crossed, s.crossed_available, s.crossed_notification
  FROM processing.settle_payments_logged($1::bigint[], $2::smallint[], $3::boolean[], $4::text[], $5::text[],
    $6::jsonb[], $7::int[], $8::jsonb[]) s`;

interface SettleItem {
  row: PaymentRow;
  answer: ProviderAnswer;
}

type SettledRow = PaymentRow & { crossed: boolean; crossed_available: bigint; crossed_notification: bigint };

function settler(ctx: AppContext): Batcher<SettleItem, SettledRow | undefined> {
  return settlers.of(
    ctx.pool,
    () =>
      new Batcher({
        many: (items) => settleMany(ctx, items),
        single: (item) => settleOne(ctx, item),
        oneByOne,
        ...batching,
        key: (item) => String(item.row.agent_id),
        locks: locksFor(ctx),
      }),
  );
}

function settleValues(items: SettleItem[]) {
  return items.map(({ row, answer }) => ({
    id: String(row.id),
    result: answer.result,
    final: isFinal(answer.result),
    message: resultMessage(answer.result),
    providerTxnId: answer.providerTxnId ?? null,
    answer: JSON.stringify(answer.displays ? { displays: answer.displays } : {}),
    delay: retryDelaySeconds(row.attempts + 1),
    exchange: answer.exchange ? JSON.stringify(answer.exchange) : null,
  }));
}

async function settleOne(ctx: AppContext, item: SettleItem): Promise<SettledRow | undefined> {
  const [v] = settleValues([item]);
  try {
    const { rows } = await ctx.pool.query<SettledRow>({
      name: 'processing.settle_payment_logged',
      text: SETTLE_SQL,
      values: [v!.id, v!.result, v!.final, v!.message, v!.providerTxnId, v!.answer, v!.delay, v!.exchange],
    });
    return rows[0];
  } catch (error) {
    throw translateLedgerError(error);
  }
}

async function settleMany(ctx: AppContext, items: SettleItem[]): Promise<(SettledRow | undefined)[]> {
  // By agent: concurrent batches then take the agents' ledger rows in the same order.
  const order = items
    .map((_, i) => i)
    .sort((a, b) => compare(items[a]!.row.agent_id, items[b]!.row.agent_id));
  const values = settleValues(order.map((i) => items[i]!));
  const { rows } = await ctx.pool.query<SettledRow & { item: number }>({
    name: 'processing.settle_payments_logged',
    text: SETTLE_MANY_SQL,
    values: [
      values.map((v) => v.id),
      values.map((v) => v.result),
      values.map((v) => v.final),
      values.map((v) => v.message),
      values.map((v) => v.providerTxnId),
      values.map((v) => v.answer),
      values.map((v) => v.delay),
      values.map((v) => v.exchange),
    ],
  });
  const out: (SettledRow | undefined)[] = new Array(items.length).fill(undefined);
  for (const { item, ...settled } of rows) out[order[item - 1]!] = settled;
  return out;
}

function compare(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Step 4 in one statement (processing.settle_payment, or settle_payments for concurrent
 * requests together): the row's new state and, on a final answer, the hold posted or voided and
 * the agent's notification threshold noted (its event job in the same transaction); on a
 * non-final one the follow-up job. Nothing comes back when a follow-up settled the payment first.
 */
async function settle(ctx: AppContext, row: PaymentRow, answer: ProviderAnswer): Promise<Outcome> {
  const settled = await settler(ctx).submit({ row, answer });
  if (settled) {
    const { crossed, crossed_available, crossed_notification, ...updated } = settled;
    if (crossed)
      ctx.log.warn(
        {
          agentId: String(updated.agent_id),
          available: String(crossed_available),
          notification: String(crossed_notification),
        },
        'processing: agent balance below notification threshold',
      );
    return outcomeOf(updated);
  }
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
