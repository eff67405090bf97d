import { translateLedgerError } from '../../ledger/errors.ts';
import {
  contentHash,
  type Entry,
  type TransferInput,
  transfer,
  validateTransfer,
} from '../../ledger/index.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { bigintAsString } from '../../platform/json.ts';
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

/** The transfers' entries as post_transfers takes them (1-based transfer, account, amount), checked. */
function entryArrays(transfers: TransferInput[]) {
  const entryTransfer: number[] = [];
  const entryAccount: string[] = [];
  const entryAmount: string[] = [];
  transfers.forEach((t, i) => {
    validateTransfer(t);
    for (const e of t.entries) {
      entryTransfer.push(i + 1);
      entryAccount.push(String(e.account));
      entryAmount.push(String(e.amount));
    }
  });
  return { entryTransfer, entryAccount, entryAmount };
}

/** What `recordRepayment` writes besides the transfers: the payment's row (see lending.payments). */
export interface RepaymentRecord {
  /** The number's prefix ('ПКО'); '{number}' in a transfer's description becomes the number. */
  numberPrefix: string;
  /** The key of the payment's own transfer among `transfers`. */
  paymentKey: string;
  dealId: bigint;
  service: string;
  txnId: string;
  date: string;
  amount: Kopecks;
  allocation: Allocation;
  duty: Kopecks;
  online: boolean;
  toBankAccount: boolean;
}

/**
 * Posts a repayment's transfers (the accrual's, if any, and the payment's) and writes the loan's
 * paid amounts and the payment's row, in one statement (lending.post_repayment, migration 0026):
 * the same rows as `transferBatch` + applyToState + the INSERT, one round trip. Returns the
 * payment's row as read with the caller's columns.
 */
export async function recordRepayment<R>(
  db: Queryable,
  transfers: TransferInput[],
  p: RepaymentRecord,
  columns: string,
): Promise<R> {
  const { entryTransfer, entryAccount, entryAmount } = entryArrays(transfers);
  const a = p.allocation;
  try {
    const { rows } = await db.query<R & Record<string, unknown>>({
      name: 'lending.post_repayment',
      text: `SELECT ${columns} FROM lending.post_repayment($1, $2::text[], $3::text[], $4::text[], $5::text[],
        $6::jsonb[], $7::int[], $8::bigint[], $9::bigint[], $10, $11, $12, $13, $14::date, $15, $16::bigint[], $17,
        $18, $19)`,
      values: [
        p.numberPrefix,
        transfers.map((t) => t.key),
        transfers.map((t) => t.kind),
        transfers.map((t) => contentHash(t, false)),
        transfers.map((t) => t.description ?? null),
        transfers.map((t) => (t.metadata ? JSON.stringify(t.metadata, bigintAsString) : null)),
        entryTransfer,
        entryAccount,
        entryAmount,
        p.paymentKey,
        p.dealId,
        p.service,
        p.txnId,
        p.date,
        p.amount,
        allocationParts(a),
        p.duty,
        p.online,
        p.toBankAccount,
      ],
    });
    return rows[0]!;
  } catch (error) {
    throw translateLedgerError(error);
  }
}

/** The eight parts of an allocation in post_repayment's order. */
function allocationParts(a: Allocation): string[] {
  return [
    a.overdueInterest,
    a.overduePrincipal,
    a.penalty,
    a.currentInterest,
    a.currentPrincipal,
    a.other,
    a.earlyPrincipal,
    a.toAdvance,
  ].map(String);
}

/**
 * recordRepayment for many payments on distinct deals in one statement (lending.post_repayments,
 * migration 0029): one ledger.post_transfers call for all their transfers. All or nothing; a row
 * a payment, in no promised order.
 */
export async function recordRepayments<R extends { deal_id: bigint }>(
  db: Queryable,
  payments: { transfers: TransferInput[]; record: RepaymentRecord }[],
  columns: string,
): Promise<R[]> {
  const transfers = payments.flatMap((p) => p.transfers);
  const transferItem = payments.flatMap((p, i) => p.transfers.map(() => i + 1));
  const { entryTransfer, entryAccount, entryAmount } = entryArrays(transfers);
  const r = payments.map((p) => p.record);
  try {
    const { rows } = await db.query<R & Record<string, unknown>>({
      name: 'lending.post_repayments',
      text: `SELECT ${columns} FROM lending.post_repayments($1, $2::text[], $3::text[], $4::text[], $5::text[],
        $6::jsonb[], $7::int[], $8::int[], $9::bigint[], $10::bigint[], $11::text[], $12::bigint[], $13::text[],
        $14::text[], $15::date, $16::bigint[], $17::bigint[], $18::bigint[], $19::boolean[], $20::boolean[])`,
      values: [
        r[0]!.numberPrefix,
        transfers.map((t) => t.key),
        transfers.map((t) => t.kind),
        transfers.map((t) => contentHash(t, false)),
        transfers.map((t) => t.description ?? null),
        transfers.map((t) => (t.metadata ? JSON.stringify(t.metadata, bigintAsString) : null)),
        transferItem,
        entryTransfer,
        entryAccount,
        entryAmount,
        r.map((p) => p.paymentKey),
        r.map((p) => String(p.dealId)),
        r.map((p) => p.service),
        r.map((p) => p.txnId),
        r[0]!.date,
        r.map((p) => String(p.amount)),
        r.flatMap((p) => allocationParts(p.allocation)),
        r.map((p) => String(p.duty)),
        r.map((p) => p.online),
        r.map((p) => p.toBankAccount),
      ],
    });
    return rows;
  } catch (error) {
    throw translateLedgerError(error);
  }
}
