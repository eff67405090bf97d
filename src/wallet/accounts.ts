import { type Account, openAccount } from '../ledger/index.ts';
import type { Queryable } from '../platform/db/pool.ts';

/** The wallet's currency: mserver 2 amounts are roubles. */
export const WALLET_CURRENCY = 'RUB';

/** A wallet's balance: what Kopek owes the wallet's holder; never below zero. */
export function openWalletAccount(db: Queryable, walletId: bigint): Promise<Account> {
  return openAccount(db, {
    code: `wallet:${walletId}:balance`,
    ownerType: 'wallet',
    ownerId: String(walletId),
    kind: 'wallet_balance',
    currency: WALLET_CURRENCY,
    lowerBound: 0n,
  });
}

/**
 * What a wallet's posted payments owe the wallet agent's float (amount), until the minute job
 * `wallet:refill_agent` moves it there. Per wallet: one shared account would be a row every
 * payment locks until its commit.
 */
export function openOutgoingAccount(db: Queryable, walletId: bigint): Promise<Account> {
  return openAccount(db, {
    code: `wallet:${walletId}:outgoing`,
    ownerType: 'wallet',
    ownerId: String(walletId),
    kind: 'wallet_outgoing',
    currency: WALLET_CURRENCY,
    lowerBound: 0n,
  });
}

/** The wallet operator's fee income from one wallet's payments (the total is the sum over wallets). */
export function openFeesAccount(db: Queryable, walletId: bigint): Promise<Account> {
  return openAccount(db, {
    code: `wallet:${walletId}:fees`,
    ownerType: 'wallet',
    ownerId: String(walletId),
    kind: 'wallet_fees',
    currency: WALLET_CURRENCY,
  });
}
