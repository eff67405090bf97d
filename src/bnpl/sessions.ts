import { randomBytes } from 'node:crypto';
import { TtlCache } from '../broker/cache.ts';
import { getProduct } from '../lending/products/repository.ts';
import type { AppContext } from '../platform/context.ts';
import { sha256Hex } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { formatRoublesRu, type Kopecks } from '../platform/money.ts';
import { bnplError } from './errors.ts';
import type { Merchant } from './merchants.ts';
import type { SessionState } from './states.ts';

/** The loan product every session becomes (docs/lending-math.md, BNPL3). */
export const BNPL_PRODUCT = 'BNPL3';

/** What `init` asks for, already read from the wire (roubles -> kopecks, dates parsed). */
export interface InitInput {
  orderId: string;
  amount: Kopecks;
  phone: string;
  email: string;
  successCallbackUrl: string;
  failureCallbackUrl: string;
  redirectUrl: string;
  webMode: 'standalone' | 'iframe';
  originalProviderOrderId?: string | undefined;
  expiresAt?: Date | undefined;
  productType?: string | undefined;
  /** The earliest flight's departure date (its own local date), for the price's K. */
  departureDate?: string | undefined;
  /** Everything else of the body (product, passports, address, meta): kept encrypted. */
  details: Record<string, unknown>;
  /** The body in canonical form: a repeat of the same order must carry the same body. */
  canonical: string;
}

export interface Session {
  id: bigint;
  merchantId: bigint;
  orderId: string;
  frameToken: string;
  amount: Kopecks;
  state: SessionState;
  step: 'form' | 'code' | 'pay' | 'done' | 'declined' | 'closed';
  webMode: 'standalone' | 'iframe';
  successCallbackUrl: string;
  failureCallbackUrl: string;
  redirectUrl: string;
  expiresAt: Date | null;
  departureDate: string | null;
  dealId: bigint | null;
  firstPayment: Kopecks | null;
  refundedTotal: Kopecks;
  declineReason: string | null;
  authorizedAt: Date | null;
  stateChangedAt: Date;
  createdAt: Date;
}

const COLUMNS = `id, merchant_id, order_id, frame_token, amount, state, step, web_mode, success_callback_url,
  failure_callback_url, redirect_url, expires_at, departure_date::text, deal_id, first_payment, refunded_total,
  decline_reason, authorized_at, state_changed_at, created_at`;

interface Row {
  id: bigint;
  merchant_id: bigint;
  order_id: string;
  frame_token: string;
  amount: bigint;
  state: SessionState;
  step: Session['step'];
  web_mode: Session['webMode'];
  success_callback_url: string;
  failure_callback_url: string;
  redirect_url: string;
  expires_at: Date | null;
  departure_date: string | null;
  deal_id: bigint | null;
  first_payment: bigint | null;
  refunded_total: bigint;
  decline_reason: string | null;
  authorized_at: Date | null;
  state_changed_at: Date;
  created_at: Date;
}

function toSession(r: Row): Session {
  return {
    id: r.id,
    merchantId: r.merchant_id,
    orderId: r.order_id,
    frameToken: r.frame_token,
    amount: r.amount,
    state: r.state,
    step: r.step,
    webMode: r.web_mode,
    successCallbackUrl: r.success_callback_url,
    failureCallbackUrl: r.failure_callback_url,
    redirectUrl: r.redirect_url,
    expiresAt: r.expires_at,
    departureDate: r.departure_date,
    dealId: r.deal_id,
    firstPayment: r.first_payment,
    refundedTotal: r.refunded_total,
    declineReason: r.decline_reason,
    authorizedAt: r.authorized_at,
    stateChangedAt: r.state_changed_at,
    createdAt: r.created_at,
  };
}

const productRange = new TtlCache<{ min: Kopecks; max: Kopecks; active: boolean }>(5_000);

/**
 * The checks of init beyond the wire format, shared by `init` and `credit_applications/validate`:
 * the order fits the BNPL product's amounts, the time limit is ahead, the URLs are web addresses.
 */
export async function checkInit(db: Queryable, input: InitInput, now = new Date()): Promise<void> {
  const range = await productRange.get(BNPL_PRODUCT, async () => {
    const p = await getProduct(db, BNPL_PRODUCT);
    return { min: p.minAmount, max: p.maxAmount, active: p.active };
  });
  if (!range.active) throw bnplError('validation', 'product_inactive', 'оплата частями сейчас недоступна');
  if (input.amount < range.min || input.amount > range.max)
    throw bnplError(
      'validation',
      'amount_range',
      `amount: сумма заказа должна быть от ${formatRoublesRu(range.min)} до ${formatRoublesRu(range.max)}`,
    );
  if (input.expiresAt && input.expiresAt.getTime() <= now.getTime())
    throw bnplError('validation', 'expired', 'expires_at: таймлимит заказа уже истёк');
  for (const [name, url] of [
    ['success_callback_url', input.successCallbackUrl],
    ['failure_callback_url', input.failureCallbackUrl],
    ['redirect_url', input.redirectUrl],
  ] as const) {
    if (!/^https?:\/\/[^\s/]+/i.test(url))
      throw bnplError('validation', 'url', `${name}: нужен адрес вида http(s)://…`);
  }
}

/**
 * Starts a payment session, idempotent per (merchant, order_id): the same body again returns the
 * first session; another body with the same order_id is refused. Parallel duplicates meet at the
 * unique constraint, so exactly one session is created.
 */
export async function initSession(
  ctx: AppContext,
  merchant: Merchant,
  input: InitInput,
): Promise<{ session: Session; replayed: boolean }> {
  const hash = sha256Hex(input.canonical);
  try {
    await checkInit(ctx.pool, input);
  } catch (error) {
    // A repeat of an accepted order stays answerable after its time limit has passed.
    const existing = await findByOrder(ctx.pool, merchant.id, input.orderId);
    if (existing) return { session: sameBody(existing, hash), replayed: true };
    throw error;
  }
  // One statement (atomic without a transaction): the session and its first history row. The
  // expiry is the `bnpl:expire_sweep` job's, every minute, so init adds no job row.
  const { rows } = await ctx.pool.query<Row>(
    `WITH s AS (
       INSERT INTO bnpl.sessions (merchant_id, order_id, request_hash, request_enc, frame_token, amount, web_mode,
         success_callback_url, failure_callback_url, redirect_url, original_provider_order_id, product_type,
         expires_at, departure_date)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
       ON CONFLICT (merchant_id, order_id) DO NOTHING RETURNING ${COLUMNS}),
     h AS (INSERT INTO bnpl.state_history (session_id, from_state, to_state, reason)
       SELECT id, NULL, 'processing', 'init' FROM s)
     SELECT * FROM s`,
    [
      merchant.id,
      input.orderId,
      hash,
      ctx.cipher.encrypt(
        JSON.stringify({ phone: input.phone, email: input.email, ...input.details }, (_k, v) =>
          typeof v === 'bigint' ? String(v) : v,
        ),
      ),
      // Hex: the platform's log redaction hides 32+ hex path segments, so the token never reaches a log.
      randomBytes(24).toString('hex'),
      input.amount,
      input.webMode,
      input.successCallbackUrl,
      input.failureCallbackUrl,
      input.redirectUrl,
      input.originalProviderOrderId ?? null,
      input.productType ?? null,
      input.expiresAt ?? null,
      input.departureDate ?? null,
    ],
  );
  if (rows[0]) return { session: toSession(rows[0]), replayed: false };
  // The order exists (a repeat, or a parallel duplicate that won): answer with its session.
  const winner = await findByOrder(ctx.pool, merchant.id, input.orderId);
  if (!winner) throw bnplError('conflict', 'init_race', 'повторите запрос');
  return { session: sameBody(winner, hash), replayed: true };
}

function sameBody(s: Session & { requestHash?: string }, hash: string): Session {
  if (s.requestHash !== hash)
    throw bnplError(
      'conflict',
      'order_id_reused',
      `order_id: платёжная сессия для заказа «${s.orderId}» уже создана с другими параметрами`,
    );
  return s;
}

async function findByOrder(
  db: Queryable,
  merchantId: bigint,
  orderId: string,
): Promise<(Session & { requestHash: string }) | undefined> {
  const { rows } = await db.query<Row & { request_hash: string }>(
    `SELECT ${COLUMNS}, request_hash FROM bnpl.sessions WHERE merchant_id = $1 AND order_id = $2`,
    [merchantId, orderId],
  );
  return rows[0] ? { ...toSession(rows[0]), requestHash: rows[0].request_hash } : undefined;
}

export async function sessionByOrder(db: Queryable, merchantId: bigint, orderId: string): Promise<Session> {
  const s = await findByOrder(db, merchantId, orderId);
  if (!s)
    throw bnplError('not_found', 'session_not_found', `платёжная сессия для заказа «${orderId}» не найдена`);
  return s;
}

export async function sessionByToken(db: Queryable, token: string, forUpdate = false): Promise<Session> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM bnpl.sessions WHERE frame_token = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [token],
  );
  if (!rows[0]) throw bnplError('not_found', 'session_not_found', 'платёжная сессия не найдена');
  return toSession(rows[0]);
}

export async function sessionById(db: Queryable, id: bigint, forUpdate = false): Promise<Session> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM bnpl.sessions WHERE id = $1 ${forUpdate ? 'FOR UPDATE' : ''}`,
    [id],
  );
  if (!rows[0]) throw bnplError('not_found', 'session_not_found', 'платёжная сессия не найдена');
  return toSession(rows[0]);
}

/** The init body's personal part (phone, e-mail, passports, address, product), decrypted. */
export async function sessionDetails(ctx: AppContext, sessionId: bigint): Promise<Record<string, unknown>> {
  const { rows } = await ctx.pool.query<{ e: string }>(
    `SELECT request_enc AS e FROM bnpl.sessions WHERE id = $1`,
    [sessionId],
  );
  return rows[0] ? (JSON.parse(ctx.cipher.decrypt(rows[0].e)) as Record<string, unknown>) : {};
}

/** `states?from=&till=`: the merchant's sessions whose state changed in [from, till). */
export async function statesBetween(
  db: Queryable,
  merchantId: bigint,
  from: Date,
  till: Date,
): Promise<{ orderId: string; state: SessionState; changedAt: Date }[]> {
  if (till.getTime() <= from.getTime())
    throw bnplError('validation', 'range', 'till: конец периода должен быть позже начала (from)');
  if (till.getTime() - from.getTime() > 31 * 86_400_000)
    throw bnplError('validation', 'range', 'период запроса — не больше 31 дня');
  const { rows } = await db.query<{ order_id: string; state: SessionState; state_changed_at: Date }>(
    `SELECT order_id, state, state_changed_at FROM bnpl.sessions
     WHERE merchant_id = $1 AND state_changed_at >= $2 AND state_changed_at < $3
     ORDER BY state_changed_at, id LIMIT 10000`,
    [merchantId, from, till],
  );
  return rows.map((r) => ({ orderId: r.order_id, state: r.state, changedAt: r.state_changed_at }));
}
