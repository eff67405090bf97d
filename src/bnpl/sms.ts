import { sendSms } from '../notify/outbox.ts';
import type { AppContext } from '../platform/context.ts';
import { newOtp, safeEqual } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { bnplError } from './errors.ts';

/** A confirmation code lives 5 minutes, allows 5 tries, and may be sent 1 + 3 times. */
export const CODE_TTL_MS = 5 * 60 * 1000;
export const CODE_MAX_ATTEMPTS = 5;
export const CODE_MAX_SENDS = 4;

/** Keyed hash: six digits are easy to brute-force from a bare SHA-256, not from an HMAC. */
function codeHash(ctx: AppContext, sessionId: bigint, code: string): string {
  return ctx.cipher.lookupHash(`bnpl-code:${sessionId}:${code}`);
}

/** Issues a code (first or resent) and queues its SMS (notify's outbox), in the caller's tx. */
export async function sendCode(
  db: Queryable,
  ctx: AppContext,
  sessionId: bigint,
  phone: string,
): Promise<void> {
  const { rows } = await db.query<{ sends: number }>(
    `SELECT sends FROM bnpl.sms_codes WHERE session_id = $1 FOR UPDATE`,
    [sessionId],
  );
  if ((rows[0]?.sends ?? 0) >= CODE_MAX_SENDS)
    throw bnplError(
      'limit',
      'sms_sends',
      'код уже отправлялся несколько раз; начните оформление заново позже',
    );
  const code = newOtp(6);
  await db.query(
    `INSERT INTO bnpl.sms_codes (session_id, code_hash, expires_at) VALUES ($1, $2, $3)
     ON CONFLICT (session_id) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,
       attempts = 0, sends = bnpl.sms_codes.sends + 1, created_at = now()`,
    [sessionId, codeHash(ctx, sessionId, code), new Date(Date.now() + CODE_TTL_MS)],
  );
  const text = `Код для оформления покупки частями: ${code}. Никому его не сообщайте.`;
  await sendSms(db, ctx, { module: 'bnpl', purpose: 'checkout_code', subjectId: sessionId, phone, text });
}

export type CodeCheck = 'ok' | 'wrong' | 'expired' | 'missing';

/** Checks a code under the row lock; a wrong try counts, the last allowed one burns the code. */
export async function checkCode(
  db: Queryable,
  ctx: AppContext,
  sessionId: bigint,
  code: string,
): Promise<CodeCheck> {
  const { rows } = await db.query<{ code_hash: string; expires_at: Date; attempts: number }>(
    `SELECT code_hash, expires_at, attempts FROM bnpl.sms_codes WHERE session_id = $1 FOR UPDATE`,
    [sessionId],
  );
  const row = rows[0];
  if (!row) return 'missing';
  if (row.expires_at.getTime() <= Date.now() || row.attempts >= CODE_MAX_ATTEMPTS) return 'expired';
  if (safeEqual(row.code_hash, codeHash(ctx, sessionId, code.trim()))) {
    await db.query(`UPDATE bnpl.sms_codes SET expires_at = now() WHERE session_id = $1`, [sessionId]);
    return 'ok';
  }
  await db.query(`UPDATE bnpl.sms_codes SET attempts = attempts + 1 WHERE session_id = $1`, [sessionId]);
  return 'wrong';
}
