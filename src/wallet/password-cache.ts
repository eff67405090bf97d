import { BoundedCache } from '../platform/bounded-cache.ts';
import { hashSecret, verifyPassword } from '../platform/crypto.ts';

/**
 * Basic auth sends the password with every call the client makes without a cookie; scrypt on
 * each would cost ~50 ms of CPU. A verified (wallet, stored hash, password) triple is remembered
 * as a SHA-256 for a few minutes, so repeats cost a hash. Changing the password changes the
 * stored hash, which invalidates the entry; a reset also forgets the wallet explicitly. Bounded:
 * at most MAX_VERIFIED triples, expired ones removed (src/platform/bounded-cache.ts).
 */
const TTL_MS = 5 * 60 * 1000;
export const MAX_VERIFIED = 10_000;
const verified = new BoundedCache<string, bigint>({ maxEntries: MAX_VERIFIED, ttlMs: TTL_MS });

function key(walletId: bigint, storedHash: string, password: string): string {
  return hashSecret(`${walletId}\u0000${storedHash}\u0000${password}`);
}

export async function checkWalletPassword(
  walletId: bigint,
  storedHash: string,
  password: string,
): Promise<boolean> {
  const k = key(walletId, storedHash, password);
  if (verified.has(k)) return true;
  if (!(await verifyPassword(password, storedHash))) return false;
  verified.set(k, walletId);
  return true;
}

export function forgetPasswords(walletId: bigint): void {
  verified.deleteWhere((id) => id === walletId);
}

/** Verified passwords held now (tests of the bound). */
export function verifiedPasswordCount(): number {
  return verified.size;
}
