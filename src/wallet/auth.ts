import type { AppContext } from '../platform/context.ts';
import { hashSecret, newToken } from '../platform/crypto.ts';
import { walletError } from './errors.ts';
import { checkWalletPassword } from './password-cache.ts';
import { cachedSession, forgetSession, rememberSession } from './session-cache.ts';
import { findWalletByPhone, toWallet, WALLET_COLUMNS, type Wallet } from './wallets.ts';

/** Consecutive wrong passwords allowed before the wallet is locked for a while. */
export const FREE_FAILURES = 5;
/** The lock doubles with every further failure: 1, 2, 4 … minutes, at most an hour. */
function lockMinutes(failures: number): number {
  return Math.min(60, 2 ** Math.max(0, failures - FREE_FAILURES));
}

export interface Authenticated {
  wallet: Wallet;
  /** A session opened by this request (Basic credentials without a valid cookie): set the cookie. */
  newSession?: string;
}

export interface Credentials {
  basic?: { login: string; password: string };
  session?: string;
}

/**
 * HTTP Basic (phone and password) or the session cookie. A valid cookie is enough; Basic without
 * a valid cookie opens a session. Wrong passwords are counted per wallet and lock it for a growing
 * time after the fifth in a row.
 */
export async function authenticate(ctx: AppContext, credentials: Credentials): Promise<Authenticated> {
  let expired = false;
  if (credentials.session) {
    const found = await sessionWallet(ctx, credentials.session);
    if (found === 'expired') expired = true;
    else if (found) return { wallet: found };
  }
  if (!credentials.basic) {
    if (expired) throw walletError('session_expired', 'сессия истекла, войдите снова');
    throw walletError('invalid_credentials', 'нужна авторизация: номер телефона и пароль');
  }
  const phone = credentials.basic.login.replace(/[\s()-]/g, '');
  const wallet = await findWalletByPhone(ctx.pool, phone.startsWith('+') ? phone : `+${phone}`);
  if (!wallet) throw walletError('invalid_credentials', 'неверный номер телефона или пароль');
  if (wallet.lockedUntil && wallet.lockedUntil.getTime() > Date.now())
    throw walletError('too_many_attempts', 'слишком много неверных попыток входа, повторите позже', {
      retryAfterSeconds: Math.ceil((wallet.lockedUntil.getTime() - Date.now()) / 1000),
    });
  if (!(await checkWalletPassword(wallet.id, wallet.passwordHash, credentials.basic.password))) {
    await ctx.pool.query(
      `UPDATE wallet.wallets SET failed_logins = failed_logins + 1,
         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN now() + make_interval(mins => $3) ELSE locked_until END
       WHERE id = $1`,
      [wallet.id, FREE_FAILURES, lockMinutes(wallet.failedLogins + 1)],
    );
    throw walletError('invalid_credentials', 'неверный номер телефона или пароль');
  }
  if (wallet.failedLogins > 0)
    await ctx.pool.query(`UPDATE wallet.wallets SET failed_logins = 0, locked_until = NULL WHERE id = $1`, [
      wallet.id,
    ]);
  const token = newToken(32);
  await ctx.pool.query(
    `INSERT INTO wallet.sessions (token_hash, wallet_id, expires_at) VALUES ($1, $2, now() + make_interval(mins => $3))`,
    [hashSecret(token), wallet.id, ctx.config.walletSessionTtlMinutes],
  );
  return { wallet, newSession: token };
}

/**
 * The session's wallet; sliding expiry, extended at most once per half lifetime (no write per
 * call). Remembered in-process for a few seconds (session-cache.ts): no round trip per request.
 */
async function sessionWallet(ctx: AppContext, token: string): Promise<Wallet | 'expired' | undefined> {
  const tokenHash = hashSecret(token);
  const cached = cachedSession(tokenHash);
  if (cached) return cached;
  const { rows } = await ctx.pool.query<
    Parameters<typeof toWallet>[0] & { live: boolean; refresh: boolean; expires_at: Date }
  >(
    `SELECT ${WALLET_COLUMNS}, s.expires_at, s.expires_at > now() AS live,
       s.expires_at < now() + make_interval(mins => $2) / 2 AS refresh
     FROM wallet.sessions s JOIN wallet.wallets w ON w.id = s.wallet_id
     WHERE s.token_hash = $1 AND w.deleted_at IS NULL`,
    [tokenHash, ctx.config.walletSessionTtlMinutes],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (!row.live) return 'expired';
  let expiresAt = row.expires_at;
  if (row.refresh) {
    const { rows: extended } = await ctx.pool.query<{ expires_at: Date }>(
      `UPDATE wallet.sessions SET expires_at = now() + make_interval(mins => $2) WHERE token_hash = $1
       RETURNING expires_at`,
      [tokenHash, ctx.config.walletSessionTtlMinutes],
    );
    if (!extended[0]) return undefined; // ended meanwhile (logout)
    expiresAt = extended[0].expires_at;
  }
  const wallet = toWallet(row);
  rememberSession(tokenHash, wallet, expiresAt);
  return wallet;
}

/** Ends the session (logout). */
export async function endSession(ctx: AppContext, token: string): Promise<void> {
  const tokenHash = hashSecret(token);
  forgetSession(tokenHash);
  await ctx.pool.query(`DELETE FROM wallet.sessions WHERE token_hash = $1`, [tokenHash]);
  forgetSession(tokenHash);
}

/** Drops sessions expired more than a day ago (housekeeping job). */
export async function purgeSessions(ctx: AppContext): Promise<number> {
  const { rowCount } = await ctx.pool.query(
    `DELETE FROM wallet.sessions WHERE expires_at < now() - interval '1 day'`,
  );
  return rowCount ?? 0;
}
