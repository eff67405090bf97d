import { createHash } from 'node:crypto';
import type { Queryable } from '../platform/db/pool.ts';
import { AppError } from '../platform/errors.ts';
import { bigintAsString } from '../platform/json.ts';
import type { Kopecks } from '../platform/money.ts';
import { translateLedgerError } from './errors.ts';

/** One leg of a transfer. Negative `amount` takes money out of the account, positive puts it in. */
export interface Entry {
  account: bigint;
  amount: Kopecks;
}

export interface TransferInput {
  /** Idempotency key: a retry with the same key and content returns the first transfer. */
  key: string;
  /** What the transfer is (`processing.pay`, `lending.issue`, ...), for reports. */
  kind: string;
  entries: Entry[];
  description?: string;
  metadata?: Record<string, unknown>;
}

export interface TransferResult {
  id: bigint;
  key: string;
  /** True when the key had been used before and nothing new was written. */
  replayed: boolean;
}

export interface TransferOptions {
  /**
   * Run inside a savepoint, so a refusal (insufficient funds, say) leaves the caller's
   * transaction usable, for recording the refusal itself.
   */
  savepoint?: boolean;
}

/** Entries moving `amount` from one account to another. */
export function move(from: bigint, to: bigint, amount: Kopecks): Entry[] {
  return [
    { account: from, amount: -amount },
    { account: to, amount },
  ];
}

/** Posts one balanced transfer in the caller's transaction. */
export async function transfer(
  db: Queryable,
  input: TransferInput,
  options: TransferOptions = {},
): Promise<TransferResult> {
  const [result] = await postTransfers(db, [input], { pending: false, expiresAt: null, ...options });
  return result!;
}

/**
 * Posts many transfers in one statement: all or none. Bounds are checked on each account's
 * state after the whole batch, which is what commits.
 */
export function transferBatch(
  db: Queryable,
  inputs: TransferInput[],
  options: TransferOptions = {},
): Promise<TransferResult[]> {
  return postTransfers(db, inputs, { pending: false, expiresAt: null, ...options });
}

/**
 * Reserves a transfer (a hold): the outgoing amounts count against the accounts' available
 * balance until the hold is posted, voided, or expires at `expiresAt`.
 */
export async function hold(
  db: Queryable,
  input: TransferInput & { expiresAt: Date },
  options: TransferOptions = {},
): Promise<TransferResult> {
  const [result] = await postTransfers(db, [input], {
    pending: true,
    expiresAt: input.expiresAt,
    ...options,
  });
  return result!;
}

export type HoldStatus = 'posted' | 'voided' | 'expired';

/** Posts a hold: the reserved amounts move. Posting a posted hold again is a no-op. */
export function postHold(db: Queryable, transferId: bigint): Promise<HoldStatus> {
  return settle(db, transferId, 'post');
}

/** Voids a hold: the reserved amounts are released. Voiding a voided hold again is a no-op. */
export function voidHold(db: Queryable, transferId: bigint): Promise<HoldStatus> {
  return settle(db, transferId, 'void');
}

/** Releases holds past their expiry, one short transaction each; returns how many. */
export async function expireHolds(db: Queryable, limit = 500): Promise<number> {
  const { rows } = await db.query<{ id: bigint }>(
    `SELECT id FROM ledger.transfers WHERE status = 'pending' AND expires_at <= now() ORDER BY expires_at LIMIT $1`,
    [limit],
  );
  let expired = 0;
  for (const { id } of rows) {
    try {
      if ((await settle(db, id, 'expire')) === 'expired') expired++;
    } catch (error) {
      // Settled by someone else in between (posted just in time): nothing to release.
      if (!(error instanceof AppError && error.code === 'ledger.hold_state')) throw error;
    }
  }
  return expired;
}

async function settle(
  db: Queryable,
  transferId: bigint,
  action: 'post' | 'void' | 'expire',
): Promise<HoldStatus> {
  try {
    const { rows } = await db.query<{ status: HoldStatus }>('SELECT ledger.settle_hold($1, $2) AS status', [
      transferId,
      action,
    ]);
    return rows[0]!.status;
  } catch (error) {
    throw translateLedgerError(error);
  }
}

/** A transfer's own checks before the database sees it (key, at least two non-zero entries, balance). */
export function validateTransfer(input: TransferInput): void {
  if (!input.key || input.key.length > 200) {
    throw new AppError(
      'validation',
      'ledger.bad_key',
      'ключ идемпотентности должен быть непустой строкой до 200 символов',
    );
  }
  if (input.entries.length < 2)
    throw new AppError('validation', 'ledger.bad_entries', 'в проводке должно быть не менее двух записей');
  let sum = 0n;
  for (const e of input.entries) {
    if (e.amount === 0n)
      throw new AppError('validation', 'ledger.bad_entries', 'сумма записи не может быть нулевой');
    sum += e.amount;
  }
  // Per-currency balance is checked in the database, which knows each account's currency.
  if (sum !== 0n)
    throw new AppError('validation', 'ledger.unbalanced', 'проводка не сбалансирована', {
      transfer: input.key,
    });
}

/** What a transfer moves, independent of entry order: the basis of the idempotency check. */
export function contentHash(input: TransferInput, pending: boolean): string {
  const legs = input.entries
    .map((e) => `${e.account}:${e.amount}`)
    .sort()
    .join(',');
  return createHash('sha256')
    .update(`${input.kind}|${pending ? 'hold' : 'post'}|${legs}`)
    .digest('base64url');
}

async function postTransfers(
  db: Queryable,
  inputs: TransferInput[],
  options: TransferOptions & { pending: boolean; expiresAt: Date | null },
): Promise<TransferResult[]> {
  if (inputs.length === 0) return [];
  const keys: string[] = [];
  const kinds: string[] = [];
  const hashes: string[] = [];
  const descriptions: (string | null)[] = [];
  const metadata: (string | null)[] = [];
  const entryTransfer: number[] = [];
  const entryAccount: string[] = [];
  const entryAmount: string[] = [];
  const seen = new Set<string>();
  inputs.forEach((input, i) => {
    validateTransfer(input);
    if (seen.has(input.key)) {
      throw new AppError('validation', 'ledger.bad_key', `ключ ${input.key} повторяется в одном пакете`);
    }
    seen.add(input.key);
    keys.push(input.key);
    kinds.push(input.kind);
    hashes.push(contentHash(input, options.pending));
    descriptions.push(input.description ?? null);
    metadata.push(input.metadata ? JSON.stringify(input.metadata, bigintAsString) : null);
    for (const e of input.entries) {
      entryTransfer.push(i + 1);
      entryAccount.push(String(e.account));
      entryAmount.push(String(e.amount));
    }
  });
  const sql = `SELECT idem_key, transfer_id, replayed FROM ledger.post_transfers(
      $1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::int[], $7::bigint[], $8::bigint[], $9, $10)`;
  const params = [
    keys,
    kinds,
    hashes,
    descriptions,
    metadata,
    entryTransfer,
    entryAccount,
    entryAmount,
    options.pending,
    options.expiresAt,
  ];
  let rows: { idem_key: string; transfer_id: bigint; replayed: boolean }[];
  try {
    if (options.savepoint) await db.query('SAVEPOINT ledger_transfer');
    rows = (await db.query<{ idem_key: string; transfer_id: bigint; replayed: boolean }>(sql, params)).rows;
    if (options.savepoint) await db.query('RELEASE SAVEPOINT ledger_transfer');
  } catch (error) {
    if (options.savepoint) await db.query('ROLLBACK TO SAVEPOINT ledger_transfer');
    throw translateLedgerError(error);
  }
  if (rows.length !== inputs.length) {
    // Only possible when the caller's snapshot cannot see a concurrent first request.
    throw new AppError('unavailable', 'ledger.retry', 'операция выполняется параллельно, повторите запрос');
  }
  return rows.map((r) => ({ id: r.transfer_id, key: r.idem_key, replayed: r.replayed }));
}
