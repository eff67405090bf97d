import type { Queryable } from '../platform/db/pool.ts';
import { AppError } from '../platform/errors.ts';
import type { Kopecks } from '../platform/money.ts';

export interface AccountSpec {
  /** Stable, unique name, e.g. `agent:42:balance` or `system:settlement:RUB`. */
  code: string;
  ownerType: string;
  ownerId: string;
  kind: string;
  currency: string;
  /** Lowest allowed available balance: 0 forbids going negative, -X allows an overdraft of X. */
  lowerBound?: Kopecks | null;
  upperBound?: Kopecks | null;
}

export interface Account {
  id: bigint;
  code: string;
  ownerType: string;
  ownerId: string;
  kind: string;
  currency: string;
  lowerBound: Kopecks | null;
  upperBound: Kopecks | null;
  balance: Kopecks;
  pendingDebits: Kopecks;
  pendingCredits: Kopecks;
  /** What can still be taken out: balance less reserved outgoing holds. */
  available: Kopecks;
}

interface AccountRow {
  id: bigint;
  code: string;
  owner_type: string;
  owner_id: string;
  kind: string;
  currency: string;
  lower_bound: bigint | null;
  upper_bound: bigint | null;
  balance: bigint;
  pending_debits: bigint;
  pending_credits: bigint;
}

const COLUMNS =
  'id, code, owner_type, owner_id, kind, currency, lower_bound, upper_bound, balance, pending_debits, pending_credits';

function toAccount(r: AccountRow): Account {
  return {
    id: r.id,
    code: r.code,
    ownerType: r.owner_type,
    ownerId: r.owner_id,
    kind: r.kind,
    currency: r.currency,
    lowerBound: r.lower_bound,
    upperBound: r.upper_bound,
    balance: r.balance,
    pendingDebits: r.pending_debits,
    pendingCredits: r.pending_credits,
    available: r.balance - r.pending_debits,
  };
}

/** Opens an account, or returns the existing one with the same code (opening is idempotent by code). */
export async function openAccount(db: Queryable, spec: AccountSpec): Promise<Account> {
  if (!/^[A-Z]{3}$/.test(spec.currency))
    throw new AppError('validation', 'ledger.currency', `неверный код валюты: ${spec.currency}`);
  const inserted = await db.query<AccountRow>(
    `INSERT INTO ledger.accounts (code, owner_type, owner_id, kind, currency, lower_bound, upper_bound)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (code) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      spec.code,
      spec.ownerType,
      spec.ownerId,
      spec.kind,
      spec.currency,
      spec.lowerBound ?? null,
      spec.upperBound ?? null,
    ],
  );
  if (inserted.rows[0]) return toAccount(inserted.rows[0]);
  const existing = await findAccount(db, spec.code);
  if (!existing) throw new Error(`account ${spec.code} vanished after a conflict`);
  if (existing.currency !== spec.currency || existing.kind !== spec.kind) {
    throw new AppError(
      'conflict',
      'ledger.account_exists',
      `счёт ${spec.code} уже открыт с другими параметрами`,
    );
  }
  return existing;
}

export async function findAccount(db: Queryable, code: string): Promise<Account | undefined> {
  const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM ledger.accounts WHERE code = $1`, [
    code,
  ]);
  return rows[0] && toAccount(rows[0]);
}

export async function getAccount(db: Queryable, id: bigint): Promise<Account> {
  const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM ledger.accounts WHERE id = $1`, [id]);
  if (!rows[0])
    throw new AppError('not_found', 'ledger.account_not_found', 'счёт не найден', { account: String(id) });
  return toAccount(rows[0]);
}

export async function listAccountsOf(db: Queryable, ownerType: string, ownerId: string): Promise<Account[]> {
  const { rows } = await db.query<AccountRow>(
    `SELECT ${COLUMNS} FROM ledger.accounts WHERE owner_type = $1 AND owner_id = $2 ORDER BY id`,
    [ownerType, ownerId],
  );
  return rows.map(toAccount);
}

/**
 * Changes an account's bounds (an agent's overdraft, say). A bound tighter than the current
 * balance is allowed: it only stops further movement in its direction.
 */
export async function setBounds(
  db: Queryable,
  id: bigint,
  bounds: { lowerBound: Kopecks | null; upperBound: Kopecks | null },
): Promise<Account> {
  const { rows } = await db.query<AccountRow>(
    `UPDATE ledger.accounts SET lower_bound = $2, upper_bound = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, bounds.lowerBound, bounds.upperBound],
  );
  if (!rows[0])
    throw new AppError('not_found', 'ledger.account_not_found', 'счёт не найден', { account: String(id) });
  return toAccount(rows[0]);
}
