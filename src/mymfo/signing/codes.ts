import type { FieldCipher } from '../../platform/crypto.ts';
import { newOtp, safeEqual, sha256Hex } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';

/** Wrong codereviews a code survives; the next one is refused until a new code is asked. */
export const CODE_MAX_ATTEMPTS = 5;
/** A new code not sooner than this after the previous one… */
export const RESEND_INTERVAL_SECONDS = 60;
/** …and at most this many codes per deal in a window of an hour. */
export const MAX_SENDS_PER_WINDOW = 5;
const WINDOW_SECONDS = 3600;

/**
 * The value the site sends to codereview: sha256 (lowercase hex) of the string IDClient + IDDeal
 * + code, as the document says.
 */
export function reviewValue(idClient: string, idDeal: string, code: string): string {
  return sha256Hex(`${idClient}${idDeal}${code}`);
}

/** Keyed hash of a review value: what is stored, so a leaked table does not give the code away. */
function storedHash(cipher: FieldCipher, value: string): string {
  return cipher.lookupHash(`mymfo-sign:${value.toLowerCase()}`);
}

interface CodeRow {
  review_hash: string;
  expired: boolean;
  attempts: number;
  sends: number;
  window_open: boolean;
  wait_seconds: number;
  used: boolean;
}

async function lockedCode(db: Queryable, dealId: bigint): Promise<CodeRow | undefined> {
  const { rows } = await db.query<CodeRow>(
    `SELECT review_hash, expires_at <= now() AS expired, attempts, sends, used_at IS NOT NULL AS used,
            window_started_at > now() - make_interval(secs => $2) AS window_open,
            greatest(0, ceil(extract(epoch FROM sent_at + make_interval(secs => $3) - now())))::int AS wait_seconds
       FROM mymfo.signing_codes WHERE deal_id = $1 FOR UPDATE`,
    [dealId, WINDOW_SECONDS, RESEND_INTERVAL_SECONDS],
  );
  return rows[0];
}

/**
 * A fresh code for the deal, replacing the previous one (its tries start again). Throttled: one
 * code a minute and five an hour per deal. Call under the deal's row lock. Returns the code, to
 * be sent by SMS and forgotten.
 */
export async function issueSigningCode(
  db: Queryable,
  cipher: FieldCipher,
  dealId: bigint,
  ids: { idClient: string; idDeal: string },
  ttlMinutes: number,
): Promise<string> {
  const current = await lockedCode(db, dealId);
  if (current && !current.used) {
    if (current.wait_seconds > 0)
      throw new AppError(
        'limit',
        'mymfo.signing.resend_too_soon',
        `новый код можно запросить через ${current.wait_seconds} с`,
      );
    if (current.window_open && current.sends >= MAX_SENDS_PER_WINDOW)
      throw new AppError(
        'limit',
        'mymfo.signing.resend_limit',
        `превышено число отправок кода: не более ${MAX_SENDS_PER_WINDOW} в час, повторите позже`,
      );
  }
  const code = newOtp(6);
  await db.query(
    `INSERT INTO mymfo.signing_codes (deal_id, review_hash, expires_at)
     VALUES ($1, $2, now() + make_interval(mins => $3))
     ON CONFLICT (deal_id) DO UPDATE SET
       review_hash = excluded.review_hash, expires_at = excluded.expires_at, attempts = 0, used_at = NULL,
       sent_at = now(),
       sends = CASE WHEN mymfo.signing_codes.window_started_at > now() - make_interval(secs => $4)
                    THEN mymfo.signing_codes.sends + 1 ELSE 1 END,
       window_started_at = CASE WHEN mymfo.signing_codes.window_started_at > now() - make_interval(secs => $4)
                    THEN mymfo.signing_codes.window_started_at ELSE now() END`,
    [dealId, storedHash(cipher, reviewValue(ids.idClient, ids.idDeal, code)), ttlMinutes, WINDOW_SECONDS],
  );
  return code;
}

export type CodeCheck = 'ok' | 'wrong' | 'expired' | 'blocked' | 'missing';

/**
 * Checks a review value against the deal's live code under its row lock. A wrong value counts a
 * try (the caller must commit before answering); the right one marks the code used.
 */
export async function checkSigningCode(
  db: Queryable,
  cipher: FieldCipher,
  dealId: bigint,
  value: string,
): Promise<CodeCheck> {
  const row = await lockedCode(db, dealId);
  if (!row || row.used) return 'missing';
  if (row.attempts >= CODE_MAX_ATTEMPTS) return 'blocked';
  if (row.expired) return 'expired';
  if (safeEqual(row.review_hash, storedHash(cipher, value))) {
    await db.query('UPDATE mymfo.signing_codes SET used_at = now() WHERE deal_id = $1', [dealId]);
    return 'ok';
  }
  await db.query('UPDATE mymfo.signing_codes SET attempts = attempts + 1 WHERE deal_id = $1', [dealId]);
  return 'wrong';
}

/** Tries left on the deal's live code (for the message after a wrong one). */
export async function attemptsLeft(db: Queryable, dealId: bigint): Promise<number> {
  const { rows } = await db.query<{ attempts: number }>(
    'SELECT attempts FROM mymfo.signing_codes WHERE deal_id = $1',
    [dealId],
  );
  return Math.max(0, CODE_MAX_ATTEMPTS - (rows[0]?.attempts ?? CODE_MAX_ATTEMPTS));
}
