import { type Account, openAccount } from '../../ledger/index.ts';
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
  | 'penalty_receivable';

export function orgAccount(db: Queryable, which: OrgAccount): Promise<Account> {
  return openAccount(db, {
    code: `mfo:${which}:RUB`,
    ownerType: 'mfo',
    ownerId: 'main',
    kind: which,
    currency: 'RUB',
  });
}

export async function orgAccounts(db: Queryable): Promise<Record<OrgAccount, bigint>> {
  const names: OrgAccount[] = [
    'cash',
    'interest_income',
    'penalty_income',
    'interest_receivable',
    'penalty_receivable',
  ];
  const out = {} as Record<OrgAccount, bigint>;
  for (const n of names) out[n] = (await orgAccount(db, n)).id;
  return out;
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
