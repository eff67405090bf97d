import { type Entry, transfer } from '../../ledger/index.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import type { Kopecks } from '../../platform/money.ts';
import { clientBalanceAccount, orgAccounts } from '../deals/ledger-accounts.ts';
import type { LoanState } from '../debt/loan-state.ts';
import type { Allocation } from './allocation.ts';

/**
 * The ledger side of a payment as ONE transfer. Lending accounts are debit-positive: the
 * lender's cash and the receivables are assets (positive), the client's account is what the
 * lender owes the client (negative). A payment puts `total` into cash (or, for an advance
 * applied, takes it off the client's account) and takes the allocated parts off the deal's
 * principal receivable and the interest and penalty receivables; what is kept as an advance
 * goes to the client's account.
 */
export async function postPayment(
  db: Queryable,
  state: LoanState,
  a: Allocation,
  source: 'cash' | 'advance',
  key: string,
  description: string,
): Promise<bigint> {
  const acc = await orgAccounts(db);
  const client = await clientBalanceAccount(db, state.clientId);
  const principal = a.overduePrincipal + a.currentPrincipal + a.earlyPrincipal;
  const interest = a.overdueInterest + a.currentInterest;
  // Other charges (duty, fees) have no receivable yet and are always zero (docs/lending.md).
  const total = principal + interest + a.penalty + a.toAdvance;
  const legs = new Map<bigint, Kopecks>();
  const add = (account: bigint, amount: Kopecks) => legs.set(account, (legs.get(account) ?? 0n) + amount);
  add(source === 'cash' ? acc.cash : client.id, total);
  add(state.principalAccountId, -principal);
  add(acc.interest_receivable, -interest);
  add(acc.penalty_receivable, -a.penalty);
  add(client.id, -a.toAdvance);
  const entries: Entry[] = [...legs]
    .filter(([, amount]) => amount !== 0n)
    .map(([account, amount]) => ({ account, amount }));
  const result = await transfer(db, {
    key,
    kind: source === 'cash' ? 'lending.repayment' : 'lending.advance_applied',
    entries,
    description,
  });
  return result.id;
}
