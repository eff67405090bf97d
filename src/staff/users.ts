import { type Actor, audit } from '../platform/audit.ts';
import { hashPassword } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import type { Tx } from '../platform/db/tx.ts';
import { AppError } from '../platform/errors.ts';
import { likeEscape, orderBy, type Page, type PageRequest, Where } from './console/paging.ts';
import { isRole, type Role } from './permissions.ts';

export type Locale = 'ru' | 'en';

export interface StaffUser {
  id: bigint;
  login: string;
  name: string;
  role: Role;
  locale: Locale;
  blockedAt: Date | null;
  failedAttempts: number;
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  createdAt: Date;
}

export interface UserRow {
  id: bigint;
  login: string;
  name: string;
  role: string;
  locale: Locale;
  blocked_at: Date | null;
  failed_attempts: number;
  locked_until: Date | null;
  last_login_at: Date | null;
  created_at: Date;
}

export const USER_COLUMNS =
  'id, login, name, role, locale, blocked_at, failed_attempts, locked_until, last_login_at, created_at';

export function toUser(r: UserRow): StaffUser {
  if (!isRole(r.role)) throw new Error(`unknown staff role in the database: ${r.role}`);
  return {
    id: r.id,
    login: r.login,
    name: r.name,
    role: r.role,
    locale: r.locale,
    blockedAt: r.blocked_at,
    failedAttempts: r.failed_attempts,
    lockedUntil: r.locked_until,
    lastLoginAt: r.last_login_at,
    createdAt: r.created_at,
  };
}

export const PASSWORD_MIN_LENGTH = 8;

export function normaliseLogin(login: string): string {
  return login.trim().toLowerCase();
}

function checkLogin(login: string): string {
  const normal = normaliseLogin(login);
  if (!/^[a-z0-9_.-]{2,64}$/.test(normal))
    throw new AppError(
      'validation',
      'staff.login_format',
      'логин: от 2 до 64 символов: латинские буквы, цифры, точка, дефис, подчёркивание',
    );
  return normal;
}

function checkPassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH || password.length > 200)
    throw new AppError(
      'validation',
      'staff.password_length',
      `пароль: не короче ${PASSWORD_MIN_LENGTH} и не длиннее 200 символов`,
    );
}

function checkRole(role: string): Role {
  if (!isRole(role)) throw new AppError('validation', 'staff.role', `неизвестная роль: ${role}`);
  return role;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length < 1 || trimmed.length > 200)
    throw new AppError('validation', 'staff.name', 'имя: от 1 до 200 символов');
  return trimmed;
}

export interface NewUser {
  login: string;
  name: string;
  role: string;
  password: string;
  locale?: Locale;
}

export interface ChangeContext {
  actor: Actor;
  requestId?: string;
}

export async function createUser(tx: Tx, change: ChangeContext, input: NewUser): Promise<StaffUser> {
  const login = checkLogin(input.login);
  const role = checkRole(input.role);
  const name = checkName(input.name);
  checkPassword(input.password);
  const hash = await hashPassword(input.password);
  const { rows } = await tx.query<UserRow>(
    `INSERT INTO staff.users (login, name, role, password_hash, locale) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (login) DO NOTHING RETURNING ${USER_COLUMNS}`,
    [login, name, role, hash, input.locale ?? 'ru'],
  );
  if (!rows[0])
    throw new AppError('conflict', 'staff.login_taken', `пользователь с логином «${login}» уже существует`);
  const user = toUser(rows[0]);
  await audit(tx, {
    ...change,
    action: 'staff.user.create',
    subjectType: 'staff.user',
    subjectId: String(user.id),
    details: { login, name, role },
  });
  return user;
}

export async function getUser(db: Queryable, id: bigint): Promise<StaffUser> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM staff.users WHERE id = $1`, [id]);
  if (!rows[0]) throw new AppError('not_found', 'staff.user_not_found', 'пользователь не найден');
  return toUser(rows[0]);
}

export async function findUserByLogin(db: Queryable, login: string): Promise<StaffUser | undefined> {
  const { rows } = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM staff.users WHERE login = $1`, [
    normaliseLogin(login),
  ]);
  return rows[0] && toUser(rows[0]);
}

export interface UserChange {
  name?: string;
  role?: string;
  locale?: Locale;
  blocked?: boolean;
}

/**
 * Changes a user's name, role, locale or block. The console must keep an active administrator:
 * nobody may demote or block themselves, nor the last active admin.
 */
export async function updateUser(
  tx: Tx,
  change: ChangeContext,
  id: bigint,
  input: UserChange,
): Promise<StaffUser> {
  const { rows } = await tx.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM staff.users WHERE id = $1 FOR UPDATE`,
    [id],
  );
  if (!rows[0]) throw new AppError('not_found', 'staff.user_not_found', 'пользователь не найден');
  const before = toUser(rows[0]);
  const name = input.name === undefined ? before.name : checkName(input.name);
  const role = input.role === undefined ? before.role : checkRole(input.role);
  const locale = input.locale ?? before.locale;
  const blocked = input.blocked ?? before.blockedAt !== null;
  const losesAdmin = before.role === 'admin' && before.blockedAt === null && (role !== 'admin' || blocked);
  if (losesAdmin && change.actor.type === 'staff' && change.actor.id === String(id))
    throw new AppError(
      'conflict',
      'staff.self_lockout',
      'нельзя снять с себя роль администратора или заблокировать себя',
    );
  if (losesAdmin) await ensureAnotherAdmin(tx, id);
  const updated = await tx.query<UserRow>(
    `UPDATE staff.users SET name = $2, role = $3, locale = $4,
       blocked_at = CASE WHEN $5 THEN coalesce(blocked_at, now()) ELSE NULL END,
       failed_attempts = CASE WHEN $5 THEN failed_attempts ELSE 0 END,
       locked_until = CASE WHEN $5 THEN locked_until ELSE NULL END,
       updated_at = now()
     WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    [id, name, role, locale, blocked],
  );
  const after = toUser(updated.rows[0]!);
  if (blocked && before.blockedAt === null) await revokeSessionsOf(tx, id);
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  if (name !== before.name) changes.name = { from: before.name, to: name };
  if (role !== before.role) changes.role = { from: before.role, to: role };
  if (locale !== before.locale) changes.locale = { from: before.locale, to: locale };
  if (blocked !== (before.blockedAt !== null))
    changes.blocked = { from: before.blockedAt !== null, to: blocked };
  if (!blocked && before.lockedUntil !== null) changes.lockout = { from: before.lockedUntil, to: null };
  if (Object.keys(changes).length > 0)
    await audit(tx, {
      ...change,
      action: 'staff.user.update',
      subjectType: 'staff.user',
      subjectId: String(id),
      details: { login: before.login, changes },
    });
  return after;
}

async function ensureAnotherAdmin(tx: Tx, exceptId: bigint): Promise<void> {
  // Locks every active admin row, so two admins demoting each other cannot both succeed.
  const { rows } = await tx.query<{ id: bigint }>(
    `SELECT id FROM staff.users WHERE role = 'admin' AND blocked_at IS NULL ORDER BY id FOR UPDATE`,
  );
  if (!rows.some((r) => r.id !== exceptId))
    throw new AppError(
      'conflict',
      'staff.last_admin',
      'нельзя оставить консоль без активного администратора',
    );
}

/** Sets a new password; the user's open sessions end. */
export async function setPassword(
  tx: Tx,
  change: ChangeContext,
  id: bigint,
  password: string,
): Promise<void> {
  checkPassword(password);
  const hash = await hashPassword(password);
  const { rows } = await tx.query<{ login: string }>(
    `UPDATE staff.users SET password_hash = $2, password_changed_at = now(), failed_attempts = 0,
       locked_until = NULL, updated_at = now()
     WHERE id = $1 RETURNING login`,
    [id, hash],
  );
  if (!rows[0]) throw new AppError('not_found', 'staff.user_not_found', 'пользователь не найден');
  await revokeSessionsOf(tx, id);
  await audit(tx, {
    ...change,
    action: 'staff.user.password',
    subjectType: 'staff.user',
    subjectId: String(id),
    details: { login: rows[0].login },
  });
}

export async function revokeSessionsOf(tx: Tx, userId: bigint): Promise<number> {
  const { rowCount } = await tx.query(
    'UPDATE staff.sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
    [userId],
  );
  return rowCount ?? 0;
}

export interface UserFilter {
  q?: string;
  role?: string;
  status?: 'active' | 'blocked' | 'locked';
}

export const USER_SORTS = {
  id: 'id',
  login: 'login',
  name: 'name',
  role: 'role',
  lastLoginAt: 'last_login_at',
  createdAt: 'created_at',
} as const;
export type UserSort = keyof typeof USER_SORTS;

export async function listUsers(
  db: Queryable,
  filter: UserFilter,
  page: PageRequest<UserSort>,
): Promise<Page<StaffUser>> {
  const where = new Where();
  if (filter.q) {
    const p = where.param(`%${likeEscape(filter.q.toLowerCase())}%`);
    where.raw(`(login LIKE ${p} OR lower(name) LIKE ${p})`);
  }
  where.addIf(Boolean(filter.role), 'role = $?', filter.role);
  if (filter.status === 'blocked') where.raw('blocked_at IS NOT NULL');
  if (filter.status === 'locked') where.raw('locked_until > now()');
  if (filter.status === 'active')
    where.raw('blocked_at IS NULL AND (locked_until IS NULL OR locked_until <= now())');
  const [rows, count] = await Promise.all([
    db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM staff.users ${where.sql()} ${orderBy(USER_SORTS, page, 'id')}
       LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    db.query<{ n: bigint }>(`SELECT count(*) AS n FROM staff.users ${where.sql()}`, where.values),
  ]);
  return { rows: rows.rows.map(toUser), total: Number(count.rows[0]!.n) };
}
