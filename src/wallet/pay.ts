import { enqueue } from '../jobs/queue.ts';
import { translateLedgerError } from '../ledger/errors.ts';
import { Batcher } from '../platform/batcher.ts';
import type { AppContext } from '../platform/context.ts';
import { AppError } from '../platform/errors.ts';
import { PerPool } from '../platform/per-pool.ts';
import { walletError } from './errors.ts';
import {
  loadPayment,
  PAYMENT_COLUMNS,
  type PaymentRow,
  paymentById,
  paymentIdOf,
  paymentNotFound,
  runCheck,
  toPayment,
  type WalletPayment,
} from './payments.ts';
import {
  agentById,
  type GatewayAnswer,
  payThroughProcessing,
  processingState,
  walletAgent,
} from './processing-gateway.ts';
import { walletService } from './services.ts';
import type { Wallet } from './wallets.ts';

export const FOLLOW_JOB = 'wallet:follow_payment';
/** Longer than the processing centre's own hold and retry schedule (45 days). */
const HOLD_DAYS = 46;
/** A pay whose process died before the processing centre answered is picked up by the sweeper after this. */
const ORPHAN_AFTER_S = 30;

/**
 * `POST /v1/payments/{id}/pay` (docs/wallet.md "The pay flow"): four statements, none in an
 * explicit transaction.
 *
 * 1. Claim (wallet.claim_payment, one statement): the payment goes ready -> paying and a ledger
 *    hold reserves `total` on the wallet (lower bound 0: the balance never goes negative; parallel
 *    pays serialize on the account row). A second pay of the same payment finds it paying and
 *    just answers it. No job per pay (it would cost a queue write on the hottest path): should
 *    this process die, the minute sweeper finds the payment still paying and follows it up.
 * 2. The processing centre's pay, as the wallet's agent, outside any transaction (its reserve and
 *    settle are one statement each, shared by concurrent pays).
 * 3. Settle (wallet.settle_payment, one statement): its final success posts the hold (finished),
 *    its final refusal voids it (canceled); a non-final answer leaves the payment paying and the
 *    job follows it up.
 * Concurrent claims and settles share statements (src/platform/batcher.ts).
 */
export async function payPayment(ctx: AppContext, wallet: Wallet, id: unknown): Promise<WalletPayment> {
  if (wallet.status !== 'active')
    throw walletError('wallet_not_active', 'кошелек не активирован: подтвердите номер кодом из SMS');
  const paymentId = paymentIdOf(id);
  // Resolved before money moves: without its agent the wallet cannot pay (503, nothing written).
  const agent = await walletAgent(ctx, wallet.id);
  const claim = await claimer(ctx).submit({
    walletId: wallet.id,
    paymentId,
    agentId: agent.id,
    expiresAt: new Date(Date.now() + HOLD_DAYS * 86_400_000),
  });
  if (claim.outcome === 'not_found') throw paymentNotFound(paymentId);
  const p = toPayment(claim.row);
  if (claim.outcome === 'insufficient')
    throw walletError('insufficient_funds', 'недостаточно средств в кошельке', {
      total: p.amount + (p.fee ?? 0n),
    });
  if (claim.outcome === 'current') {
    if (p.state === 'paying' || p.state === 'finished' || p.state === 'canceled') return p;
    throw walletError(
      'payment_not_ready',
      'платеж еще не готов к оплате: запросите его состояние (get) или дополните (update)',
    );
  }
  // A service withdrawn between create and pay: the payment is refused like any final refusal
  // (canceled, hold voided), as the follow-up does.
  const service = await walletService(ctx.pool, p.serviceId);
  const answer: GatewayAnswer = service
    ? await payThroughProcessing(ctx, agent, service, { ...p, fee: p.fee ?? 0n })
    : { result: 130, final: true, message: 'сервис больше не доступен' };
  return settle(ctx, p, answer);
}

interface ClaimItem {
  walletId: bigint;
  paymentId: bigint;
  agentId: bigint;
  expiresAt: Date;
}

type Claim = { outcome: 'not_found' } | { outcome: 'current' | 'claimed' | 'insufficient'; row: PaymentRow };

type ClaimRow = PaymentRow & { outcome: Claim['outcome'] };

/**
 * Errors of a batch that concern single items (a hold that does not fit, one payment twice) or
 * lock order: the batch's items then go one by one, each getting the answer it would have alone.
 */
const ONE_BY_ONE = new Set(['KL001', 'KL003', 'KL006', 'KL007', '40001', '40P01']);

function oneByOne(error: unknown): boolean {
  return ONE_BY_ONE.has((error as { code?: string })?.code ?? '');
}

/** As the processing centre batches its reserve and settle (measured there: 4 at once, 32 each). */
const batching = { inFlight: 4, maxBatch: 32 };

const claimers = new PerPool<Batcher<ClaimItem, Claim>>();
const settlers = new PerPool<Batcher<SettleItem, PaymentRow | undefined>>();

/** How concurrent pays shared statements in this process (for tests and diagnostics). */
export function walletPayBatchStats(ctx: AppContext) {
  return { claim: claimers.peek(ctx.pool)?.stats, settle: settlers.peek(ctx.pool)?.stats };
}

function claimer(ctx: AppContext): Batcher<ClaimItem, Claim> {
  return claimers.of(
    ctx.pool,
    () =>
      new Batcher({
        many: (items) => claimMany(ctx, items),
        single: (item) => claimOne(ctx, item),
        oneByOne,
        ...batching,
      }),
  );
}

function claimOf(r: ClaimRow): Claim {
  const { outcome, ...row } = r;
  return outcome === 'not_found' ? { outcome } : { outcome, row };
}

async function claimOne(ctx: AppContext, it: ClaimItem): Promise<Claim> {
  try {
    const { rows } = await ctx.pool.query<ClaimRow>({
      name: 'wallet.claim_payment',
      text: 'SELECT c.outcome, (c.payment).* FROM wallet.claim_payment($1, $2, $3, $4) c',
      values: [it.walletId, it.paymentId, it.agentId, it.expiresAt],
    });
    return claimOf(rows[0]!);
  } catch (raw) {
    const error = translateLedgerError(raw);
    if (!(error instanceof AppError && error.code === 'ledger.insufficient_funds')) throw error;
    // Nothing was written; the row only tells the client the total that did not fit.
    const { rows } = await ctx.pool.query<PaymentRow>(
      `SELECT ${PAYMENT_COLUMNS} FROM wallet.payments WHERE id = $1 AND wallet_id = $2`,
      [it.paymentId, it.walletId],
    );
    return rows[0] ? { outcome: 'insufficient', row: rows[0] } : { outcome: 'not_found' };
  }
}

async function claimMany(ctx: AppContext, items: ClaimItem[]): Promise<Claim[]> {
  // By wallet, then payment: concurrent batches then take the rows in the same order.
  const order = items.map((_, i) => i).sort((a, b) => compareItems(items[a]!, items[b]!));
  const sorted = order.map((i) => items[i]!);
  const { rows } = await ctx.pool.query<ClaimRow & { item: number }>({
    name: 'wallet.claim_payments',
    text: `SELECT c.item, c.outcome, (c.payment).* FROM wallet.claim_payments($1::bigint[], $2::bigint[],
      $3::bigint[], $4) c`,
    values: [
      sorted.map((it) => String(it.walletId)),
      sorted.map((it) => String(it.paymentId)),
      sorted.map((it) => String(it.agentId)),
      sorted[0]!.expiresAt,
    ],
  });
  const out: Claim[] = new Array(items.length);
  for (const { item, ...r } of rows) out[order[item - 1]!] = claimOf(r);
  for (let i = 0; i < items.length; i++)
    if (!out[i]) throw Object.assign(new Error('claim_payments left an item unanswered'), { code: 'KL007' });
  return out;
}

function toKey(it: SettleItem): Pick<ClaimItem, 'walletId' | 'paymentId'> {
  return { walletId: it.walletId, paymentId: it.id };
}

function compareItems(
  a: Pick<ClaimItem, 'walletId' | 'paymentId'>,
  b: Pick<ClaimItem, 'walletId' | 'paymentId'>,
): number {
  if (a.walletId !== b.walletId) return a.walletId < b.walletId ? -1 : 1;
  return a.paymentId < b.paymentId ? -1 : a.paymentId > b.paymentId ? 1 : 0;
}

interface SettleItem {
  walletId: bigint;
  id: bigint;
  result: number;
  message: string;
}

function settler(ctx: AppContext): Batcher<SettleItem, PaymentRow | undefined> {
  return settlers.of(
    ctx.pool,
    () =>
      new Batcher({
        many: (items) => settleMany(ctx, items),
        single: (item) => settleOne(ctx, item),
        oneByOne,
        ...batching,
      }),
  );
}

async function settleOne(ctx: AppContext, it: SettleItem): Promise<PaymentRow | undefined> {
  try {
    const { rows } = await ctx.pool.query<PaymentRow>({
      name: 'wallet.settle_payment',
      text: 'SELECT s.* FROM wallet.settle_payment($1, $2, $3) s',
      values: [it.id, it.result, it.message],
    });
    return rows[0];
  } catch (error) {
    throw translateLedgerError(error);
  }
}

async function settleMany(ctx: AppContext, items: SettleItem[]): Promise<(PaymentRow | undefined)[]> {
  // By wallet, then payment: concurrent batches then take the wallets' ledger rows in one order.
  const order = items.map((_, i) => i).sort((a, b) => compareItems(toKey(items[a]!), toKey(items[b]!)));
  const sorted = order.map((i) => items[i]!);
  const { rows } = await ctx.pool.query<PaymentRow & { item: number }>({
    name: 'wallet.settle_payments',
    text: 'SELECT s.item, (s.payment).* FROM wallet.settle_payments($1::bigint[], $2::int[], $3::text[]) s',
    values: [
      sorted.map((it) => String(it.id)),
      sorted.map((it) => it.result),
      sorted.map((it) => it.message),
    ],
  });
  const out: (PaymentRow | undefined)[] = new Array(items.length).fill(undefined);
  for (const { item, ...row } of rows) out[order[item - 1]!] = row;
  return out;
}

/** 5 s after a fresh payment, then a quarter of its age, at most 5 minutes apart. */
export function followDelayMs(p: Pick<WalletPayment, 'createdAt'>): number {
  return Math.min(300_000, Math.max(5_000, (Date.now() - p.createdAt.getTime()) / 4));
}

/** Applies the processing centre's answer to a paying payment; only the first final answer counts. */
export async function settle(
  ctx: AppContext,
  p: WalletPayment,
  answer: GatewayAnswer,
): Promise<WalletPayment> {
  if (!answer.final) {
    await enqueue(
      ctx.pool,
      FOLLOW_JOB,
      { paymentId: p.id },
      { runAt: new Date(Date.now() + followDelayMs(p)), jobKey: `${FOLLOW_JOB}:${p.id}` },
    );
    return p;
  }
  const row = await settler(ctx).submit({
    walletId: p.walletId,
    id: p.id,
    result: answer.result,
    message: answer.message,
  });
  if (row) return toPayment(row);
  // Settled meanwhile (a follow-up or a client's get): answer what it decided.
  return (await paymentById(ctx.pool, p.id)) ?? p;
}

/**
 * A payment read by the client (`GET`): a checking one asks the provider now; a paying one takes
 * the processing centre's final answer if it has one (a cheap read, no provider call).
 */
export async function currentPayment(ctx: AppContext, wallet: Wallet, id: unknown): Promise<WalletPayment> {
  const p = await loadPayment(ctx.pool, wallet.id, id);
  if (p.state === 'checking') return runCheck(ctx, p);
  if (p.state === 'paying') {
    const known = await processingState(ctx, await payingAgent(ctx, p), p.id);
    if (known?.final) return settle(ctx, p, known);
  }
  return p;
}

/**
 * Job `wallet:follow_payment`: a paying payment's fate. The processing centre follows its
 * provider itself; this reads its row and settles, or sends the pay again when the centre never
 * got it (the process died after the hold) — idempotent by agentTransactionId.
 */
export async function followPayment(ctx: AppContext, paymentId: bigint): Promise<void> {
  const p = await paymentById(ctx.pool, paymentId);
  if (p?.state !== 'paying') return;
  const agent = await payingAgent(ctx, p);
  let answer = await processingState(ctx, agent, p.id);
  // Never received, or not final yet: a repeat of the pay is how an agent asks (idempotent by
  // agentTransactionId; after 220 it is also what makes the centre try the reservation again).
  if (!answer?.final) {
    const service = await walletService(ctx.pool, p.serviceId);
    answer = service
      ? await payThroughProcessing(ctx, agent, service, { ...p, fee: p.fee ?? 0n })
      : { result: 130, final: true, message: 'сервис больше не доступен' };
  }
  await settle(ctx, p, answer);
}

/** The agent a paying payment went through (stored at pay). */
function payingAgent(ctx: AppContext, p: WalletPayment) {
  return p.agentId === null ? walletAgent(ctx, p.walletId) : agentById(ctx, p.agentId);
}

/** Paying payments whose follow-up is overdue (a lost job); for the sweeper. */
export async function stalePayments(ctx: AppContext, limit = 100): Promise<bigint[]> {
  const { rows } = await ctx.pool.query<{ id: bigint }>(
    `SELECT id FROM wallet.payments WHERE state = 'paying' AND created_at < now() - make_interval(secs => $2)
     ORDER BY id LIMIT $1`,
    [limit, ORPHAN_AFTER_S],
  );
  return rows.map((r) => r.id);
}
