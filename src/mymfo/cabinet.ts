import { randomInt } from 'node:crypto';
import { type Client, findClientByPhone } from '../lending/clients/repository.ts';
import { sendSms } from '../notify/outbox.ts';
import type { AppContext } from '../platform/context.ts';
import { hashPassword, sha256Hex, verifyPassword } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { withTx } from '../platform/db/tx.ts';
import { AppError } from '../platform/errors.ts';

/** Wrong passes allowed per phone in a window before the login is locked for LOCK_MS. */
export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;
export const LOCK_MS = 15 * 60 * 1000;
/** A new password is sent at most once in this interval per phone. */
export const RESEND_INTERVAL_MS = 60 * 1000;

/** The document's statuses of `client`. */
export type CabinetStatus = 0 | 1 | 2 | 11;

export type CabinetAnswer =
  | { status: 0; client: Client }
  | { status: 1 | 2; message: string }
  | { status: 11; message: string };

/** `89111111111`, `+7 (911) 111-11-11`, `9111111111`: the spellings a phone may be stored in. */
export function phoneVariants(phone: string): string[] {
  const digits = phone.replace(/\D/g, '');
  const ten =
    digits.length === 11 && /^[78]/.test(digits) ? digits.slice(1) : digits.length === 10 ? digits : '';
  if (!ten) return [digits];
  return [`8${ten}`, `7${ten}`, `+7${ten}`, ten];
}

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';

function newCabinetPassword(): string {
  let password = '';
  for (let i = 0; i < 8; i++) password += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return password;
}

/** The `pass` the site sends: sha256 (hex) of the phone exactly as sent plus the password. */
export function cabinetPass(phone: string, password: string): string {
  return sha256Hex(phone + password);
}

function minutes(ms: number): number {
  return Math.max(1, Math.ceil(ms / 60_000));
}

/**
 * Service `client`: with `pass`, the client's data when it matches (status 0) or 2 (wrong or
 * locked after MAX_FAILURES wrong passes); without `pass`, a new password sent by SMS (11).
 * Status 1: no client with this phone. The throttle counts per phone (keyed hash).
 */
export async function cabinetLogin(
  ctx: AppContext,
  phone: string,
  pass: string | undefined,
): Promise<CabinetAnswer> {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 10 || digits.length > 12)
    throw new AppError('validation', 'mymfo.phone', 'телефон должен состоять из 10–12 цифр');
  const phoneHash = ctx.cipher.lookupHash(`cabinet-phone:${digits.slice(-10)}`);
  const client = await findClientByPhone(ctx.pool, ctx.cipher, phoneVariants(phone));
  if (pass === undefined) {
    if (!client) return { status: 1, message: 'Клиент с таким номером телефона не найден' };
    return sendNewPassword(ctx, client, phone, phoneHash);
  }
  const { rows } = await ctx.pool.query<{ locked_until: Date | null }>(
    `SELECT locked_until FROM mymfo.cabinet_throttle WHERE phone_hash = $1`,
    [phoneHash],
  );
  const lockedUntil = rows[0]?.locked_until;
  if (lockedUntil && lockedUntil.getTime() > Date.now())
    return {
      status: 2,
      message: `Вход временно заблокирован после ${MAX_FAILURES} неверных паролей, повторите через ${minutes(lockedUntil.getTime() - Date.now())} мин.`,
    };
  if (!client) return { status: 1, message: 'Клиент с таким номером телефона не найден' };
  const stored = await ctx.pool.query<{ pass_hash: string }>(
    `SELECT pass_hash FROM mymfo.cabinet_passwords WHERE client_id = $1`,
    [client.id],
  );
  const hash = stored.rows[0]?.pass_hash;
  if (hash && (await verifyPassword(pass.trim().toLowerCase(), hash))) {
    await ctx.pool.query(
      `UPDATE mymfo.cabinet_throttle SET failures = 0, locked_until = NULL WHERE phone_hash = $1`,
      [phoneHash],
    );
    return { status: 0, client };
  }
  await recordFailure(ctx, phoneHash);
  return {
    status: 2,
    message: hash ? 'Неверный пароль' : 'Пароль не задан: запросите пароль без параметра pass',
  };
}

async function recordFailure(ctx: AppContext, phoneHash: string): Promise<void> {
  await ctx.pool.query(
    `INSERT INTO mymfo.cabinet_throttle AS t (phone_hash, failures, window_started_at)
     VALUES ($1, 1, now())
     ON CONFLICT (phone_hash) DO UPDATE SET
       failures = CASE WHEN t.window_started_at < now() - $2::interval THEN 1 ELSE t.failures + 1 END,
       window_started_at = CASE WHEN t.window_started_at < now() - $2::interval THEN now() ELSE t.window_started_at END,
       locked_until = CASE
         WHEN t.window_started_at >= now() - $2::interval AND t.failures + 1 >= $3 THEN now() + $4::interval
         ELSE t.locked_until END`,
    [phoneHash, `${FAILURE_WINDOW_MS} milliseconds`, MAX_FAILURES, `${LOCK_MS} milliseconds`],
  );
}

async function sendNewPassword(
  ctx: AppContext,
  client: Client,
  phone: string,
  phoneHash: string,
): Promise<CabinetAnswer> {
  const password = newCabinetPassword();
  const passHash = await hashPassword(cabinetPass(phone, password));
  return withTx(ctx.pool, async (tx) => {
    // One send per interval; the conditional upsert is the lock between parallel requests.
    const { rows } = await tx.query<{ last_password_sent_at: Date }>(
      `INSERT INTO mymfo.cabinet_throttle AS t (phone_hash, last_password_sent_at) VALUES ($1, now())
       ON CONFLICT (phone_hash) DO UPDATE SET last_password_sent_at = now()
         WHERE t.last_password_sent_at IS NULL OR t.last_password_sent_at < now() - $2::interval
       RETURNING last_password_sent_at`,
      [phoneHash, `${RESEND_INTERVAL_MS} milliseconds`],
    );
    if (!rows[0])
      return {
        status: 1,
        message: 'Пароль уже отправлен, новый можно запросить через минуту',
      } satisfies CabinetAnswer;
    await tx.query(
      `INSERT INTO mymfo.cabinet_passwords (client_id, phone, pass_hash) VALUES ($1, $2, $3)
       ON CONFLICT (client_id) DO UPDATE SET phone = excluded.phone, pass_hash = excluded.pass_hash, created_at = now()`,
      [client.id, phone, passHash],
    );
    await sendSms(tx, ctx, {
      module: 'mymfo',
      subjectId: client.id,
      purpose: 'cabinet_password',
      phone: client.phone,
      text: `Пароль для входа в личный кабинет: ${password}. Никому его не сообщайте.`,
    });
    return { status: 11, message: 'Пароль создан и отправлен в СМС' } satisfies CabinetAnswer;
  });
}

/** Sets a known cabinet password (demo data, staff). */
export async function setCabinetPassword(
  db: Queryable,
  clientId: bigint,
  phone: string,
  password: string,
): Promise<void> {
  await db.query(
    `INSERT INTO mymfo.cabinet_passwords (client_id, phone, pass_hash) VALUES ($1, $2, $3)
     ON CONFLICT (client_id) DO UPDATE SET phone = excluded.phone, pass_hash = excluded.pass_hash, created_at = now()`,
    [clientId, phone, await hashPassword(cabinetPass(phone, password))],
  );
}
