import type { Wallet } from './wallets.ts';

/**
 * Sessions this process has just read, by the SHA-256 of their token: every authenticated call
 * looked its session up (a round trip per request, two per payment). An entry lives a few
 * seconds at most (never past the session's expiry), and this process forgets it at once on
 * logout and on every change of its wallet's state (activation, password reset, deletion); another
 * process of the same server sees such a change after at most the TTL.
 */
const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;
const sessions = new Map<string, { wallet: Wallet; until: number }>();

export function cachedSession(tokenHash: string): Wallet | undefined {
  const hit = sessions.get(tokenHash);
  if (!hit) return undefined;
  if (hit.until > Date.now()) return hit.wallet;
  sessions.delete(tokenHash);
  return undefined;
}

export function rememberSession(tokenHash: string, wallet: Wallet, expiresAt: Date): void {
  if (sessions.size >= MAX_ENTRIES) sessions.delete(sessions.keys().next().value!);
  sessions.set(tokenHash, { wallet, until: Math.min(Date.now() + TTL_MS, expiresAt.getTime()) });
}

export function forgetSession(tokenHash: string): void {
  sessions.delete(tokenHash);
}

export function forgetWalletSessions(walletId: bigint): void {
  for (const [k, v] of sessions) if (v.wallet.id === walletId) sessions.delete(k);
}
