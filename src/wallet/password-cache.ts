import { hashSecret, verifyPassword } from '../platform/crypto.ts';

/**
 * Basic auth sends the password with every call the client makes without a cookie; scrypt on
 * each would cost ~50 ms of CPU. A verified (wallet, stored hash, password) triple is remembered
 * as a SHA-256 for a few minutes, so repeats cost a hash. Changing the password changes the
 * stored hash, which invalidates the entry; a reset also forgets the wallet explicitly.
 */
const TTL_MS = 5 * 60 * 1000;
const MAX_ENTRIES = 10_000;
const verified = new Map<string, { walletId: bigint; until: number }>();

function key(walletId: bigint, storedHash: string, password: string): string {
  return hashSecret(`${walletId}\u0000${storedHash}\u0000${password}`);
}

export async function checkWalletPassword(
  walletId: bigint,
  storedHash: string,
  password: string,
): Promise<boolean> {
  const k = key(walletId, storedHash, password);
  const hit = verified.get(k);
  if (hit && hit.until > Date.now()) return true;
  if (!(await verifyPassword(password, storedHash))) return false;
  if (verified.size >= MAX_ENTRIES) verified.delete(verified.keys().next().value!);
  verified.set(k, { walletId, until: Date.now() + TTL_MS });
  return true;
}

export function forgetPasswords(walletId: bigint): void {
  for (const [k, v] of verified) if (v.walletId === walletId) verified.delete(k);
}
