import { MoneyError, parseKopecks } from '../platform/money.ts';
import { BNPL_PASSPORT_THRESHOLD, PRODUCT_CATEGORIES, RELATION_TYPE, SCAN_TYPES } from './dictionaries.ts';
import { ADDRESS_FIELDS, type FieldSpec, FORM_FIELDS, type FormShape } from './form-fields.ts';
import { type DecodedScan, decodeScanContent } from './mime.ts';

/** One refused field: the path as the partner wrote it (`items[0].price`) and why, in Russian. */
export interface FieldError {
  field: string;
  reason: string;
}

/** A form that passed validation: normalised values (money as bigint, phones as 7XXXXXXXXXX). */
export interface ValidForm {
  fields: Record<string, unknown>;
  scans: DecodedScan[];
  amount: bigint;
  initialPayment: bigint;
  termValue: number | undefined;
  phone: string;
}

export type Validation = { ok: true; form: ValidForm } | { ok: false; errors: FieldError[] };

function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

/**
 * Checks a `create_form` request for the point's product kind: every field's type and enum, the
 * nested objects, and the document's conditional requiredness. Collects every problem, so one
 * 2000 answer names them all.
 */
export function validateForm(
  body: Record<string, unknown>,
  kind: 'pos' | 'bnpl',
  offline: boolean,
  today = new Date(),
): Validation {
  const errors: FieldError[] = [];
  const fields: Record<string, unknown> = {};
  let amount: bigint | undefined;
  try {
    if (present(body.amount)) amount = parseKopecks(body.amount, { allowZero: false });
  } catch {
    // reported below with the field's own check
  }
  const shape: FormShape = {
    kind,
    offline,
    over: amount !== undefined && amount > BNPL_PASSPORT_THRESHOLD,
    has: (f) => present(body[f]),
  };
  let scans: DecodedScan[] = [];
  for (const spec of FORM_FIELDS) {
    const value = body[spec.name];
    if (!present(value)) {
      if (spec.required?.(shape)) errors.push({ field: spec.name, reason: requiredReason(spec, kind) });
      continue;
    }
    const checked = checkField(spec, value, kind, errors, today);
    if (checked === undefined) continue;
    if (spec.type.t === 'scans') scans = checked as DecodedScan[];
    else fields[spec.name] = checked;
  }
  if (amount !== undefined && present(body.initial_payment) && typeof fields.initial_payment === 'bigint') {
    if ((fields.initial_payment as bigint) >= amount)
      errors.push({
        field: 'initial_payment',
        reason: 'первоначальный взнос должен быть меньше суммы кредита',
      });
  }
  if (kind === 'pos' && offline && scans.length > 0) {
    const types = new Set(scans.map((s) => s.type));
    for (const need of ['PASSPORT_MAIN', 'PASSPORT_REGISTRATION', 'CLIENT_PHOTO'])
      if (!types.has(need)) errors.push({ field: 'scans', reason: `нет скана ${need}` });
  }
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    form: {
      fields,
      scans,
      amount: amount!,
      initialPayment: (fields.initial_payment as bigint | undefined) ?? 0n,
      termValue: fields.term_value as number | undefined,
      phone: fields.mobile_phone as string,
    },
  };
}

function requiredReason(spec: FieldSpec, kind: 'pos' | 'bnpl'): string {
  if (spec.name === 'scans') return 'обязательное поле для оформления POS в торговой точке (OFFLINE)';
  if (spec.name.endsWith('_address_string') || spec.name.endsWith('_address'))
    return kind === 'pos'
      ? 'обязательное поле: передайте адрес строкой или объектом Address'
      : 'обязательное поле для bnpl на сумму больше 40 000 рублей';
  if (kind === 'bnpl' && spec.name.startsWith('passport_'))
    return 'обязательное поле для bnpl на сумму больше 40 000 рублей';
  return `обязательное поле для ${kind}`;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isValidDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

/** `+7 (912) 345-67-89`, `89123456789`, `9123456789` -> `79123456789`; undefined if not a Russian mobile. */
export function normalisePhone(text: string): string | undefined {
  const digits = text.replace(/[\s()+-]/g, '');
  if (!/^\d+$/.test(digits)) return undefined;
  const ten = digits.length === 11 && /^[78]/.test(digits) ? digits.slice(1) : digits;
  return ten.length === 10 && ten.startsWith('9') ? `7${ten}` : undefined;
}

function checkField(
  spec: FieldSpec,
  value: unknown,
  kind: 'pos' | 'bnpl',
  errors: FieldError[],
  today: Date,
): unknown {
  const field = spec.name;
  const bad = (reason: string, path = field): undefined => {
    errors.push({ field: path, reason });
    return undefined;
  };
  const type = spec.type;
  switch (type.t) {
    case 'string': {
      if (typeof value !== 'string') return bad('неверный тип, ожидается строка');
      const text = value.trim();
      if (text.length > 1000) return bad('не длиннее 1000 символов');
      switch (type.format) {
        case 'phone':
          return normalisePhone(text) ?? bad('неверный формат мобильного телефона, ожидается +7XXXXXXXXXX');
        case 'email':
          return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text) ? text : bad('неверный адрес электронной почты');
        case 'passport_series':
          return /^\d{2}\s?\d{2}$/.test(text) ? text.replace(/\s/g, '') : bad('серия паспорта — 4 цифры');
        case 'passport_number':
          return /^\d{6}$/.test(text) ? text : bad('номер паспорта — 6 цифр');
        case 'division_code':
          return /^\d{3}-?\d{3}$/.test(text)
            ? `${text.replace('-', '').slice(0, 3)}-${text.replace('-', '').slice(3)}`
            : bad('код подразделения в формате 000-000');
        case 'snils':
          return /^\d{11}$/.test(text.replace(/[\s-]/g, ''))
            ? text.replace(/[\s-]/g, '')
            : bad('СНИЛС — 11 цифр');
        case 'inn':
          return /^(\d{10}|\d{12})$/.test(text) ? text : bad('ИНН — 10 или 12 цифр');
        case 'url':
          return /^https?:\/\/\S+$/.test(text) ? text : bad('ожидается URL http(s)://');
        default:
          return text;
      }
    }
    case 'int':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        return bad('неверный тип, ожидается целое неотрицательное число');
      if (field === 'term_value' && (value < 1 || value > 120)) return bad('срок от 1 до 120 месяцев');
      return value;
    case 'money':
      try {
        // Whole kopecks only: a JSON number, or (lossless JSON) the text of a long integer.
        if (typeof value !== 'number' && !(typeof value === 'string' && /^\d+$/.test(value)))
          return bad('неверный тип, ожидается целое число копеек');
        return parseKopecks(value, { allowZero: field !== 'amount' });
      } catch (error) {
        return bad(error instanceof MoneyError ? error.message : 'неверная сумма');
      }
    case 'bool':
      return typeof value === 'boolean' ? value : bad('неверный тип, ожидается true или false');
    case 'date': {
      if (typeof value !== 'string' || !isValidDate(value)) return bad('неверная дата, ожидается YYYY-MM-DD');
      if (field === 'birth_date') {
        const age = ageOn(value, today);
        if (age < 18) return bad('клиенту должно быть не меньше 18 лет');
        if (age > 100) return bad('неверная дата рождения');
      }
      return value;
    }
    case 'enum':
      if (typeof value !== 'string' || !type.values.includes(value))
        return bad(`допустимые значения: ${type.values.join(', ')}`);
      return value === 'М' ? 'M' : value;
    case 'address':
      return checkAddress(value, field, errors);
    case 'items':
      return checkItems(value, kind, errors);
    case 'relations':
      return checkRelations(value, errors);
    case 'scans':
      return checkScans(value, field, errors);
  }
}

function ageOn(birth: string, today: Date): number {
  const [y, m, d] = birth.split('-').map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - y;
  if (today.getUTCMonth() + 1 < m || (today.getUTCMonth() + 1 === m && today.getUTCDate() < d)) age--;
  return age;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkAddress(value: unknown, path: string, errors: FieldError[]): unknown {
  if (!isObject(value)) {
    errors.push({ field: path, reason: 'неверный тип, ожидается объект Address' });
    return undefined;
  }
  const before = errors.length;
  const out: Record<string, unknown> = {};
  for (const [name, type, required] of ADDRESS_FIELDS) {
    const v = value[name];
    if (!present(v)) {
      if (required) errors.push({ field: `${path}.${name}`, reason: 'обязательное поле не заполнено' });
      continue;
    }
    if (type === 'int' ? typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 : typeof v !== 'string')
      errors.push({
        field: `${path}.${name}`,
        reason: type === 'int' ? 'неверный тип, ожидается целое число' : 'неверный тип, ожидается строка',
      });
    else out[name] = v;
  }
  if (typeof out.postal_code === 'string' && !/^\d{6}$/.test(out.postal_code))
    errors.push({ field: `${path}.postal_code`, reason: 'почтовый индекс — 6 цифр' });
  return errors.length === before ? out : undefined;
}

function checkItems(value: unknown, kind: 'pos' | 'bnpl', errors: FieldError[]): unknown {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push({ field: 'items', reason: 'ожидается непустой массив объектов Item' });
    return undefined;
  }
  const before = errors.length;
  const items = value.map((item: unknown, i) => {
    const p = `items[${i}]`;
    if (!isObject(item)) {
      errors.push({ field: p, reason: 'неверный тип, ожидается объект Item' });
      return undefined;
    }
    const out: Record<string, unknown> = {};
    const group = item.group;
    if (!present(group)) errors.push({ field: `${p}.group`, reason: 'обязательное поле не заполнено' });
    else if (typeof group !== 'string' || !PRODUCT_CATEGORIES[group])
      errors.push({
        field: `${p}.group`,
        reason: `допустимые значения: ${Object.keys(PRODUCT_CATEGORIES).join(', ')}`,
      });
    else out.group = group;
    const category = item.category;
    if (!present(category)) errors.push({ field: `${p}.category`, reason: 'обязательное поле не заполнено' });
    else if (
      typeof category !== 'string' ||
      !Object.values(PRODUCT_CATEGORIES).some((c) => c.includes(category))
    )
      errors.push({ field: `${p}.category`, reason: 'неизвестная категория товара' });
    else if (typeof out.group === 'string' && !PRODUCT_CATEGORIES[out.group]!.includes(category))
      errors.push({
        field: `${p}.category`,
        reason: `категория ${category} не относится к группе ${out.group}`,
      });
    else out.category = category;
    for (const name of ['description', 'vendor_code', 'storage_unit', 'vat'] as const) {
      const v = item[name];
      const required = name === 'description' || (kind === 'bnpl' && name !== 'vat');
      if (!present(v)) {
        if (required)
          errors.push({
            field: `${p}.${name}`,
            reason: name === 'description' ? 'обязательное поле не заполнено' : 'обязательное поле для bnpl',
          });
      } else if (typeof v !== 'string')
        errors.push({ field: `${p}.${name}`, reason: 'неверный тип, ожидается строка' });
      else out[name] = v;
    }
    if (!present(item.price)) errors.push({ field: `${p}.price`, reason: 'обязательное поле не заполнено' });
    else {
      try {
        if (typeof item.price !== 'number' && !(typeof item.price === 'string' && /^\d+$/.test(item.price)))
          throw new MoneyError('format', 'неверный тип, ожидается целое число копеек');
        out.price = parseKopecks(item.price, { allowZero: false });
      } catch (error) {
        errors.push({ field: `${p}.price`, reason: (error as Error).message });
      }
    }
    return out;
  });
  return errors.length === before ? items : undefined;
}

function checkRelations(value: unknown, errors: FieldError[]): unknown {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push({ field: 'relation_persons', reason: 'ожидается непустой массив объектов RelationPerson' });
    return undefined;
  }
  const before = errors.length;
  const out = value.map((person: unknown, i) => {
    const p = `relation_persons[${i}]`;
    if (!isObject(person)) {
      errors.push({ field: p, reason: 'неверный тип, ожидается объект RelationPerson' });
      return undefined;
    }
    const r: Record<string, unknown> = {};
    if (!present(person.type)) errors.push({ field: `${p}.type`, reason: 'обязательное поле не заполнено' });
    else if (typeof person.type !== 'string' || !(RELATION_TYPE as readonly string[]).includes(person.type))
      errors.push({ field: `${p}.type`, reason: `допустимые значения: ${RELATION_TYPE.join(', ')}` });
    else r.type = person.type;
    for (const name of ['first_name', 'middle_name', 'last_name'] as const) {
      const v = person[name];
      if (present(v) && typeof v !== 'string')
        errors.push({ field: `${p}.${name}`, reason: 'неверный тип, ожидается строка' });
      else if (present(v)) r[name] = v;
    }
    if (!present(person.mobile_phone))
      errors.push({ field: `${p}.mobile_phone`, reason: 'обязательное поле не заполнено' });
    else {
      const phone = typeof person.mobile_phone === 'string' ? normalisePhone(person.mobile_phone) : undefined;
      if (!phone) errors.push({ field: `${p}.mobile_phone`, reason: 'неверный формат мобильного телефона' });
      else r.mobile_phone = phone;
    }
    return r;
  });
  return errors.length === before ? out : undefined;
}

/** Scan[] as in `create_form` and `save_scans`: type from the reference table, MIME checked by content. */
export function checkScans(value: unknown, path: string, errors: FieldError[]): DecodedScan[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    errors.push({ field: path, reason: 'ожидается непустой массив объектов Scan' });
    return undefined;
  }
  const before = errors.length;
  const seen = new Set<string>();
  const scans: DecodedScan[] = [];
  value.forEach((scan: unknown, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(scan)) {
      errors.push({ field: p, reason: 'неверный тип, ожидается объект Scan' });
      return;
    }
    let ok = true;
    if (!present(scan.type)) {
      errors.push({ field: `${p}.type`, reason: 'обязательное поле не заполнено' });
      ok = false;
    } else if (typeof scan.type !== 'string' || !(SCAN_TYPES as readonly string[]).includes(scan.type)) {
      errors.push({ field: `${p}.type`, reason: 'неизвестный тип скана (см. справочник типов сканов)' });
      ok = false;
    } else if (seen.has(scan.type)) {
      errors.push({ field: `${p}.type`, reason: `скан ${scan.type} передан дважды` });
      ok = false;
    } else seen.add(scan.type);
    for (const name of ['mime_type', 'base64'] as const) {
      if (!present(scan[name])) {
        errors.push({ field: `${p}.${name}`, reason: 'обязательное поле не заполнено' });
        ok = false;
      } else if (typeof scan[name] !== 'string') {
        errors.push({ field: `${p}.${name}`, reason: 'неверный тип, ожидается строка' });
        ok = false;
      }
    }
    if (!ok) return;
    const decoded = decodeScanContent(scan.mime_type as string, scan.base64 as string);
    if ('field' in decoded) errors.push({ field: `${p}.${decoded.field}`, reason: decoded.reason });
    else scans.push({ type: scan.type as string, mimeType: decoded.mimeType, content: decoded.content });
  });
  return errors.length === before ? scans : undefined;
}
