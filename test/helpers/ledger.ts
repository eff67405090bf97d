import { randomUUID } from 'node:crypto';
import { type Account, move, openAccount, transfer } from '../../src/ledger/index.ts';
import { settlementAccount } from '../../src/ledger/system-accounts.ts';
import type { Queryable } from '../../src/platform/db/pool.ts';

/** An account in `currency`, funded with `balance` kopecks from the settlement account. */
export async function fundedAccount(
  db: Queryable,
  balance: bigint,
  options: { currency?: string; lowerBound?: bigint | null; upperBound?: bigint | null; code?: string } = {},
): Promise<Account> {
  const currency = options.currency ?? 'RUB';
  const account = await openAccount(db, {
    code: options.code ?? `test:${randomUUID()}`,
    ownerType: 'test',
    ownerId: 't',
    kind: 'wallet',
    currency,
    lowerBound: options.lowerBound === undefined ? 0n : options.lowerBound,
    upperBound: options.upperBound ?? null,
  });
  if (balance > 0n) {
    const settlement = await settlementAccount(db, currency);
    await transfer(db, {
      key: `fund:${account.code}`,
      kind: 'test.fund',
      entries: move(settlement.id, account.id, balance),
    });
  }
  return account;
}
