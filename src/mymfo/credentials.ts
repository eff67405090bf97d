import { BlockList, isIP } from 'node:net';
import { type Actor, audit } from '../platform/audit.ts';
import { hashPassword } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { AppError } from '../platform/errors.ts';

/** The payment services of the document with a direct integration (`Payment/<PayService>/`). */
export const PAY_SERVICES = ['QIWI', 'ZK', 'MKB', 'Elecsnet'] as const;

export type CredentialKind = 'site' | 'payment';

export interface Credential {
  id: bigint;
  login: string;
  kind: CredentialKind;
  /** PayService code ('QIWI', 'ZK', 'MKB', 'Elecsnet') or a Payment/Site IDPayService. */
  paymentService: string | null;
  ipAllowlist: string[] | null;
  active: boolean;
  createdAt: Date;
}

/** What authentication needs: the credential and its scrypt hash. */
export interface StoredCredential extends Credential {
  passwordHash: string;
}

interface Row {
  id: bigint;
  login: string;
  kind: CredentialKind;
  payment_service: string | null;
  ip_allowlist: string[] | null;
  active: boolean;
  created_at: Date;
  password_hash: string;
}

const COLUMNS = `id, login, kind, payment_service, ip_allowlist::text[] AS ip_allowlist, active, created_at, password_hash`;

function toCredential(r: Row): StoredCredential {
  return {
    id: r.id,
    login: r.login,
    kind: r.kind,
    paymentService: r.payment_service,
    ipAllowlist: r.ip_allowlist,
    active: r.active,
    createdAt: r.created_at,
    passwordHash: r.password_hash,
  };
}

export interface CredentialInput {
  login: string;
  password: string;
  kind: CredentialKind;
  paymentService?: string | null;
  ipAllowlist?: string[] | null;
}

/** Checks one allowlist entry: an address or a CIDR block. */
export function isCidr(value: string): boolean {
  const [address, bits, ...rest] = value.split('/');
  if (rest.length || !address) return false;
  const family = isIP(address);
  if (!family) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

/** Creates a credential; the password is stored as an scrypt hash and never shown again. */
export async function addCredential(
  db: Queryable,
  input: CredentialInput,
  actor: Actor,
): Promise<Credential> {
  const bad = (message: string) => new AppError('validation', 'mymfo.credential_invalid', message);
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(input.login))
    throw bad('логин: латинские буквы, цифры, точка, дефис, подчеркивание (до 64 символов)');
  if (input.password.length < 8) throw bad('пароль должен быть не короче 8 символов');
  if (input.kind === 'payment' && !input.paymentService)
    throw bad('для учетной записи платежного сервиса укажите сервис');
  if (input.kind === 'site' && input.paymentService)
    throw bad('учетная запись сайта не привязывается к платежному сервису');
  if (input.paymentService && !/^[A-Za-z0-9_.-]{1,64}$/.test(input.paymentService))
    throw bad('код платежного сервиса: латинские буквы, цифры, точка, дефис, подчеркивание');
  for (const entry of input.ipAllowlist ?? [])
    if (!isCidr(entry)) throw bad(`адрес ${entry} не является IP-адресом или подсетью CIDR`);
  const { rows } = await db.query<Row>(
    `INSERT INTO mymfo.credentials (login, password_hash, kind, payment_service, ip_allowlist)
     VALUES ($1, $2, $3, $4, $5::cidr[])
     ON CONFLICT (login) DO NOTHING RETURNING ${COLUMNS}`,
    [
      input.login,
      await hashPassword(input.password),
      input.kind,
      input.paymentService ?? null,
      input.ipAllowlist?.length ? input.ipAllowlist : null,
    ],
  );
  if (!rows[0]) throw new AppError('conflict', 'mymfo.credential_exists', `логин ${input.login} уже занят`);
  await audit(db, {
    actor,
    action: 'mymfo.credential.add',
    subjectType: 'mymfo.credential',
    subjectId: String(rows[0].id),
    details: { login: input.login, kind: input.kind, paymentService: input.paymentService ?? null },
  });
  const { passwordHash: _omit, ...credential } = toCredential(rows[0]);
  return credential;
}

export async function listCredentials(db: Queryable): Promise<Credential[]> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM mymfo.credentials ORDER BY id`);
  return rows.map((r) => {
    const { passwordHash: _omit, ...credential } = toCredential(r);
    return credential;
  });
}

/** Deactivates a credential. Processes that cached it stop accepting it within the auth cache's TTL. */
export async function revokeCredential(db: Queryable, login: string, actor: Actor): Promise<void> {
  const { rows } = await db.query<{ id: bigint }>(
    `UPDATE mymfo.credentials SET active = false, revoked_at = now() WHERE login = $1 AND active RETURNING id`,
    [login],
  );
  if (!rows[0])
    throw new AppError('not_found', 'mymfo.credential_not_found', `действующий логин ${login} не найден`);
  await audit(db, {
    actor,
    action: 'mymfo.credential.revoke',
    subjectType: 'mymfo.credential',
    subjectId: String(rows[0].id),
    details: { login },
  });
}

/** The active credential with this login, with its hash (for authentication only). */
export async function findActiveCredential(
  db: Queryable,
  login: string,
): Promise<StoredCredential | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM mymfo.credentials WHERE login = $1 AND active`,
    [login],
  );
  return rows[0] && toCredential(rows[0]);
}

/** A matcher for an allowlist; null or empty: every address. IPv4-mapped IPv6 counts as IPv4. */
export function allowlistMatcher(allowlist: string[] | null): (ip: string) => boolean {
  if (!allowlist?.length) return () => true;
  const list = new BlockList();
  for (const entry of allowlist) {
    const [address, bits] = entry.split('/');
    const type = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address!, type);
    else list.addSubnet(address!, Number(bits), type);
  }
  return (ip: string) => {
    const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const family = isIP(address);
    if (!family) return false;
    return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}
