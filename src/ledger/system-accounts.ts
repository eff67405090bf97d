import type { Queryable } from '../platform/db/pool.ts';
import { type Account, openAccount } from './accounts.ts';

export const CURRENCIES = ['RUB', 'KZT', 'USD'] as const;
export type Currency = (typeof CURRENCIES)[number];

/**
 * The platform's settlement account in a currency: money entering or leaving Kopek (bank, cash
 * collection, acquirer) passes through it. Unbounded: it mirrors the outside world.
 */
export function settlementAccount(db: Queryable, currency: string): Promise<Account> {
  return openAccount(db, {
    code: `system:settlement:${currency}`,
    ownerType: 'system',
    ownerId: 'kopek',
    kind: 'settlement',
    currency,
  });
}
