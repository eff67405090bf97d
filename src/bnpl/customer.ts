import type { ClientInput } from '../lending/clients/repository.ts';
import { isIsoDate } from '../lending/dates.ts';

/** The customer's data as the frame's form holds it (all strings, as typed). */
export interface CustomerForm {
  last_name: string;
  first_name: string;
  middle_name: string;
  birth_date: string;
  sex: string;
  passport_number: string;
  passport_issue_date: string;
  passport_issuer: string;
  passport_code: string;
  city: string;
  street: string;
  building: string;
  housing: string;
  apartment: string;
  postcode: string;
  phone: string;
  email: string;
}

export const CUSTOMER_FIELDS: (keyof CustomerForm)[] = [
  'last_name',
  'first_name',
  'middle_name',
  'birth_date',
  'sex',
  'passport_number',
  'passport_issue_date',
  'passport_issuer',
  'passport_code',
  'city',
  'street',
  'building',
  'housing',
  'apartment',
  'postcode',
  'phone',
  'email',
];

export const CONSENTS = {
  consent_terms: 'Я ознакомлен(а) с общими и индивидуальными условиями договора займа и принимаю их',
  consent_personal_data: 'Я согласен(на) на обработку персональных данных и запрос в бюро кредитных историй',
  consent_asp: 'Я согласен(на) подписать договор простой электронной подписью (кодом из СМС)',
} as const;

/** The form prefilled from init's `local_passport`, `address`, phone and e-mail. */
export function prefill(details: Record<string, unknown>): CustomerForm {
  const lp = (details.local_passport ?? {}) as Record<string, unknown>;
  const ad = (details.address ?? {}) as Record<string, unknown>;
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  const code = s(lp.authority_code).replace(/\D/g, '');
  return {
    last_name: s(lp.last_name),
    first_name: s(lp.first_name),
    middle_name: s(lp.middle_name),
    birth_date: s(lp.birth_date),
    sex: s(lp.sex),
    passport_number: s(lp.number),
    passport_issue_date: s(lp.issue_date),
    passport_issuer: s(lp.issuing_authority),
    passport_code: code.length === 6 ? `${code.slice(0, 3)}-${code.slice(3)}` : s(lp.authority_code),
    city: s(ad.city),
    street: s(ad.street),
    building: s(ad.building),
    housing: s(ad.housing),
    apartment: s(ad.apartment),
    postcode: s(ad.postcode),
    phone: s(details.phone),
    email: s(details.email),
  };
}

/** Reads the submitted form: the values, and a Russian message per invalid field. */
export function readCustomer(raw: Record<string, unknown>): {
  form: CustomerForm;
  errors: Record<string, string>;
} {
  const form = Object.fromEntries(
    CUSTOMER_FIELDS.map((f) => [
      f,
      typeof raw[f] === 'string' ? (raw[f] as string).trim().slice(0, 200) : '',
    ]),
  ) as unknown as CustomerForm;
  const errors: Record<string, string> = {};
  const need = (f: keyof CustomerForm, label: string) => {
    if (!form[f]) errors[f] = `${label}: обязательное поле`;
  };
  need('last_name', 'Фамилия');
  need('first_name', 'Имя');
  need('passport_issuer', 'Кем выдан');
  need('city', 'Город');
  need('street', 'Улица');
  need('building', 'Дом');
  if (!isIsoDate(form.birth_date)) errors.birth_date = 'Дата рождения: укажите дату';
  if (!isIsoDate(form.passport_issue_date)) errors.passport_issue_date = 'Дата выдачи: укажите дату';
  if (form.sex !== 'male' && form.sex !== 'female') errors.sex = 'Пол: выберите';
  if (!/^\d{10}$/.test(form.passport_number.replace(/\s/g, '')))
    errors.passport_number = 'Серия и номер паспорта: 10 цифр';
  if (!/^\d{3}-?\d{3}$/.test(form.passport_code))
    errors.passport_code = 'Код подразделения: 6 цифр (000-000)';
  if (!/^\d{6}$/.test(form.postcode)) errors.postcode = 'Индекс: 6 цифр';
  if (!/^7\d{10}$/.test(form.phone.replace(/\D/g, ''))) errors.phone = 'Телефон: 11 цифр, начиная с 7';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.email)) errors.email = 'E-mail: неверный адрес';
  for (const name of Object.keys(CONSENTS))
    if (raw[name] !== 'on' && raw[name] !== 'true' && raw[name] !== true)
      errors[name] = 'Нужно ваше согласие';
  return { form, errors };
}

export function toClientInput(f: CustomerForm): ClientInput {
  const digits = f.phone.replace(/\D/g, '');
  return {
    lastName: f.last_name,
    firstName: f.first_name,
    middleName: f.middle_name || null,
    birthDate: f.birth_date,
    sex: f.sex === 'female' ? 'female' : 'male',
    phone: digits,
    email: f.email,
    passport: f.passport_number.replace(/\s/g, ''),
    passportIssueDate: f.passport_issue_date,
    passportIssuer: f.passport_issuer,
    passportDivisionCode: f.passport_code.includes('-')
      ? f.passport_code
      : `${f.passport_code.slice(0, 3)}-${f.passport_code.slice(3)}`,
    registrationAddress: {
      city: f.city,
      street: f.street,
      house: f.building,
      ...(f.housing ? { building: f.housing } : {}),
      ...(f.apartment ? { apartment: f.apartment } : {}),
      text: [
        f.postcode,
        f.city,
        f.street,
        `д. ${f.building}`,
        f.housing && `стр. ${f.housing}`,
        f.apartment && `кв. ${f.apartment}`,
      ]
        .filter(Boolean)
        .join(', '),
    },
  };
}
