import { sendSms } from '../notify/outbox.ts';
import type { AppContext } from '../platform/context.ts';
import { newOtp, safeEqual } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { walletError } from './errors.ts';

export type CodePurpose = 'activation' | 'password_reset';

/** A code lives 10 minutes, allows 5 tries, and may be sent at most 5 times. */
export const CODE_TTL_MS = 10 * 60 * 1000;
export const CODE_MAX_ATTEMPTS = 5;
export const CODE_MAX_SENDS = 5;

const TEXTS: Record<CodePurpose, (code: string) => string> = {
  activation: (code) => `Kopek: код активации кошелька ${code}. Никому его не сообщайте.`,
  password_reset: (code) => `Kopek: код для смены пароля кошелька ${code}. Никому его не сообщайте.`,
};

/** Keyed hash: six digits are easy to brute-force from a bare SHA-256, not from an HMAC. */
function codeHash(ctx: AppContext, walletId: bigint, purpose: CodePurpose, code: string): string {
  return ctx.cipher.lookupHash(`wallet-code:${walletId}:${purpose}:${code}`);
}

/** Issues a fresh code (first or resent) and queues its SMS, in the caller's transaction. */
export async function sendCode(
  db: Queryable,
  ctx: AppContext,
  wallet: { id: bigint; phone: string },
  purpose: CodePurpose,
): Promise<void> {
  const code = newOtp(6);
  const { rows } = await db.query<{ sends: number }>(
    `INSERT INTO wallet.codes (wallet_id, purpose, code_hash, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (wallet_id, purpose) DO UPDATE SET code_hash = excluded.code_hash,
       expires_at = excluded.expires_at, attempts = 0, sends = wallet.codes.sends + 1, created_at = now()
     RETURNING sends`,
    [wallet.id, purpose, codeHash(ctx, wallet.id, purpose, code), new Date(Date.now() + CODE_TTL_MS)],
  );
  if (rows[0]!.sends > CODE_MAX_SENDS)
    throw walletError('too_many_codes', 'код отправлялся слишком много раз, обратитесь в поддержку');
  const smsId = await sendSms(db, ctx, {
    module: 'wallet',
    purpose,
    subjectId: wallet.id,
    phone: wallet.phone,
    text: TEXTS[purpose](code),
  });
  await db.query(`UPDATE wallet.codes SET sms_id = $3 WHERE wallet_id = $1 AND purpose = $2`, [
    wallet.id,
    purpose,
    smsId,
  ]);
}

export type CodeCheck = 'ok' | 'wrong' | 'expired';

/**
 * Checks a code under the row lock; a wrong try counts, the fifth wrong one burns the code, and
 * a right one is spent. The caller commits, then refuses with `refuseCode` (a rollback would undo
 * the count of wrong tries).
 */
export async function consumeCode(
  db: Queryable,
  ctx: AppContext,
  walletId: bigint,
  purpose: CodePurpose,
  code: unknown,
): Promise<CodeCheck> {
  if (typeof code !== 'string' && typeof code !== 'number') return 'wrong';
  const { rows } = await db.query<{ code_hash: string; expires_at: Date; attempts: number }>(
    `SELECT code_hash, expires_at, attempts FROM wallet.codes WHERE wallet_id = $1 AND purpose = $2 FOR UPDATE`,
    [walletId, purpose],
  );
  const row = rows[0];
  if (!row || row.expires_at.getTime() <= Date.now() || row.attempts >= CODE_MAX_ATTEMPTS) return 'expired';
  if (safeEqual(row.code_hash, codeHash(ctx, walletId, purpose, String(code).trim()))) {
    await db.query(
      `UPDATE wallet.codes SET expires_at = now(), sends = 0 WHERE wallet_id = $1 AND purpose = $2`,
      [walletId, purpose],
    );
    return 'ok';
  }
  await db.query(`UPDATE wallet.codes SET attempts = attempts + 1 WHERE wallet_id = $1 AND purpose = $2`, [
    walletId,
    purpose,
  ]);
  return 'wrong';
}

export function refuseCode(check: Exclude<CodeCheck, 'ok'>): never {
  if (check === 'expired')
    throw walletError('code_expired', 'код устарел или исчерпаны попытки, запросите новый');
  throw walletError('invalid_code', 'неверный код из SMS');
}

/** The id of the SMS that carried the wallet's latest code (for tests and the operator). */
export async function latestCodeSms(
  db: Queryable,
  walletId: bigint,
  purpose: CodePurpose,
): Promise<bigint | undefined> {
  const { rows } = await db.query<{ sms_id: bigint | null }>(
    `SELECT sms_id FROM wallet.codes WHERE wallet_id = $1 AND purpose = $2`,
    [walletId, purpose],
  );
  return rows[0]?.sms_id ?? undefined;
}
