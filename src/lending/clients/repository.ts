import { type Actor, audit } from '../../platform/audit.ts';
import type { FieldCipher } from '../../platform/crypto.ts';
import { hashPassword } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { isBusinessDate } from '../dates.ts';

export interface Address {
  region?: string;
  city?: string;
  street?: string;
  house?: string;
  building?: string;
  apartment?: string;
  text?: string;
}

export interface ClientInput {
  lastName: string;
  firstName: string;
  middleName?: string | null;
  birthDate: string;
  birthPlace?: string | null;
  sex?: 'male' | 'female' | null;
  phone: string;
  email?: string | null;
  /** Series and number; spaces are ignored ("45 10 666666"). */
  passport: string;
  passportIssueDate?: string | null;
  passportIssuer?: string | null;
  passportDivisionCode?: string | null;
  inn?: string | null;
  snils?: string | null;
  registrationAddress?: Address;
  residenceAddress?: Address;
  work?: { name?: string; phone?: string; experienceMonths?: number };
  monthlyIncome?: Kopecks | null;
  blacklisted?: boolean;
  bannedUntil?: string | null;
  /** Cabinet password, stored as an scrypt hash. */
  password?: string | null;
}

export interface Client {
  id: bigint;
  lastName: string;
  firstName: string;
  middleName: string | null;
  fullName: string;
  birthDate: string;
  birthPlace: string | null;
  sex: 'male' | 'female' | null;
  phone: string;
  email: string | null;
  passport: string;
  passportIssueDate: string | null;
  passportIssuer: string | null;
  passportDivisionCode: string | null;
  inn: string | null;
  snils: string | null;
  registrationAddress: Address;
  residenceAddress: Address;
  work: { name?: string; phone?: string; experienceMonths?: number };
  monthlyIncome: Kopecks | null;
  blacklisted: boolean;
  bannedUntil: string | null;
  hasPassword: boolean;
}

interface ClientRow {
  id: bigint;
  last_name: string;
  first_name: string;
  middle_name: string | null;
  birth_date: string;
  birth_place: string | null;
  sex: 'male' | 'female' | null;
  phone: string;
  email: string | null;
  passport_enc: string;
  passport_issue_date: string | null;
  passport_issuer: string | null;
  passport_division_code: string | null;
  inn_enc: string | null;
  snils_enc: string | null;
  registration_address: Address;
  residence_address: Address;
  work: Client['work'];
  monthly_income: bigint | null;
  blacklisted: boolean;
  banned_until: string | null;
  password_hash: string | null;
}

const COLUMNS = `id, last_name, first_name, middle_name, birth_date::text, birth_place, sex, phone, email,
  passport_enc, passport_issue_date::text, passport_issuer, passport_division_code, inn_enc, snils_enc,
  registration_address, residence_address, work, monthly_income, blacklisted, banned_until::text, password_hash`;

/** Series and number without spaces: the form the site API sends ("4510666666"). */
export function normalisePassport(passport: string): string {
  return passport.replace(/\s+/g, '');
}

function toClient(r: ClientRow, cipher: FieldCipher): Client {
  return {
    id: r.id,
    lastName: r.last_name,
    firstName: r.first_name,
    middleName: r.middle_name,
    fullName: [r.last_name, r.first_name, r.middle_name].filter(Boolean).join(' '),
    birthDate: r.birth_date,
    birthPlace: r.birth_place,
    sex: r.sex,
    phone: r.phone,
    email: r.email,
    passport: cipher.decrypt(r.passport_enc),
    passportIssueDate: r.passport_issue_date,
    passportIssuer: r.passport_issuer,
    passportDivisionCode: r.passport_division_code,
    inn: r.inn_enc ? cipher.decrypt(r.inn_enc) : null,
    snils: r.snils_enc ? cipher.decrypt(r.snils_enc) : null,
    registrationAddress: r.registration_address,
    residenceAddress: r.residence_address,
    work: r.work,
    monthlyIncome: r.monthly_income,
    blacklisted: r.blacklisted,
    bannedUntil: r.banned_until,
    hasPassword: r.password_hash !== null,
  };
}

function validate(input: ClientInput): void {
  const bad = (field: string, why: string) =>
    new AppError('validation', 'lending.client_invalid', `${field}: ${why}`, { field });
  if (!input.lastName?.trim()) throw bad('last_name', 'обязательное поле не заполнено');
  if (!input.firstName?.trim()) throw bad('first_name', 'обязательное поле не заполнено');
  if (!isBusinessDate(input.birthDate)) throw bad('birthday', 'дата должна быть в формате ГГГГ-ММ-ДД');
  if (!/^\+?\d{10,12}$/.test(input.phone.replace(/[\s()-]/g, '')))
    throw bad('phone', 'телефон должен состоять из 10-12 цифр');
  if (!/^\d{10}$/.test(normalisePassport(input.passport)))
    throw bad('passport', 'серия и номер паспорта — 10 цифр');
  if (input.passportIssueDate && !isBusinessDate(input.passportIssueDate))
    throw bad('passport_date_of_issue', 'дата должна быть в формате ГГГГ-ММ-ДД');
  if (input.bannedUntil && !isBusinessDate(input.bannedUntil))
    throw bad('dateofban', 'дата должна быть в формате ГГГГ-ММ-ДД');
  if (input.inn && !/^\d{10}(\d{2})?$/.test(input.inn)) throw bad('inn_number', 'ИНН — 10 или 12 цифр');
}

/**
 * Creates a client, or updates the one with the same passport (an application from the site
 * for a known borrower refreshes their data). Flags set by staff (blacklist, ban) are kept
 * unless the input sets them.
 */
export async function upsertClient(
  db: Queryable,
  cipher: FieldCipher,
  input: ClientInput,
  actor: Actor,
): Promise<{ client: Client; created: boolean }> {
  validate(input);
  const passport = normalisePassport(input.passport);
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  const { rows } = await db.query<ClientRow & { created: boolean }>(
    `INSERT INTO lending.clients AS c (last_name, first_name, middle_name, birth_date, birth_place, sex, phone,
       email, passport_enc, passport_hash, passport_issue_date, passport_issuer, passport_division_code,
       inn_enc, inn_hash, snils_enc, snils_hash, registration_address, residence_address, work,
       monthly_income, blacklisted, banned_until, password_hash)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,coalesce($22,false),$23,$24)
     ON CONFLICT (passport_hash) DO UPDATE SET
       last_name = excluded.last_name, first_name = excluded.first_name, middle_name = excluded.middle_name,
       birth_date = excluded.birth_date, birth_place = coalesce(excluded.birth_place, c.birth_place),
       sex = coalesce(excluded.sex, c.sex), phone = excluded.phone, email = coalesce(excluded.email, c.email),
       passport_issue_date = coalesce(excluded.passport_issue_date, c.passport_issue_date),
       passport_issuer = coalesce(excluded.passport_issuer, c.passport_issuer),
       passport_division_code = coalesce(excluded.passport_division_code, c.passport_division_code),
       inn_enc = coalesce(excluded.inn_enc, c.inn_enc), inn_hash = coalesce(excluded.inn_hash, c.inn_hash),
       snils_enc = coalesce(excluded.snils_enc, c.snils_enc), snils_hash = coalesce(excluded.snils_hash, c.snils_hash),
       registration_address = c.registration_address || excluded.registration_address,
       residence_address = c.residence_address || excluded.residence_address,
       work = c.work || excluded.work,
       monthly_income = coalesce(excluded.monthly_income, c.monthly_income),
       blacklisted = coalesce($22, c.blacklisted),
       banned_until = coalesce(excluded.banned_until, c.banned_until),
       password_hash = coalesce(excluded.password_hash, c.password_hash),
       updated_at = now()
     RETURNING ${COLUMNS}, (xmax = 0) AS created`,
    [
      input.lastName.trim(),
      input.firstName.trim(),
      input.middleName?.trim() || null,
      input.birthDate,
      input.birthPlace ?? null,
      input.sex ?? null,
      input.phone.replace(/[\s()-]/g, ''),
      input.email ?? null,
      cipher.encrypt(passport),
      cipher.lookupHash(passport),
      input.passportIssueDate ?? null,
      input.passportIssuer ?? null,
      input.passportDivisionCode ?? null,
      input.inn ? cipher.encrypt(input.inn) : null,
      input.inn ? cipher.lookupHash(input.inn) : null,
      input.snils ? cipher.encrypt(input.snils) : null,
      input.snils ? cipher.lookupHash(input.snils) : null,
      JSON.stringify(input.registrationAddress ?? {}),
      JSON.stringify(input.residenceAddress ?? {}),
      JSON.stringify(input.work ?? {}),
      input.monthlyIncome ?? null,
      input.blacklisted ?? null,
      input.bannedUntil ?? null,
      passwordHash,
    ],
  );
  const row = rows[0]!;
  await audit(db, {
    actor,
    action: row.created ? 'lending.client.create' : 'lending.client.update',
    subjectType: 'lending.client',
    subjectId: String(row.id),
  });
  return { client: toClient(row, cipher), created: row.created };
}

export async function getClient(db: Queryable, cipher: FieldCipher, id: bigint): Promise<Client> {
  const { rows } = await db.query<ClientRow>(`SELECT ${COLUMNS} FROM lending.clients WHERE id = $1`, [id]);
  if (!rows[0]) throw new AppError('not_found', 'lending.client_not_found', 'клиент не найден');
  return toClient(rows[0], cipher);
}

/** The client with this passport (series and number, spaces ignored), by its keyed hash. */
export async function findClientByPassport(
  db: Queryable,
  cipher: FieldCipher,
  passport: string,
): Promise<Client | undefined> {
  const { rows } = await db.query<ClientRow>(
    `SELECT ${COLUMNS} FROM lending.clients WHERE passport_hash = $1`,
    [cipher.lookupHash(normalisePassport(passport))],
  );
  return rows[0] && toClient(rows[0], cipher);
}

/** Blacklist flag and ban on applications, set by staff with a reason. */
export async function setClientRestrictions(
  db: Queryable,
  id: bigint,
  change: { blacklisted?: boolean; bannedUntil?: string | null },
  reason: string,
  actor: Actor,
): Promise<void> {
  if (change.bannedUntil && !isBusinessDate(change.bannedUntil))
    throw new AppError(
      'validation',
      'lending.client_invalid',
      'дата запрета должна быть в формате ГГГГ-ММ-ДД',
    );
  const { rowCount } = await db.query(
    `UPDATE lending.clients SET
       blacklisted = coalesce($2, blacklisted),
       banned_until = CASE WHEN $3::boolean THEN $4::date ELSE banned_until END,
       updated_at = now()
     WHERE id = $1`,
    [id, change.blacklisted ?? null, change.bannedUntil !== undefined, change.bannedUntil ?? null],
  );
  if (rowCount !== 1) throw new AppError('not_found', 'lending.client_not_found', 'клиент не найден');
  await audit(db, {
    actor,
    action: 'lending.client.restrictions',
    subjectType: 'lending.client',
    subjectId: String(id),
    details: { ...change, reason },
  });
}

/**
 * The client with this phone (the newest when several share it), for the site's cabinet login.
 * `phones` are the spellings to try (8…, 7…, +7…, 10 digits): the column keeps what was sent.
 */
export async function findClientByPhone(
  db: Queryable,
  cipher: FieldCipher,
  phones: string[],
): Promise<Client | undefined> {
  const { rows } = await db.query<ClientRow>(
    `SELECT ${COLUMNS} FROM lending.clients WHERE phone = ANY ($1::text[]) ORDER BY id DESC LIMIT 1`,
    [phones],
  );
  return rows[0] && toClient(rows[0], cipher);
}
