import { createHmac } from 'node:crypto';
import { audit } from '../platform/audit.ts';
import { hashPassword, hashSecret, newToken, safeEqual, verifyPassword } from '../platform/crypto.ts';
import type { Pool, Queryable } from '../platform/db/pool.ts';
import { withTx } from '../platform/db/tx.ts';
import { AppError } from '../platform/errors.ts';
import { isRole, type Permission, permissionsOf, type Role } from './permissions.ts';
import { type Locale, normaliseLogin, toUser, USER_COLUMNS, type UserRow } from './users.ts';

/** Failed logins in a row that lock an account, and for how long. */
export const LOCKOUT = { maxFailures: 5, minutes: 15 } as const;
/** A session ends this long after login, or after this long without a request. */
export const SESSION_TTL = { absoluteHours: 12, idleMinutes: 120 } as const;

export interface StaffSession {
  sessionId: bigint;
  userId: bigint;
  login: string;
  name: string;
  role: Role;
  locale: Locale;
  permissions: readonly Permission[];
  expiresAt: Date;
}

export interface LoginInput {
  login: string;
  password: string;
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

// Verified against when the login does not exist, so that the answer takes as long as for a real one.
let dummyHash: Promise<string> | undefined;

const INVALID = () => new AppError('unauthorized', 'staff.invalid_credentials', 'неверный логин или пароль');

function lockedError(until: Date): AppError {
  const minutes = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 60_000));
  return new AppError(
    'forbidden',
    'staff.locked',
    `вход временно заблокирован после ${LOCKOUT.maxFailures} неудачных попыток подряд; повторите через ${minutes} мин.`,
    { lockedUntil: until.toISOString() },
  );
}

/**
 * Checks a login and password and opens a session. Every attempt is recorded; the
 * `LOCKOUT.maxFailures`-th failure in a row locks the account for `LOCKOUT.minutes` (counted by an
 * atomic update, so parallel guesses cannot slip past the limit). The answer never says whether
 * the login exists.
 */
export async function login(
  pool: Pool,
  input: LoginInput,
): Promise<{ token: string; session: StaffSession }> {
  const loginName = normaliseLogin(input.login);
  const { rows } = await pool.query<UserRow & { password_hash: string }>(
    `SELECT ${USER_COLUMNS}, password_hash FROM staff.users WHERE login = $1`,
    [loginName],
  );
  const row = rows[0];
  const record = (userId: bigint | null, outcome: string) =>
    withTx(pool, async (tx) => {
      await tx.query(
        'INSERT INTO staff.login_attempts (login, user_id, success, outcome, ip) VALUES ($1, $2, $3, $4, $5)',
        [loginName.slice(0, 64), userId, outcome === 'ok', outcome, input.ip ?? null],
      );
      await audit(tx, {
        actor: { type: 'staff', id: userId === null ? `login:${loginName.slice(0, 64)}` : String(userId) },
        action: 'staff.login.failed',
        subjectType: 'staff.user',
        subjectId: userId === null ? '-' : String(userId),
        details: { login: loginName.slice(0, 64), outcome, ip: input.ip },
        ...(input.requestId ? { requestId: input.requestId } : {}),
      });
    });

  if (!row) {
    dummyHash ??= hashPassword('kopek-dummy-password');
    await verifyPassword(input.password, await dummyHash);
    await record(null, 'invalid_credentials');
    throw INVALID();
  }
  const user = toUser(row);
  if (user.lockedUntil && user.lockedUntil > new Date()) {
    await record(user.id, 'locked');
    throw lockedError(user.lockedUntil);
  }
  const ok = await verifyPassword(input.password, row.password_hash);
  if (!ok) {
    // A lockout that has run out starts the count again.
    const failed = await pool.query<{ failed_attempts: number; locked_until: Date | null }>(
      `UPDATE staff.users SET
         failed_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= now() THEN 1
                                ELSE failed_attempts + 1 END,
         locked_until = CASE
           WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= now() THEN 1 ELSE failed_attempts + 1 END) >= $2
             THEN coalesce(CASE WHEN locked_until > now() THEN locked_until END, now() + make_interval(mins => $3))
           WHEN locked_until IS NOT NULL AND locked_until <= now() THEN NULL
           ELSE locked_until END
       WHERE id = $1 RETURNING failed_attempts, locked_until`,
      [user.id, LOCKOUT.maxFailures, LOCKOUT.minutes],
    );
    const state = failed.rows[0];
    if (state?.locked_until && state.locked_until > new Date()) {
      await record(user.id, 'locked');
      throw lockedError(state.locked_until);
    }
    await record(user.id, 'invalid_credentials');
    throw INVALID();
  }
  if (user.blockedAt) {
    await record(user.id, 'blocked');
    throw new AppError('forbidden', 'staff.blocked', 'учётная запись заблокирована администратором');
  }

  const token = newToken(32);
  const session = await withTx(pool, async (tx) => {
    // Conditional: a lockout set by a parallel failed guess after our read still wins.
    const updated = await tx.query(
      `UPDATE staff.users SET failed_attempts = 0, last_login_at = now()
       WHERE id = $1 AND blocked_at IS NULL AND (locked_until IS NULL OR locked_until <= now())
       RETURNING id`,
      [user.id],
    );
    if (updated.rowCount !== 1) return undefined;
    const created = await tx.query<{ id: bigint; expires_at: Date }>(
      `INSERT INTO staff.sessions (user_id, token_hash, expires_at, ip, user_agent)
       VALUES ($1, $2, now() + make_interval(hours => $3), $4, $5) RETURNING id, expires_at`,
      [
        user.id,
        hashSecret(token),
        SESSION_TTL.absoluteHours,
        input.ip ?? null,
        input.userAgent?.slice(0, 300) ?? null,
      ],
    );
    await tx.query(
      `INSERT INTO staff.login_attempts (login, user_id, success, outcome, ip) VALUES ($1, $2, true, 'ok', $3)`,
      [loginName, user.id, input.ip ?? null],
    );
    await audit(tx, {
      actor: { type: 'staff', id: String(user.id) },
      action: 'staff.login',
      subjectType: 'staff.session',
      subjectId: String(created.rows[0]!.id),
      details: { login: user.login, ip: input.ip },
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
    return {
      sessionId: created.rows[0]!.id,
      userId: user.id,
      login: user.login,
      name: user.name,
      role: user.role,
      locale: user.locale,
      permissions: permissionsOf(user.role),
      expiresAt: created.rows[0]!.expires_at,
    } satisfies StaffSession;
  });
  if (!session) {
    await record(user.id, 'locked');
    throw lockedError(new Date(Date.now() + LOCKOUT.minutes * 60_000));
  }
  return { token, session };
}

/** The live session of a cookie token, or undefined: expired, idle too long, revoked, or user blocked. */
export async function resolveSession(db: Queryable, token: string): Promise<StaffSession | undefined> {
  const { rows } = await db.query<{
    session_id: bigint;
    expires_at: Date;
    touch: boolean;
    user_id: bigint;
    login: string;
    name: string;
    role: string;
    locale: Locale;
  }>(
    `SELECT s.id AS session_id, s.expires_at, s.last_seen_at < now() - interval '1 minute' AS touch,
            u.id AS user_id, u.login, u.name, u.role, u.locale
     FROM staff.sessions s JOIN staff.users u ON u.id = s.user_id
     WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
       AND s.last_seen_at > now() - make_interval(mins => $2) AND u.blocked_at IS NULL`,
    [hashSecret(token), SESSION_TTL.idleMinutes],
  );
  const r = rows[0];
  if (!r || !isRole(r.role)) return undefined;
  if (r.touch) await db.query('UPDATE staff.sessions SET last_seen_at = now() WHERE id = $1', [r.session_id]);
  return {
    sessionId: r.session_id,
    userId: r.user_id,
    login: r.login,
    name: r.name,
    role: r.role,
    locale: r.locale,
    permissions: permissionsOf(r.role),
    expiresAt: r.expires_at,
  };
}

export async function logout(pool: Pool, session: StaffSession, requestId?: string): Promise<void> {
  await withTx(pool, async (tx) => {
    await tx.query('UPDATE staff.sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [
      session.sessionId,
    ]);
    await audit(tx, {
      actor: { type: 'staff', id: String(session.userId) },
      action: 'staff.logout',
      subjectType: 'staff.session',
      subjectId: String(session.sessionId),
      ...(requestId ? { requestId } : {}),
    });
  });
}

/**
 * The CSRF token of a session: an HMAC of the session token under the server's session secret
 * (a synchronizer token that needs no storage). The console sends it in `X-CSRF-Token` with every
 * state-changing request; a cross-site page cannot read it.
 */
export function csrfTokenFor(sessionSecret: string, sessionToken: string): string {
  return createHmac('sha256', sessionSecret).update(`kopek/csrf:${sessionToken}`).digest('base64url');
}

export function checkCsrf(
  sessionSecret: string,
  sessionToken: string,
  presented: string | undefined,
): boolean {
  return presented !== undefined && safeEqual(csrfTokenFor(sessionSecret, sessionToken), presented);
}
