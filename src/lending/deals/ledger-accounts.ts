import { type Account, openAccount } from '../../ledger/index.ts';
import { BoundedCache } from '../../platform/bounded-cache.ts';
import type { Queryable } from '../../platform/db/pool.ts';

/**
 * The lender's ledger accounts. Principal is kept per deal; interest and penalty receivables
 * are aggregated across deals, with the per-deal figures in lending.loan_state (see
 * docs/lending.md for why).
 */
export type OrgAccount =
  | 'cash'
  | 'interest_income'
  | 'penalty_income'
  | 'interest_receivable'
  | 'penalty_receivable'
  // Opened on first use (not by orgAccounts, which every payment and COB chunk calls):
  | 'duty_receivable'
  | 'other_receivable'
  | 'other_income'
  | 'refunds_payable';

export type CoreAccount = Exclude<
  OrgAccount,
  'duty_receivable' | 'other_receivable' | 'other_income' | 'refunds_payable'
>;

const CORE: readonly CoreAccount[] = [
  'cash',
  'interest_income',
  'penalty_income',
  'interest_receivable',
  'penalty_receivable',
];

/**
 * The core accounts (cash, interest and penalty receivables and income) are split into this
 * many shards of the same kind, so parallel payments on different deals do not queue on one
 * locked row each (docs/lending.md, "Lender's accounts"). Shard 0 keeps the original code
 * (`mfo:cash:RUB`); only the sum over a kind's shards means anything.
 */
export const LENDER_SHARDS = 16;

/** The shard a deal's own postings (repayments, their accrual, reversals) go to. */
export function shardOf(dealId: bigint): number {
  return Number(dealId % BigInt(LENDER_SHARDS));
}

/** `mfo:cash:RUB` for shard 0, `mfo:cash:RUB:s3` for shard 3. */
export function orgAccountCode(which: OrgAccount, shard = 0): string {
  return shard === 0 ? `mfo:${which}:RUB` : `mfo:${which}:RUB:s${shard}`;
}

export function orgAccount(db: Queryable, which: OrgAccount, shard = 0): Promise<Account> {
  return openAccount(db, {
    code: orgAccountCode(which, shard),
    ownerType: 'mfo',
    ownerId: 'main',
    kind: which,
    currency: 'RUB',
  });
}

/**
 * Account ids never change once opened, so they are kept per database without expiry: the hot
 * paths (a payment, a debt summary) skip the 2 statements an openAccount costs. Keyed by the
 * client's server and database; a plain pool (no connection identity at hand) is not cached.
 * Clients' balance accounts are one per client, so each database's cache is bounded (least
 * recently used out): a process that has served millions of clients keeps only the recent ones.
 */
export const MAX_CACHED_ACCOUNT_IDS = 100_000;
const idCache = new Map<string, BoundedCache<string, bigint>>();

function cacheOf(db: Queryable): BoundedCache<string, bigint> | undefined {
  const c = (db as { connectionParameters?: { host?: string; port?: number; database?: string } })
    .connectionParameters;
  if (!c?.database) return undefined;
  const key = `${c.host}:${c.port}/${c.database}`;
  let cache = idCache.get(key);
  if (!cache) {
    cache = new BoundedCache({ maxEntries: MAX_CACHED_ACCOUNT_IDS });
    idCache.set(key, cache);
  }
  return cache;
}

/** An account's id by its code, opened by `open` on first use, cached (see idCache). */
export async function cachedAccountId(
  db: Queryable,
  code: string,
  open: () => Promise<Account>,
): Promise<bigint> {
  const cache = cacheOf(db);
  const hit = cache?.get(code);
  if (hit !== undefined) return hit;
  const { id } = await open();
  cache?.set(code, id);
  return id;
}

export function orgAccountId(db: Queryable, which: OrgAccount, shard = 0): Promise<bigint> {
  return cachedAccountId(db, orgAccountCode(which, shard), () => orgAccount(db, which, shard));
}

/** The core accounts of one shard (shard 0 by default: COB's chunk totals, issue, refunds). */
export async function orgAccounts(db: Queryable, shard = 0): Promise<Record<CoreAccount, bigint>> {
  const out = {} as Record<CoreAccount, bigint>;
  for (const n of CORE) out[n] = await orgAccountId(db, n, shard);
  return out;
}

/** A kind's balance over all its shards: what the lender's books show for it. */
export async function orgBalance(db: Queryable, which: OrgAccount): Promise<bigint> {
  const { rows } = await db.query<{ balance: bigint }>(
    `SELECT coalesce(sum(balance), 0)::bigint AS balance FROM ledger.accounts
     WHERE owner_type = 'mfo' AND owner_id = 'main' AND kind = $1 AND currency = 'RUB'`,
    [which],
  );
  return rows[0]!.balance;
}

/** The loan receivable of one deal: what the borrower owes in principal. */
export function dealPrincipalAccount(db: Queryable, dealId: bigint): Promise<Account> {
  return openAccount(db, {
    code: `deal:${dealId}:principal`,
    ownerType: 'lending.deal',
    ownerId: String(dealId),
    kind: 'loan_principal',
    currency: 'RUB',
    lowerBound: 0n,
  });
}

/**
 * Money the client paid beyond what was due ("ОстатокНаСчете"), held for the next due date. A
 * liability in the lender's debit-positive books: the balance is minus what is held, and may
 * never go above zero (nothing applied that was not paid in).
 */
export function clientBalanceAccount(db: Queryable, clientId: bigint): Promise<Account> {
  return openAccount(db, {
    code: `client:${clientId}:balance`,
    ownerType: 'lending.client',
    ownerId: String(clientId),
    kind: 'client_balance',
    currency: 'RUB',
    upperBound: 0n,
  });
}

/** The client's account id, cached like the lender's (see idCache). */
export function clientBalanceAccountId(db: Queryable, clientId: bigint): Promise<bigint> {
  return cachedAccountId(db, `client:${clientId}:balance`, () => clientBalanceAccount(db, clientId));
}
