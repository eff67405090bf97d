import { randomBytes } from 'node:crypto';
import { TtlCache } from '../broker/cache.ts';
import { getProduct } from '../lending/products/repository.ts';
import { Batcher, rowRefusalOrLockOrder } from '../platform/batcher.ts';
import type { Config } from '../platform/config.ts';
import type { AppContext } from '../platform/context.ts';
import { sha256Hex } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { firstsByKey, unnestColumns } from '../platform/db/unnest.ts';
import { configuredBase } from '../platform/http/public-base.ts';
import { formatRoublesRu, type Kopecks } from '../platform/money.ts';
import { PerPool } from '../platform/per-pool.ts';
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
  // One statement (atomic without a transaction): the session and its first history row, shared
  // by concurrent inits (see `inserter`). The expiry is the `bnpl:expire_sweep` job's, every
  // minute, so init adds no job row.
  const row = await inserter(ctx).submit({
    merchantId: merchant.id,
    orderId: input.orderId,
    hash,
    enc: ctx.cipher.encrypt(
      JSON.stringify({ phone: input.phone, email: input.email, ...input.details }, (_k, v) =>
        typeof v === 'bigint' ? String(v) : v,
      ),
    ),
    // Hex: the platform's log redaction hides 32+ hex path segments, so the token never reaches a log.
    frameToken: randomBytes(24).toString('hex'),
    amount: input.amount,
    webMode: input.webMode,
    successCallbackUrl: input.successCallbackUrl,
    failureCallbackUrl: input.failureCallbackUrl,
    redirectUrl: input.redirectUrl,
    originalProviderOrderId: input.originalProviderOrderId ?? null,
    productType: input.productType ?? null,
    expiresAt: input.expiresAt ?? null,
    departureDate: input.departureDate ?? null,
  });
  if (row) return { session: toSession(row), replayed: false };
  // The order exists (a repeat, or a parallel duplicate that won): answer with its session.
  const winner = await findByOrder(ctx.pool, merchant.id, input.orderId);
  if (!winner) throw bnplError('conflict', 'init_race', 'повторите запрос');
  return { session: sameBody(winner, hash), replayed: true };
}

/** A session row to insert, everything computed (the personal part already encrypted). */
interface NewSession {
  merchantId: bigint;
  orderId: string;
  hash: string;
  enc: string;
  frameToken: string;
  amount: Kopecks;
  webMode: Session['webMode'];
  successCallbackUrl: string;
  failureCallbackUrl: string;
  redirectUrl: string;
  originalProviderOrderId: string | null;
  productType: string | null;
  expiresAt: Date | null;
  departureDate: string | null;
}

const HISTORY = `h AS (INSERT INTO bnpl.state_history (session_id, from_state, to_state, reason)
       SELECT id, NULL, 'processing', 'init' FROM s)`;

const inserters = new PerPool<Batcher<NewSession, Row | undefined>>();

/** How concurrent inits shared statements in this process (tests and diagnostics). */
export function initBatchStats(ctx: AppContext) {
  return inserters.peek(ctx.pool)?.stats;
}

/**
 * Concurrent inits share one INSERT and one commit (src/platform/batcher.ts, as the wallet's
 * creates do): a lone init goes out at once, and under load one statement serves up to 32, which
 * takes most of the database's work per init away (its commit, parse and round trip). Nothing
 * comes back for an order that is stored already (a repeat, also one in the same batch): the
 * caller reads the stored row. An error that concerns one row (a value the table refuses, a
 * lock-order failure) sends the batch's items one by one, each getting its own answer.
 */
function inserter(ctx: AppContext): Batcher<NewSession, Row | undefined> {
  return inserters.of(
    ctx.pool,
    () =>
      new Batcher({
        many: (items) => insertMany(ctx, items),
        single: (item) => insertOne(ctx, item),
        oneByOne: rowRefusalOrLockOrder,
        inFlight: 4,
        maxBatch: 32,
      }),
  );
}

function sessionValues(it: NewSession): unknown[] {
  return [
    it.merchantId,
    it.orderId,
    it.hash,
    it.enc,
    it.frameToken,
    it.amount,
    it.webMode,
    it.successCallbackUrl,
    it.failureCallbackUrl,
    it.redirectUrl,
    it.originalProviderOrderId,
    it.productType,
    it.expiresAt,
    it.departureDate,
  ];
}

async function insertOne(ctx: AppContext, it: NewSession): Promise<Row | undefined> {
  // Named: each connection parses and plans it once.
  const { rows } = await ctx.pool.query<Row>({
    name: 'bnpl.init_session',
    text: `WITH s AS (
       INSERT INTO bnpl.sessions (merchant_id, order_id, request_hash, request_enc, frame_token, amount, web_mode,
         success_callback_url, failure_callback_url, redirect_url, original_provider_order_id, product_type,
         expires_at, departure_date)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)
       ON CONFLICT (merchant_id, order_id) DO NOTHING RETURNING ${COLUMNS}),
     ${HISTORY}
     SELECT * FROM s`,
    values: sessionValues(it),
  });
  return rows[0];
}

async function insertMany(ctx: AppContext, items: NewSession[]): Promise<(Row | undefined)[]> {
  // One row per key, the first request's (a later one with the same key is a repeat and reads it),
  // in key order: concurrent batches with a common key (parallel repeats) wait, never deadlock.
  const key = (merchantId: bigint, orderId: string) => `${merchantId}:${orderId}`;
  const firsts = firstsByKey(items, (it) => key(it.merchantId, it.orderId));
  const sorted = [...firsts.values()];
  const { rows } = await ctx.pool.query<Row>({
    name: 'bnpl.init_sessions',
    text: `WITH s AS (
       INSERT INTO bnpl.sessions (merchant_id, order_id, request_hash, request_enc, frame_token, amount, web_mode,
         success_callback_url, failure_callback_url, redirect_url, original_provider_order_id, product_type,
         expires_at, departure_date)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[],
         $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::date[])
       ON CONFLICT (merchant_id, order_id) DO NOTHING RETURNING ${COLUMNS}),
     ${HISTORY}
     SELECT * FROM s`,
    values: unnestColumns(sorted.map(sessionValues), 14),
  });
  const inserted = new Map(rows.map((r) => [key(r.merchant_id, r.order_id), r]));
  return items.map((it) => {
    const k = key(it.merchantId, it.orderId);
    return firsts.get(k) === it ? inserted.get(k) : undefined;
  });
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

/** The session of a merchant's order, if there is one (the row locked on request). */
export async function findByOrder(
  db: Queryable,
  merchantId: bigint,
  orderId: string,
  forUpdate = false,
): Promise<(Session & { requestHash: string }) | undefined> {
  const { rows } = await db.query<Row & { request_hash: string }>(
    `SELECT ${COLUMNS}, request_hash FROM bnpl.sessions WHERE merchant_id = $1 AND order_id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
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

/**
 * A session for a deal the loan engine approved elsewhere (the broker's in-house lender opens
 * one per broker form, `orderId` the form's guid): it starts at the payment step, with no
 * callbacks and no redirect (the broker reads the state; the client came by an SMS link), and
 * `details` (phone, e-mail) for the frame. Idempotent per (merchant, order): a repeat returns
 * the first session. Runs in the caller's transaction.
 */
export async function openSessionForDeal(
  db: Queryable,
  ctx: AppContext,
  input: {
    merchantId: bigint;
    orderId: string;
    amount: Kopecks;
    dealId: bigint;
    details: Record<string, unknown>;
  },
): Promise<Session> {
  const { rows } = await db.query<Row>(
    `WITH s AS (
       INSERT INTO bnpl.sessions (merchant_id, order_id, request_hash, request_enc, frame_token, amount, web_mode,
         success_callback_url, failure_callback_url, redirect_url, step, deal_id)
       VALUES ($1, $2, $3, $4, $5, $6, 'standalone', '', '', '', 'pay', $7)
       ON CONFLICT (merchant_id, order_id) DO NOTHING RETURNING ${COLUMNS}),
     ${HISTORY}
     SELECT * FROM s`,
    [
      input.merchantId,
      input.orderId,
      sha256Hex(`deal:${input.dealId}`),
      ctx.cipher.encrypt(JSON.stringify(input.details)),
      randomBytes(24).toString('hex'),
      input.amount,
      input.dealId,
    ],
  );
  if (rows[0]) return toSession(rows[0]);
  const existing = await findByOrder(db, input.merchantId, input.orderId);
  if (existing?.dealId !== input.dealId)
    throw bnplError(
      'conflict',
      'order_id_reused',
      `платёжная сессия для заказа «${input.orderId}» уже создана`,
    );
  return existing;
}

/**
 * The frame's address without a request at hand (a job): `KOPEK_PUBLIC_URL`, else the configured
 * listening address. The partner API's `frame_url` uses the bound address instead (faces/moneywall).
 */
export function frameUrl(config: Pick<Config, 'publicUrl' | 'host' | 'port' | 'tls'>, token: string): string {
  return `${configuredBase(config)}/frame/${token}`;
}

export interface CardPayment {
  externalId: string | null;
  amount: Kopecks;
  status: 'created' | 'authorized' | 'declined' | 'captured' | 'voided';
  updatedAt: Date;
}

/** The card payments of a session's first instalment, oldest first. */
export async function cardPayments(db: Queryable, sessionId: bigint): Promise<CardPayment[]> {
  const { rows } = await db.query<{
    external_id: string | null;
    amount: bigint;
    status: CardPayment['status'];
    updated_at: Date;
  }>(
    `SELECT external_id, amount, status, updated_at FROM bnpl.card_payments WHERE session_id = $1 ORDER BY id`,
    [sessionId],
  );
  return rows.map((r) => ({
    externalId: r.external_id,
    amount: r.amount,
    status: r.status,
    updatedAt: r.updated_at,
  }));
}
