import type { AppContext } from '../../platform/context.ts';
import { newOtp, safeEqual } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db/pool.ts';

/** A signing code lives 5 minutes, allows 5 tries, and may be sent 1 + 3 times. */
export const CODE_TTL_MS = 5 * 60 * 1000;
export const CODE_MAX_ATTEMPTS = 5;
export const CODE_MAX_SENDS = 4;

/** Keyed hash: six digits are easy to brute-force from a bare SHA-256, not from an HMAC. */
function codeHash(ctx: AppContext, offerGuid: string, code: string): string {
  return ctx.cipher.lookupHash(`sms-code:${offerGuid}:${code}`);
}

/** Issues a fresh code for the offer (first or resent), counting the sends; returns the code. */
export async function issueCode(
  db: Queryable,
  ctx: AppContext,
  offerId: bigint,
  offerGuid: string,
): Promise<string> {
  const code = newOtp(6);
  await db.query(
    `INSERT INTO broker.sms_codes (offer_id, code_hash, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (offer_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,
       attempts = 0, sends = broker.sms_codes.sends + 1, created_at = now()`,
    [offerId, codeHash(ctx, offerGuid, code), new Date(Date.now() + CODE_TTL_MS)],
  );
  return code;
}

export async function sendsSoFar(db: Queryable, offerId: bigint): Promise<number> {
  const { rows } = await db.query<{ sends: number }>(
    `SELECT sends FROM broker.sms_codes WHERE offer_id = $1`,
    [offerId],
  );
  return rows[0]?.sends ?? 0;
}

export type CodeCheck = 'ok' | 'wrong' | 'expired' | 'missing';

/** Checks a code under the row lock; a wrong try counts, and the last allowed one burns the code. */
export async function checkCode(
  db: Queryable,
  ctx: AppContext,
  offerId: bigint,
  offerGuid: string,
  code: string,
): Promise<CodeCheck> {
  const { rows } = await db.query<{ code_hash: string; expires_at: Date; attempts: number }>(
    `SELECT code_hash, expires_at, attempts FROM broker.sms_codes WHERE offer_id = $1 FOR UPDATE`,
    [offerId],
  );
  const row = rows[0];
  if (!row) return 'missing';
  if (row.expires_at.getTime() <= Date.now() || row.attempts >= CODE_MAX_ATTEMPTS) return 'expired';
  if (safeEqual(row.code_hash, codeHash(ctx, offerGuid, code.trim()))) {
    await db.query(`UPDATE broker.sms_codes SET expires_at = now() WHERE offer_id = $1`, [offerId]);
    return 'ok';
  }
  await db.query(`UPDATE broker.sms_codes SET attempts = attempts + 1 WHERE offer_id = $1`, [offerId]);
  return 'wrong';
}
