import { createHmac, type KeyObject } from 'node:crypto';
import { safeEqual } from '../../platform/crypto.ts';

/**
 * Request signing of the generic lender protocol: `X-Kopek-Signature` is the hex HMAC-SHA256 of
 * `<X-Kopek-Timestamp>.<raw body>` under the lender's shared secret. The timestamp (Unix seconds)
 * bounds replays: a receiver refuses one more than `MAX_SKEW_SECONDS` away from its clock.
 */
export const MAX_SKEW_SECONDS = 300;

/** `secret`: the shared secret, or a KeyObject made from it once (a sender signing thousands). */
export function signBody(secret: string | KeyObject, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function verifySignature(
  secret: string,
  timestamp: string | undefined,
  signature: string | undefined,
  body: string,
  now = Date.now(),
): boolean {
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) return false;
  return safeEqual(signBody(secret, Number(timestamp), body), signature);
}
