import { createHash } from 'node:crypto';
import { Batcher } from '../platform/batcher.ts';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { type Kopecks, MoneyError, parseRoubles } from '../platform/money.ts';
import { PerPool } from '../platform/per-pool.ts';
import type { Service } from '../processing/catalog.ts';
import { walletError } from './errors.ts';
import { checkThroughProcessing, type GatewayAnswer, walletAgent } from './processing-gateway.ts';
import { walletService } from './services.ts';
import type { Wallet } from './wallets.ts';

/**
 * A wallet payment's life: checking (the provider is to be asked: next_action get), input (the
 * provider asked for more parameters: update), ready (total known: pay), paying (hold placed,
 * the processing centre works: get), finished, canceled. The wire status is `processing` for the
 * first four.
 */
export type PaymentState = 'checking' | 'input' | 'ready' | 'paying' | 'finished' | 'canceled';

export interface ShownParameter {
  code: string;
  name: string;
  value: string;
}

export interface CurrentParameter extends ShownParameter {
  editable: boolean;
}

export interface WalletPayment {
  id: bigint;
  walletId: bigint;
  clientPaymentId: string;
  type: 'out';
  serviceId: string;
  serviceName: string;
  amount: Kopecks;
  /** Known once the payment is ready: total = amount + fee. */
  fee: Kopecks | null;
  state: PaymentState;
  parameters: ShownParameter[];
  currentParameters: CurrentParameter[] | null;
  version: number;
  holdId: bigint | null;
  /** The processing-centre agent the pay went through. */
  agentId: bigint | null;
  result: number | null;
  resultMessage: string | null;
  createdAt: Date;
  processedAt: Date | null;
}

export interface PaymentRow {
  id: bigint;
  wallet_id: bigint;
  client_payment_id: string;
  request_hash: string;
  type: 'out';
  service_id: string;
  service_name: string;
  amount: bigint;
  fee: bigint | null;
  state: PaymentState;
  parameters: ShownParameter[];
  current_parameters: CurrentParameter[] | null;
  version: number;
  hold_id: bigint | null;
  agent_id: bigint | null;
  result: number | null;
  result_message: string | null;
  created_at: Date;
  processed_at: Date | null;
}

export const PAYMENT_COLUMNS = `id, wallet_id, client_payment_id, request_hash, type, service_id, service_name, amount, fee,
  state, parameters, current_parameters, version, hold_id, agent_id, result, result_message, created_at, processed_at`;

export function toPayment(r: PaymentRow): WalletPayment {
  return {
    id: r.id,
    walletId: r.wallet_id,
    clientPaymentId: r.client_payment_id,
    type: r.type,
    serviceId: r.service_id,
    serviceName: r.service_name,
    amount: r.amount,
    fee: r.fee,
    state: r.state,
    parameters: r.parameters,
    currentParameters: r.current_parameters,
    version: r.version,
    holdId: r.hold_id,
    agentId: r.agent_id,
    result: r.result,
    resultMessage: r.result_message,
    createdAt: r.created_at,
    processedAt: r.processed_at,
  };
}

export function total(p: WalletPayment): Kopecks | null {
  return p.fee === null ? null : p.amount + p.fee;
}

/** The fee the wallet charges: the processing centre's minimum client fee for the service. */
export function walletFee(service: Service): Kopecks {
  return service.feeMin;
}

/** A service whose provider returns data on check is asked before pay (multi-step); others are one-step. */
function needsCheck(service: Service): boolean {
  return service.displays.length > 0;
}

/**
 * The document's one-step example sends `phoneNumbe` for `phoneNumber`: a code that differs from
 * an expected one only by its missing last letter is read as that code.
 */
function resolveCode(service: Service, code: string, given: Record<string, unknown>): string {
  if (service.inputs.some((i) => i.name === code)) return code;
  const near = service.inputs.find((i) => i.name.length === code.length + 1 && i.name.startsWith(code));
  return near && !(near.name in given) ? near.name : code;
}

/** Validates parameters against the service's inputs; `existing` values are kept unless replaced. */
export function parseParameters(
  service: Service,
  raw: unknown,
  existing: ShownParameter[] = [],
): ShownParameter[] {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw)))
    throw walletError('invalid_parameter', 'parameters: ожидается объект {"код": "значение"}');
  const given = (raw ?? {}) as Record<string, unknown>;
  const values = new Map(existing.map((p) => [p.code, p.value]));
  for (const [rawCode, value] of Object.entries(given)) {
    const code = resolveCode(service, rawCode, given);
    if (!service.inputs.some((i) => i.name === code))
      throw walletError(
        'unknown_parameter',
        `parameters.${rawCode}: у сервиса ${service.id} нет такого параметра`,
        {
          parameter: rawCode,
        },
      );
    if (value === null || value === undefined) {
      values.delete(code);
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number')
      throw walletError('invalid_parameter', `parameters.${rawCode}: ожидается строка`, {
        parameter: rawCode,
      });
    values.set(code, String(value));
  }
  const out: ShownParameter[] = [];
  const order = [...existing.map((p) => p.code), ...service.inputs.map((i) => i.name)];
  for (const code of new Set(order)) {
    const input = service.inputs.find((i) => i.name === code);
    if (!input) continue;
    const value = values.get(code);
    if (value === undefined || value === '') {
      if (input.required)
        throw walletError(
          'missing_parameter',
          `parameters.${code}: обязательный параметр «${input.title || code}» не заполнен`,
          {
            parameter: code,
          },
        );
      continue;
    }
    if (!new RegExp(input.regexp).test(value))
      throw walletError(
        'invalid_parameter',
        `parameters.${code}: неверный формат («${input.title || code}»)`,
        {
          parameter: code,
        },
      );
    out.push({ code, name: input.title || code, value });
  }
  return out;
}

export interface NewPayment {
  type?: unknown;
  client_payment_id?: unknown;
  amount?: unknown;
  service?: unknown;
  parameters?: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function parseAmount(service: Service, raw: unknown): Kopecks {
  let amount: Kopecks;
  try {
    amount = parseRoubles(raw, { allowZero: false });
  } catch (error) {
    if (error instanceof MoneyError) throw walletError('invalid_amount', `amount: ${error.message}`);
    throw error;
  }
  if (amount < service.minAmount)
    throw walletError(
      'amount_too_small',
      `amount: сумма меньше минимальной для сервиса (${service.minAmount / 100n} руб.)`,
    );
  if (amount > service.maxAmount)
    throw walletError(
      'amount_too_large',
      `amount: сумма больше максимальной для сервиса (${service.maxAmount / 100n} руб.)`,
    );
  return amount;
}

async function serviceOf(db: Queryable, raw: unknown): Promise<Service> {
  const id = typeof raw === 'number' || typeof raw === 'string' ? String(raw).trim() : '';
  const service = id ? await walletService(db, id) : undefined;
  if (!service) throw walletError('service_not_found', `service: сервис ${id || '?'} не найден`);
  return service;
}

/**
 * `POST /v1/payments`: one payment per (wallet, client_payment_id). A repeat (a retry after an
 * i/o error, or parallel retries racing) returns the stored payment; the unique key decides the
 * race, and the loser reads the winner's row. The same id with another body is refused.
 */
export async function createPayment(
  ctx: AppContext,
  wallet: Wallet,
  input: NewPayment,
): Promise<WalletPayment> {
  if (input.type !== 'out') throw walletError('invalid_type', 'type: поддерживается только "out"');
  const clientPaymentId =
    typeof input.client_payment_id === 'string' ? input.client_payment_id.toLowerCase() : '';
  if (!UUID.test(clientPaymentId))
    throw walletError('invalid_client_payment_id', 'client_payment_id: ожидается UUID');
  const hash = createHash('sha256')
    .update(JSON.stringify([String(input.amount), String(input.service), input.parameters ?? null]))
    .digest('base64url');
  let service: Service;
  let amount: Kopecks;
  let parameters: ShownParameter[];
  try {
    service = await serviceOf(ctx.pool, input.service);
    amount = parseAmount(service, input.amount);
    parameters = parseParameters(service, input.parameters);
  } catch (error) {
    // A repeat is answered from what was stored, even if the catalogue refuses the body now.
    const stored = await findByClientId(ctx.pool, wallet.id, clientPaymentId);
    if (stored) return repeatOf(stored, hash);
    throw error;
  }
  // A first request saves the lookup: a repeat conflicts on the unique key and reads the stored row.
  const check = needsCheck(service);
  const row = await inserter(ctx).submit({
    walletId: wallet.id,
    clientPaymentId,
    hash,
    serviceId: service.id,
    serviceName: service.name,
    amount,
    fee: check ? null : walletFee(service),
    state: check ? 'checking' : 'ready',
    parameters: JSON.stringify(parameters),
  });
  if (row) return toPayment(row);
  const winner = await findByClientId(ctx.pool, wallet.id, clientPaymentId);
  if (!winner) throw new Error(`payment ${clientPaymentId} vanished after a conflict`);
  return repeatOf(winner, hash);
}

interface NewRow {
  walletId: bigint;
  clientPaymentId: string;
  hash: string;
  serviceId: string;
  serviceName: string;
  amount: Kopecks;
  fee: Kopecks | null;
  state: PaymentState;
  parameters: string;
}

const inserters = new PerPool<Batcher<NewRow, PaymentRow | undefined>>();

/** How concurrent creates shared statements in this process (for tests and diagnostics). */
export function createBatchStats(ctx: AppContext) {
  return inserters.peek(ctx.pool)?.stats;
}

/**
 * Concurrent creates share one INSERT (src/platform/batcher.ts, as the pay's statements do).
 * Nothing comes back for a request whose key is stored already (a repeat, also one in the same
 * batch): the caller reads the stored row.
 */
function inserter(ctx: AppContext): Batcher<NewRow, PaymentRow | undefined> {
  return inserters.of(
    ctx.pool,
    () =>
      new Batcher({
        many: (items) => insertMany(ctx, items),
        single: (item) => insertOne(ctx, item),
        // Only a lock-order failure concerns the batch rather than an item.
        oneByOne: (error) => ['40P01', '40001'].includes((error as { code?: string })?.code ?? ''),
        inFlight: 4,
        maxBatch: 32,
      }),
  );
}

async function insertOne(ctx: AppContext, it: NewRow): Promise<PaymentRow | undefined> {
  // A named statement: each connection parses and plans it once.
  const { rows } = await ctx.pool.query<PaymentRow>({
    name: 'wallet.create_payment',
    text: `INSERT INTO wallet.payments (wallet_id, client_payment_id, request_hash, service_id, service_name, amount,
       fee, state, parameters)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (wallet_id, client_payment_id) DO NOTHING
     RETURNING ${PAYMENT_COLUMNS}`,
    values: [
      it.walletId,
      it.clientPaymentId,
      it.hash,
      it.serviceId,
      it.serviceName,
      it.amount,
      it.fee,
      it.state,
      it.parameters,
    ],
  });
  return rows[0];
}

async function insertMany(ctx: AppContext, items: NewRow[]): Promise<(PaymentRow | undefined)[]> {
  // In key order: concurrent batches with a common key then wait on each other, never deadlock.
  const key = (walletId: bigint | string, clientPaymentId: string) => `${walletId}:${clientPaymentId}`;
  const sorted = [...items].sort((a, b) => {
    const ka = key(a.walletId, a.clientPaymentId);
    const kb = key(b.walletId, b.clientPaymentId);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  const { rows } = await ctx.pool.query<PaymentRow>({
    name: 'wallet.create_payments',
    text: `INSERT INTO wallet.payments (wallet_id, client_payment_id, request_hash, service_id, service_name, amount,
       fee, state, parameters)
     SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[],
       $8::text[], $9::jsonb[])
     ON CONFLICT (wallet_id, client_payment_id) DO NOTHING
     RETURNING ${PAYMENT_COLUMNS}`,
    values: [
      sorted.map((it) => String(it.walletId)),
      sorted.map((it) => it.clientPaymentId),
      sorted.map((it) => it.hash),
      sorted.map((it) => it.serviceId),
      sorted.map((it) => it.serviceName),
      sorted.map((it) => String(it.amount)),
      sorted.map((it) => (it.fee === null ? null : String(it.fee))),
      sorted.map((it) => it.state),
      sorted.map((it) => it.parameters),
    ],
  });
  const inserted = new Map(rows.map((r) => [key(r.wallet_id, r.client_payment_id), r]));
  // A row goes to the first request with its key; a second one in the batch is a repeat.
  return items.map((it) => {
    const k = key(it.walletId, it.clientPaymentId);
    const row = inserted.get(k);
    inserted.delete(k);
    return row;
  });
}

function repeatOf(row: PaymentRow, hash: string): WalletPayment {
  if (row.request_hash !== hash)
    throw walletError(
      'client_payment_id_conflict',
      'client_payment_id: платеж с этим идентификатором уже создан с другими данными',
      { id: row.id },
    );
  return toPayment(row);
}

async function findByClientId(
  db: Queryable,
  walletId: bigint,
  clientPaymentId: string,
): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM wallet.payments WHERE wallet_id = $1 AND client_payment_id = $2`,
    [walletId, clientPaymentId],
  );
  return rows[0];
}

/** A payment of this wallet; another wallet's payment does not exist for it (404). */
export async function loadPayment(db: Queryable, walletId: bigint, id: unknown): Promise<WalletPayment> {
  const paymentId = paymentIdOf(id);
  const { rows } = await db.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM wallet.payments WHERE id = $1 AND wallet_id = $2`,
    [paymentId, walletId],
  );
  if (!rows[0]) throw paymentNotFound(paymentId);
  return toPayment(rows[0]);
}

/** A payment id from the path; anything that cannot be one is a payment that does not exist (404). */
export function paymentIdOf(id: unknown): bigint {
  const text = typeof id === 'string' || typeof id === 'number' ? String(id) : '';
  if (!/^\d{1,18}$/.test(text))
    throw walletError('payment_not_found', `платеж ${text.slice(0, 20)} не найден`);
  return BigInt(text);
}

export function paymentNotFound(id: bigint) {
  return walletError('payment_not_found', `платеж ${id} не найден`);
}

export async function paymentById(db: Queryable, id: bigint): Promise<WalletPayment | undefined> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM wallet.payments WHERE id = $1`,
    [id],
  );
  return rows[0] && toPayment(rows[0]);
}

/**
 * `POST /v1/payments/{id}`: more parameters (the document sends all of them again). Allowed until
 * pay; the payment goes back to checking (multi-step) or stays ready with the new values.
 */
export async function updatePayment(
  ctx: AppContext,
  wallet: Wallet,
  id: unknown,
  input: { parameters?: unknown },
): Promise<WalletPayment> {
  const p = await loadPayment(ctx.pool, wallet.id, id);
  if (p.state === 'paying' || p.state === 'finished' || p.state === 'canceled')
    throw walletError('payment_not_editable', 'платеж уже запущен в обработку, изменить его нельзя');
  const service = await serviceOf(ctx.pool, p.serviceId);
  const parameters = parseParameters(service, input.parameters, p.parameters);
  const check = needsCheck(service);
  const { rows } = await ctx.pool.query<PaymentRow>(
    `UPDATE wallet.payments SET parameters = $3, state = $4, fee = $5, current_parameters = NULL,
       version = version + 1
     WHERE id = $1 AND version = $2 AND state IN ('checking', 'input', 'ready')
     RETURNING ${PAYMENT_COLUMNS}`,
    [
      p.id,
      p.version,
      JSON.stringify(parameters),
      check ? 'checking' : 'ready',
      check ? null : walletFee(service),
    ],
  );
  if (!rows[0])
    throw walletError('payment_not_editable', 'платеж изменился одновременно с запросом, повторите');
  return toPayment(rows[0]);
}

/**
 * Asks the provider about a payment in `checking` (at the client's next `get`). Displays whose
 * name is an input of the service and whose value is empty are the parameters the provider asks
 * for (editable); the others are shown as they are. The answer applies only to the version it
 * was asked for, so a concurrent update wins.
 */
export async function runCheck(ctx: AppContext, p: WalletPayment): Promise<WalletPayment> {
  const service = await walletService(ctx.pool, p.serviceId);
  const answer: GatewayAnswer = service
    ? await checkThroughProcessing(ctx, await walletAgent(ctx, p.walletId), service, { ...p, fee: 0n })
    : { result: 130, final: true, message: 'сервис больше не доступен' };
  if (!answer.final) return p;
  let state: PaymentState;
  let current: CurrentParameter[] | null = null;
  if (answer.result === 0 && service) {
    const given = new Set(p.parameters.map((x) => x.code));
    const shown: CurrentParameter[] = Object.entries(answer.displays ?? {}).map(([code, value]) => {
      const input = service.inputs.find((i) => i.name === code);
      const display = service.displays.find((d) => d.name === code);
      const editable = input !== undefined && value === '' && !given.has(code);
      return { code, name: (input ?? display)?.title || code, value, editable };
    });
    current = shown;
    state = shown.some((c) => c.editable) ? 'input' : 'ready';
  } else state = 'canceled';
  const { rows } = await ctx.pool.query<PaymentRow>(
    `UPDATE wallet.payments SET state = $3, current_parameters = $4, fee = $5, result = $6, result_message = $7,
       processed_at = CASE WHEN $3 = 'canceled' THEN now() END, version = version + 1
     WHERE id = $1 AND version = $2 AND state = 'checking'
     RETURNING ${PAYMENT_COLUMNS}`,
    [
      p.id,
      p.version,
      state,
      current === null ? null : JSON.stringify(current),
      state === 'ready' && service ? walletFee(service) : null,
      state === 'canceled' ? answer.result : null,
      state === 'canceled' ? answer.message : null,
    ],
  );
  return rows[0] ? toPayment(rows[0]) : ((await paymentById(ctx.pool, p.id)) ?? p);
}

/** `GET /v1/payments`: newest first, `page` from 0, `size` 1..100. */
export async function listPayments(
  ctx: AppContext,
  wallet: Wallet,
  page: unknown,
  size: unknown,
): Promise<WalletPayment[]> {
  const pageN = page === undefined ? 0 : Number(page);
  const sizeN = size === undefined ? 20 : Number(size);
  if (!Number.isInteger(pageN) || pageN < 0 || pageN > 100_000)
    throw walletError('invalid_page', 'page: целое число от 0');
  if (!Number.isInteger(sizeN) || sizeN < 1 || sizeN > 100)
    throw walletError('invalid_page', 'size: целое число от 1 до 100');
  const { rows } = await ctx.pool.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM wallet.payments WHERE wallet_id = $1
     ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
    [wallet.id, sizeN, pageN * sizeN],
  );
  return rows.map(toPayment);
}
