import { hashSecret, verifyPassword } from '../platform/crypto.ts';
import { VerifiedCache } from '../platform/verified-cache.ts';

/**
 * Basic auth sends the password with every call the client makes without a cookie; scrypt on
 * each would cost ~50 ms of CPU. A verified (wallet, stored hash, password) triple is remembered
 * as a SHA-256 for a few minutes, so repeats cost a hash. Changing the password changes the
 * stored hash, which invalidates the entry; a reset also forgets the wallet explicitly. A triple
 * in use is re-verified in the background before its entry ends, so its calls never wait for
 * scrypt. Bounded: at most MAX_VERIFIED triples (src/platform/verified-cache.ts).
 */
const TTL_MS = 5 * 60 * 1000;
const REFRESH_MS = 60 * 1000;
export const MAX_VERIFIED = 10_000;
const verified = new VerifiedCache<bigint>({
  ttlMs: TTL_MS,
  refreshMs: REFRESH_MS,
  maxEntries: MAX_VERIFIED,
});

function key(walletId: bigint, storedHash: string, password: string): string {
  return hashSecret(`${walletId}\u0000${storedHash}\u0000${password}`);
}

export async function checkWalletPassword(
  walletId: bigint,
  storedHash: string,
  password: string,
): Promise<boolean> {
  const k = key(walletId, storedHash, password);
  const id = await verified.get(k, async () =>
    (await verifyPassword(password, storedHash)) ? walletId : undefined,
  );
  return id !== undefined;
}

export function forgetPasswords(walletId: bigint): void {
  verified.deleteWhere((id) => id === walletId);
}

/** Verified passwords held now (tests of the bound). */
export function verifiedPasswordCount(): number {
  return verified.size;
}
