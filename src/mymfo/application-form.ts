import type { Address, ClientInput } from '../lending/clients/repository.ts';
import { isIsoDate } from '../lending/dates.ts';
import type { DealFileInput } from '../lending/deals/files.ts';
import { type Kopecks, parseRoubles } from '../platform/money.ts';

/** An application of `Request/` read from the site's JSON, or the list of what is wrong with it. */
export interface ApplicationForm {
  siteId: string | null;
  client: ClientInput;
  amount: Kopecks;
  /** `period`: the return date; or `interval`: the number of payments. */
  returnDate: string | null;
  payments: number | null;
  creditProduct: string | null;
  files: DealFileInput[];
  /** Everything else the site sent (car pledge, utm_*, flags), kept as sent; flags as booleans. */
  extra: Record<string, unknown>;
}

/** The document's required fields with their Russian names (its own table). */
export const REQUIRED: Record<string, string> = {
  amount: 'Сумма займа',
  last_name: 'Фамилия',
  first_name: 'Имя',
  middle_name: 'Отчество',
  phone: 'Телефон',
  birthday: 'Дата рождения',
  passport_series: 'Серия паспорта',
  passport_number: 'Номер паспорта',
};

const NAMES: Record<string, string> = {
  ...REQUIRED,
  period: 'Дата возврата',
  interval: 'Количество платежей',
  creditproduct: 'Кредитный продукт',
  email: 'Адрес эл. почты',
  inn_number: 'ИНН',
  id_sex: 'Пол',
  passport_date_of_issue: 'Дата выдачи паспорта',
  incoming: 'Доход',
  experience: 'Стаж',
  files: 'Файлы',
  match_addresses: 'Адреса совпадают',
};

const CLIENT_FIELDS = new Set([
  'ID',
  'last_name',
  'first_name',
  'middle_name',
  'phone',
  'birthday',
  'email',
  'amount',
  'period',
  'interval',
  'creditproduct',
  'inn_number',
  'id_sex',
  'passport_series',
  'passport_number',
  'passport_date_of_issue',
  'birthplace',
  'passport_org',
  'passport_code',
  'incoming',
  'work_name',
  'experience',
  'work_phone',
  'match_addresses',
  'files',
]);
const ADDRESS_PARTS = ['region', 'city', 'street', 'house', 'building', 'apartment'] as const;

/** Flags the site sends as "True", "true", 1, "1", true (and their negatives). */
export function readFlag(value: unknown): boolean | undefined {
  if (value === true || value === 1) return true;
  if (value === false || value === 0) return false;
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (['true', '1', 'да', 'yes'].includes(v)) return true;
    if (['false', '0', 'нет', 'no', ''].includes(v)) return false;
  }
  return undefined;
}

/** `2017-05-05`, `05.05.2017` -> `2017-05-05`; anything else undefined. */
export function readDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const v = value.trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+)?$/.exec(v);
  const ru = /^(\d{2})\.(\d{2})\.(\d{4})$/.exec(v);
  const date = iso ? `${iso[1]}-${iso[2]}-${iso[3]}` : ru ? `${ru[3]}-${ru[2]}-${ru[1]}` : undefined;
  return date && isIsoDate(date) ? date : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

const FLAG_PATTERN = /^(new|is|has|flag)|fromlk|agree|consent/i;

export type FormResult = { ok: true; form: ApplicationForm } | { ok: false; problems: string[] };

/**
 * Reads the site's `Request/` JSON: every field of the document, `registrarion_*` (its
 * spelling) and `registration_*`, car pledge, base64 `files`, `interval` instead of `period`.
 * Problems name each bad field with its Russian name.
 */
export function readApplicationForm(body: unknown): FormResult {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { ok: false, problems: ['тело запроса должно быть объектом JSON с полями анкеты'] };
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  const name = (field: string) => `${field} (${NAMES[field] ?? field})`;
  const missing = Object.keys(REQUIRED).filter((f) => text(b[f]) === undefined);
  if (text(b.period) === undefined && text(b.interval) === undefined) missing.splice(1, 0, 'period');
  if (missing.length)
    problems.push(
      `не заполнены обязательные поля: ${missing.map((f) => (f === 'period' ? 'period (Дата возврата) или interval (Количество платежей)' : name(f))).join(', ')}`,
    );
  const bad = (field: string, why: string) => problems.push(`${name(field)}: ${why}`);

  let amount = 0n;
  if (text(b.amount) !== undefined) {
    try {
      amount = parseRoubles(text(b.amount)!.replace(',', '.'), { allowZero: false });
    } catch {
      bad('amount', 'должна быть положительным числом рублей, например 15000');
    }
  }
  const birthday = text(b.birthday) !== undefined ? readDate(b.birthday) : undefined;
  if (text(b.birthday) !== undefined && !birthday) bad('birthday', 'дата в формате ГГГГ-ММ-ДД');
  let returnDate: string | null = null;
  if (text(b.period) !== undefined) {
    returnDate = readDate(b.period) ?? null;
    if (!returnDate) bad('period', 'дата возврата в формате ГГГГ-ММ-ДД');
  }
  let payments: number | null = null;
  if (text(b.interval) !== undefined) {
    const n = Number(text(b.interval));
    if (!Number.isInteger(n) || n < 1 || n > 120) bad('interval', 'целое число платежей от 1 до 120');
    else payments = n;
  }
  const phoneDigits = (text(b.phone) ?? '').replace(/[\s()+-]/g, '');
  if (text(b.phone) !== undefined && !/^\d{10,12}$/.test(phoneDigits)) bad('phone', '10–12 цифр');
  const series = (text(b.passport_series) ?? '').replace(/\s+/g, '');
  const number = (text(b.passport_number) ?? '').replace(/\s+/g, '');
  if (text(b.passport_series) !== undefined && !/^\d{4}$/.test(series)) bad('passport_series', '4 цифры');
  if (text(b.passport_number) !== undefined && !/^\d{6}$/.test(number)) bad('passport_number', '6 цифр');
  const issueDate =
    text(b.passport_date_of_issue) !== undefined ? readDate(b.passport_date_of_issue) : undefined;
  if (text(b.passport_date_of_issue) !== undefined && !issueDate)
    bad('passport_date_of_issue', 'дата в формате ГГГГ-ММ-ДД');
  const email = text(b.email);
  if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) bad('email', 'неверный адрес');
  const inn = text(b.inn_number)?.replace(/\s+/g, '');
  if (inn && !/^\d{10}(\d{2})?$/.test(inn)) bad('inn_number', '10 или 12 цифр');
  const sexText = text(b.id_sex)?.toLowerCase();
  const sex = sexText
    ? /^(м|муж|мужской|male|m)$/.test(sexText)
      ? 'male'
      : /^(ж|жен|женский|female|f)$/.test(sexText)
        ? 'female'
        : undefined
    : undefined;
  if (sexText && !sex) bad('id_sex', '«Мужской» или «Женский»');
  let income: Kopecks | null = null;
  if (text(b.incoming) !== undefined) {
    try {
      income = parseRoubles(text(b.incoming)!.replace(',', '.'));
    } catch {
      bad('incoming', 'число рублей');
    }
  }
  let experience: number | undefined;
  if (text(b.experience) !== undefined) {
    const n = Number(text(b.experience));
    if (!Number.isInteger(n) || n < 0) bad('experience', 'целое число месяцев');
    else experience = n;
  }
  const match = text(b.match_addresses) !== undefined ? readFlag(b.match_addresses) : false;
  if (match === undefined) bad('match_addresses', '0 или 1');

  const files: DealFileInput[] = [];
  if (b.files !== undefined) {
    if (!Array.isArray(b.files)) bad('files', 'массив объектов {filename, bitmap}');
    else
      b.files.forEach((f, i) => {
        const file = f as Record<string, unknown> | null;
        const filename = text(file?.filename);
        const bitmap = typeof file?.bitmap === 'string' ? file.bitmap.replace(/\s+/g, '') : '';
        if (!filename || !bitmap || !/^[A-Za-z0-9+/]*={0,2}$/.test(bitmap) || bitmap.length % 4 !== 0)
          bad('files', `файл ${i + 1}: нужны filename и bitmap в base64`);
        else files.push({ kind: fileKind(filename), filename, content: Buffer.from(bitmap, 'base64') });
      });
  }
  if (problems.length) return { ok: false, problems };

  const address = (prefixes: string[]): Address => {
    const a: Address = {};
    for (const part of ADDRESS_PARTS)
      for (const prefix of prefixes) {
        const v = text(b[`${prefix}_${part}`]);
        if (v !== undefined) {
          a[part] = v;
          break;
        }
      }
    return a;
  };
  const residence = address(['residential']);
  const registration = match ? residence : address(['registration', 'registrarion']);
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(b)) {
    if (CLIENT_FIELDS.has(key) || /^(residential|registration|registrarion)_/.test(key)) continue;
    const flag = FLAG_PATTERN.test(key) ? readFlag(value) : undefined;
    extra[key] = flag ?? value;
  }
  if (match) extra.match_addresses = true;
  const work: ClientInput['work'] = {};
  if (text(b.work_name)) work.name = text(b.work_name)!;
  if (text(b.work_phone)) work.phone = text(b.work_phone)!;
  if (experience !== undefined) work.experienceMonths = experience;
  return {
    ok: true,
    form: {
      siteId: text(b.ID) ?? null,
      client: {
        lastName: text(b.last_name)!,
        firstName: text(b.first_name)!,
        middleName: text(b.middle_name)!,
        birthDate: birthday!,
        birthPlace: text(b.birthplace) ?? null,
        sex: sex ?? null,
        phone: phoneDigits,
        email: email ?? null,
        passport: `${series}${number}`,
        passportIssueDate: issueDate ?? null,
        passportIssuer: text(b.passport_org) ?? null,
        passportDivisionCode: text(b.passport_code) ?? null,
        inn: inn ?? null,
        registrationAddress: registration,
        residenceAddress: residence,
        work,
        monthlyIncome: income,
      },
      amount,
      returnDate,
      payments,
      creditProduct: text(b.creditproduct) ?? null,
      files,
      extra,
    },
  };
}

function fileKind(filename: string): string {
  if (/паспорт|passport/i.test(filename)) return 'passport_page';
  if (/птс|стс|авто|car|pts|sts/i.test(filename)) return 'car_pledge';
  return 'other';
}
