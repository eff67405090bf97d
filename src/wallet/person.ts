import { type Actor, audit } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import { type Tx, withTx } from '../platform/db/tx.ts';
import { walletError } from './errors.ts';
import { isValidItn, isValidSsn, normalizePassport, parseDate } from './validation.ts';
import type { Wallet } from './wallets.ts';

export type PersonStatus = 'data_entered' | 'data_verified';

export interface Person {
  familyName: string;
  givenName: string;
  patronymicName: string | null;
  passportSeriesNumber: string;
  passportIssuedAt: string;
  itn: string | null;
  ssn: string | null;
  status: PersonStatus;
  verifiedAt: Date | null;
}

export interface PersonInput {
  family_name?: unknown;
  given_name?: unknown;
  patronymic_name?: unknown;
  passport_series_number?: unknown;
  passport_issued_at?: unknown;
  itn?: unknown;
  ssn?: unknown;
}

const NAME = /^[А-ЯЁа-яёA-Za-z][А-ЯЁа-яёA-Za-z' -]{0,99}$/;

function name(value: unknown, field: string, required: boolean): string | null {
  if (value === undefined || value === null || value === '') {
    if (required) throw walletError('invalid_name', `${field}: обязательное поле не заполнено`);
    return null;
  }
  if (typeof value !== 'string' || !NAME.test(value.trim()))
    throw walletError('invalid_name', `${field}: только буквы, пробел, дефис и апостроф, до 100 символов`);
  return value.trim();
}

function text(value: unknown): string | undefined {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? value.trim() : undefined;
}

/** Validates the document's person fields: passport (10 digits, a past date), INN and SNILS checksums. */
export function parsePerson(input: PersonInput): Omit<Person, 'status' | 'verifiedAt'> {
  const familyName = name(input.family_name, 'family_name', true)!;
  const givenName = name(input.given_name, 'given_name', true)!;
  const patronymicName = name(input.patronymic_name, 'patronymic_name', false);
  const passport = normalizePassport(text(input.passport_series_number) ?? '');
  if (!passport)
    throw walletError('invalid_passport', 'passport_series_number: серия и номер паспорта — 10 цифр');
  const issuedText = text(input.passport_issued_at) ?? '';
  const issued = parseDate(issuedText);
  if (!issued || issued.getTime() > Date.now() || issuedText < '1997-07-01')
    throw walletError(
      'invalid_passport_date',
      'passport_issued_at: дата выдачи паспорта вида 2012-02-27, не в будущем',
    );
  const itn = text(input.itn) || null;
  if (itn !== null && !isValidItn(itn))
    throw walletError('invalid_itn', 'itn: ИНН физического лица — 12 цифр с верными контрольными разрядами');
  const ssn = text(input.ssn)?.replace(/[\s-]/g, '') || null;
  if (ssn !== null && !isValidSsn(ssn))
    throw walletError('invalid_ssn', 'ssn: СНИЛС — 11 цифр с верным контрольным числом');
  return {
    familyName,
    givenName,
    patronymicName,
    passportSeriesNumber: passport,
    passportIssuedAt: issuedText,
    itn,
    ssn,
  };
}

/**
 * `POST /v1/wallet/person`: stores the person (passport, INN, SNILS encrypted) as `data_entered`.
 * Sending the same data again keeps a verification; changed data must be verified again.
 */
export async function setPerson(ctx: AppContext, wallet: Wallet, input: PersonInput): Promise<Person> {
  const p = parsePerson(input);
  await withTx(ctx.pool, (tx) => writePerson(tx, ctx, wallet.id, p));
  return (await readPerson(ctx, wallet.id))!;
}

/** Stores validated person data in the caller's transaction (same data keeps its verification). */
export async function writePerson(
  tx: Tx,
  ctx: AppContext,
  walletId: bigint,
  p: Omit<Person, 'status' | 'verifiedAt'>,
): Promise<void> {
  const { rows } = await tx.query<{
    passport_hash: string;
    itn_enc: string | null;
    ssn_enc: string | null;
    family_name: string;
    given_name: string;
    patronymic_name: string | null;
    passport_issued_at: string;
  }>(
    `SELECT passport_hash, itn_enc, ssn_enc, family_name, given_name, patronymic_name,
       to_char(passport_issued_at, 'YYYY-MM-DD') AS passport_issued_at
     FROM wallet.persons WHERE wallet_id = $1 FOR UPDATE`,
    [walletId],
  );
  const old = rows[0];
  const same =
    old !== undefined &&
    old.passport_hash === ctx.cipher.lookupHash(p.passportSeriesNumber) &&
    old.family_name === p.familyName &&
    old.given_name === p.givenName &&
    old.patronymic_name === p.patronymicName &&
    old.passport_issued_at === p.passportIssuedAt &&
    (old.itn_enc === null ? null : ctx.cipher.decrypt(old.itn_enc)) === p.itn &&
    (old.ssn_enc === null ? null : ctx.cipher.decrypt(old.ssn_enc)) === p.ssn;
  await tx.query(
    `INSERT INTO wallet.persons (wallet_id, family_name, given_name, patronymic_name, passport_enc, passport_hash,
       passport_issued_at, itn_enc, ssn_enc, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'data_entered')
     ON CONFLICT (wallet_id) DO UPDATE SET family_name = excluded.family_name, given_name = excluded.given_name,
       patronymic_name = excluded.patronymic_name, passport_enc = excluded.passport_enc,
       passport_hash = excluded.passport_hash, passport_issued_at = excluded.passport_issued_at,
       itn_enc = excluded.itn_enc, ssn_enc = excluded.ssn_enc,
       status = CASE WHEN $10 THEN wallet.persons.status ELSE 'data_entered' END,
       verified_at = CASE WHEN $10 THEN wallet.persons.verified_at END,
       verified_by = CASE WHEN $10 THEN wallet.persons.verified_by END, updated_at = now()`,
    [
      walletId,
      p.familyName,
      p.givenName,
      p.patronymicName,
      ctx.cipher.encrypt(p.passportSeriesNumber),
      ctx.cipher.lookupHash(p.passportSeriesNumber),
      p.passportIssuedAt,
      p.itn === null ? null : ctx.cipher.encrypt(p.itn),
      p.ssn === null ? null : ctx.cipher.encrypt(p.ssn),
      same,
    ],
  );
  await audit(tx, {
    actor: { type: 'client', id: `wallet:${walletId}` },
    action: 'wallet.person.set',
    subjectType: 'wallet',
    subjectId: String(walletId),
    details: { reverify: !same },
  });
}

async function readPerson(ctx: AppContext, walletId: bigint): Promise<Person | undefined> {
  const { rows } = await ctx.pool.query<{
    family_name: string;
    given_name: string;
    patronymic_name: string | null;
    passport_enc: string;
    passport_issued_at: string;
    itn_enc: string | null;
    ssn_enc: string | null;
    status: PersonStatus;
    verified_at: Date | null;
  }>(
    `SELECT family_name, given_name, patronymic_name, passport_enc, to_char(passport_issued_at, 'YYYY-MM-DD') AS passport_issued_at,
       itn_enc, ssn_enc, status, verified_at
     FROM wallet.persons WHERE wallet_id = $1`,
    [walletId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    familyName: r.family_name,
    givenName: r.given_name,
    patronymicName: r.patronymic_name,
    passportSeriesNumber: ctx.cipher.decrypt(r.passport_enc),
    passportIssuedAt: r.passport_issued_at,
    itn: r.itn_enc === null ? null : ctx.cipher.decrypt(r.itn_enc),
    ssn: r.ssn_enc === null ? null : ctx.cipher.decrypt(r.ssn_enc),
    status: r.status,
    verifiedAt: r.verified_at,
  };
}

/**
 * `GET /v1/wallet/person`. On a dev server the automatic check runs here: data that passed
 * validation (format and checksums) is verified at the first read, as the document's example
 * shows (`data_entered` after POST, `data_verified` at GET). In production only an operator
 * verifies (`kopek wallet verify <phone>`).
 */
export async function getPerson(ctx: AppContext, wallet: Wallet): Promise<Person> {
  if (ctx.config.walletDevMode)
    await verifyPerson(ctx, wallet.id, { type: 'system', id: 'wallet-dev-auto-check' }, { automatic: true });
  const person = await readPerson(ctx, wallet.id);
  if (!person) throw walletError('person_not_found', 'персональные данные не заданы');
  return person;
}

/**
 * Marks the person verified (operator or the dev server's automatic check); true when it changed.
 * The automatic check leaves alone data an operator rejected (src/wallet/kyc-review.ts); an
 * operator may still verify it.
 */
export async function verifyPerson(
  ctx: AppContext,
  walletId: bigint,
  actor: Actor,
  options: { automatic?: boolean } = {},
): Promise<boolean> {
  return withTx(ctx.pool, (tx) => verifyPersonIn(tx, walletId, actor, options));
}

export async function verifyPersonIn(
  tx: Tx,
  walletId: bigint,
  actor: Actor,
  options: { automatic?: boolean } = {},
): Promise<boolean> {
  const { rowCount } = await tx.query(
    `UPDATE wallet.persons SET status = 'data_verified', verified_at = now(), verified_by = $2
     WHERE wallet_id = $1 AND status = 'data_entered'
       AND NOT ($3 AND coalesce(verified_by LIKE 'rejected:%', false))`,
    [walletId, `${actor.type}:${actor.id}`, options.automatic === true],
  );
  if (!rowCount) return false;
  await audit(tx, {
    actor,
    action: 'wallet.person.verify',
    subjectType: 'wallet',
    subjectId: String(walletId),
  });
  return true;
}
