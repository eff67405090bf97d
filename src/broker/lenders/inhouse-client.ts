import type { Address, ClientInput } from '../../lending/clients/repository.ts';

/**
 * A broker form (after its route's mapping) as the loan engine's client: names, birth, phone,
 * passport, addresses, work and income. The broker has validated the form's formats already; a
 * field the engine needs and the form lacks (a BNPL form has no passport) is left out, and the
 * engine refuses it with its own message.
 */
export function clientFromForm(fields: Record<string, unknown>): ClientInput {
  const s = (name: string): string | undefined => {
    const v = fields[name];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const money = (name: string): bigint | undefined => {
    const v = fields[name];
    if (typeof v === 'bigint') return v;
    if ((typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^\d+$/.test(v)))
      return BigInt(v);
    return undefined;
  };
  const gender = s('gender');
  const income = (money('salary_income_amount') ?? 0n) + (money('other_income_amount') ?? 0n);
  const experience = fields.total_experience;
  const client: ClientInput = {
    lastName: s('last_name') ?? '',
    firstName: s('first_name') ?? '',
    middleName: s('middle_name') ?? null,
    birthDate: s('birth_date') ?? '',
    birthPlace: s('birth_place') ?? null,
    // The document prints the Cyrillic «М» for male; the broker accepts it too.
    sex: gender === 'F' ? 'female' : gender === 'M' || gender === 'М' ? 'male' : null,
    phone: (s('mobile_phone') ?? '').replace(/^\+/, ''),
    email: s('email') ?? null,
    passport: `${s('passport_series') ?? ''}${s('passport_number') ?? ''}`,
    passportIssueDate: s('passport_issue_date') ?? null,
    passportIssuer: s('passport_issued_by') ?? null,
    passportDivisionCode: s('passport_division_code') ?? null,
    inn: s('inn') ?? null,
    snils: s('snils') ?? null,
    registrationAddress: address(fields.registration_address, s('registration_address_string')),
    residenceAddress: address(fields.residence_address, s('residence_address_string')),
    work: {
      ...(s('employer_official_name') ? { name: s('employer_official_name') } : {}),
      ...(s('work_phone') ? { phone: s('work_phone') } : {}),
      ...(typeof experience === 'number' ? { experienceMonths: experience } : {}),
    },
    monthlyIncome: income > 0n ? income : null,
  };
  return client;
}

/** The document's Address object or its one-line string, as the engine's address. */
function address(object: unknown, line: string | undefined): Address {
  if (object && typeof object === 'object' && !Array.isArray(object)) {
    const a = object as Record<string, unknown>;
    const part = (name: string, type: string) =>
      typeof a[name] === 'string' && a[name] !== ''
        ? [a[type], a[name]].filter((x) => typeof x === 'string' && x !== '').join(' ')
        : undefined;
    const out: Address = {};
    const region = part('region_name', 'region_type');
    const city = part('city_name', 'city_type') ?? part('settlement_name', 'settlement_type');
    const street = part('street_name', 'street_type');
    if (region) out.region = region;
    if (city) out.city = city;
    if (street) out.street = street;
    if (typeof a.house === 'string') out.house = a.house;
    if (typeof a.building === 'string') out.building = a.building;
    if (typeof a.flat === 'string') out.apartment = a.flat;
    return out;
  }
  return line ? { text: line } : {};
}
