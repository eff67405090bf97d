import { BoundedCache } from '../platform/bounded-cache.ts';
import type { Wallet } from './wallets.ts';

/**
 * Sessions this process has just read, by the SHA-256 of their token: every authenticated call
 * looked its session up (a round trip per request, two per payment). An entry lives a few
 * seconds at most (never past the session's expiry), and this process forgets it at once on
 * logout and on every change of its wallet's state (activation, password reset, deletion); another
 * process of the same server sees such a change after at most the TTL. Bounded: at most
 * MAX_ENTRIES sessions, expired ones removed (src/platform/bounded-cache.ts).
 */
const TTL_MS = 5_000;
export const MAX_SESSIONS = 10_000;
const sessions = new BoundedCache<string, Wallet>({ maxEntries: MAX_SESSIONS, ttlMs: TTL_MS });

export function cachedSession(tokenHash: string): Wallet | undefined {
  return sessions.get(tokenHash);
}

export function rememberSession(tokenHash: string, wallet: Wallet, expiresAt: Date): void {
  sessions.set(tokenHash, wallet, expiresAt.getTime() - Date.now());
}

export function forgetSession(tokenHash: string): void {
  sessions.delete(tokenHash);
}

export function forgetWalletSessions(walletId: bigint): void {
  sessions.deleteWhere((wallet) => wallet.id === walletId);
}

/** Sessions held now (tests of the bound). */
export function cachedSessionCount(): number {
  return sessions.size;
}
