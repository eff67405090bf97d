import { type Entry, type TransferInput, transfer } from '../../ledger/index.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import type { Kopecks } from '../../platform/money.ts';
import { clientBalanceAccount, orgAccountId, orgAccounts, shardOf } from '../deals/ledger-accounts.ts';
import type { LoanState } from '../debt/loan-state.ts';
import type { Allocation } from './allocation.ts';

/**
 * The ledger side of a payment as ONE transfer. Lending accounts are debit-positive: the
 * lender's cash and the receivables are assets (positive), the client's account is what the
 * lender owes the client (negative). A payment puts `total` into cash (or, for an advance
 * applied, takes it off the client's account) and takes the allocated parts off the deal's
 * principal receivable and the interest and penalty receivables; what is kept as an advance
 * goes to the client's account. The lender's legs are on the deal's shard of its accounts.
 */
export async function paymentTransfer(
  db: Queryable,
  state: LoanState,
  a: Allocation,
  source: 'cash' | 'advance',
  key: string,
  description: string,
  /** The part of `a.other` that pays duty; the rest pays other charges. */
  duty: Kopecks = 0n,
): Promise<TransferInput> {
  const acc = await orgAccounts(db, shardOf(state.dealId));
  // The client's account only when money goes to or comes from it (opening costs statements).
  const client =
    source === 'advance' || a.toAdvance > 0n ? (await clientBalanceAccount(db, state.clientId)).id : 0n;
  const principal = a.overduePrincipal + a.currentPrincipal + a.earlyPrincipal;
  const interest = a.overdueInterest + a.currentInterest;
  const total = principal + interest + a.penalty + a.other + a.toAdvance;
  const legs = new Map<bigint, Kopecks>();
  const add = (account: bigint, amount: Kopecks) => legs.set(account, (legs.get(account) ?? 0n) + amount);
  add(source === 'cash' ? acc.cash : client, total);
  add(state.principalAccountId, -principal);
  add(acc.interest_receivable, -interest);
  add(acc.penalty_receivable, -a.penalty);
  if (a.toAdvance > 0n) add(client, -a.toAdvance);
  if (duty > 0n) add(await orgAccountId(db, 'duty_receivable'), -duty);
  if (a.other > duty) add(await orgAccountId(db, 'other_receivable'), -(a.other - duty));
  const entries: Entry[] = [...legs]
    .filter(([, amount]) => amount !== 0n)
    .map(([account, amount]) => ({ account, amount }));
  return {
    key,
    kind: source === 'cash' ? 'lending.repayment' : 'lending.advance_applied',
    entries,
    description,
  };
}

/** Builds the payment's transfer (see paymentTransfer) and posts it; returns its id. */
export async function postPayment(
  db: Queryable,
  state: LoanState,
  a: Allocation,
  source: 'cash' | 'advance',
  key: string,
  description: string,
  duty: Kopecks = 0n,
): Promise<bigint> {
  const result = await transfer(db, await paymentTransfer(db, state, a, source, key, description, duty));
  return result.id;
}
