import * as D from './dictionaries.ts';

/**
 * Every field of `create_form`, as the document lists it: its type and when it is required.
 * The validator walks this table, and the face builds its OpenAPI schema from it, so the two
 * never disagree.
 */
export type FieldType =
  | { t: 'string'; format?: 'phone' | 'email' | 'passport_series' | 'passport_number' | 'division_code' }
  | { t: 'string'; format: 'snils' | 'inn' | 'url' }
  | { t: 'int' }
  | { t: 'money' }
  | { t: 'bool' }
  | { t: 'date' }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'address' }
  | { t: 'items' }
  | { t: 'relations' }
  | { t: 'scans' };

/** Context a requiredness rule looks at. */
export interface FormShape {
  kind: 'pos' | 'bnpl';
  offline: boolean;
  /** Over 40 000 roubles (bnpl passport rule); false while the amount itself is bad. */
  over: boolean;
  has(field: string): boolean;
}

export type Rule = (s: FormShape) => boolean;

const both: Rule = () => true;
const pos: Rule = (s) => s.kind === 'pos';
const _bnpl: Rule = (s) => s.kind === 'bnpl';
const posOrBigBnpl: Rule = (s) => s.kind === 'pos' || s.over;
const offlinePos: Rule = (s) => s.kind === 'pos' && s.offline;
/** "+bnpl (over 40 000), +pos if the Address form is absent". */
const addressString =
  (other: string): Rule =>
  (s) =>
    (s.kind === 'bnpl' && s.over) || (s.kind === 'pos' && !s.has(other));
const addressObject =
  (other: string): Rule =>
  (s) =>
    s.kind === 'pos' && !s.has(other);

export interface FieldSpec {
  name: string;
  type: FieldType;
  required?: Rule;
  /** Russian description for the OpenAPI document. */
  title: string;
}

const str = (name: string, title: string, required?: Rule): FieldSpec => ({
  name,
  type: { t: 'string' },
  title,
  ...(required ? { required } : {}),
});
const en = (name: string, values: readonly string[], title: string, required?: Rule): FieldSpec => ({
  name,
  type: { t: 'enum', values },
  title,
  ...(required ? { required } : {}),
});
const of = (name: string, type: FieldType, title: string, required?: Rule): FieldSpec => ({
  name,
  type,
  title,
  ...(required ? { required } : {}),
});

export const FORM_FIELDS: readonly FieldSpec[] = [
  str('partner_guid', 'Уникальный идентификатор партнера', both),
  str('point_code', 'Уникальный идентификатор торговой точки', both),
  str('point_user_code', 'Уникальный идентификатор оператора торговой точки', pos),
  str('point_user_name', 'ФИО оператора торговой точки', pos),
  str('external_id', 'Уникальный идентификатор анкеты на стороне партнера', both),
  of('items', { t: 'items' }, 'Список товаров, приобретаемых в кредит', both),
  of('initial_payment', { t: 'money' }, 'Предпочтительная сумма первоначального взноса в копейках', pos),
  of('amount', { t: 'money' }, 'Запрашиваемая сумма кредита в копейках (общая стоимость товаров)', both),
  of('success_payment_redirect_url', { t: 'string', format: 'url' }, 'URL после успешной оплаты'),
  of('failed_payment_redirect_url', { t: 'string', format: 'url' }, 'URL после неуспешной оплаты'),
  of('term_value', { t: 'int' }, 'Запрашиваемый срок кредита в месяцах', pos),
  of('life_insurance', { t: 'bool' }, 'Признак оформления страховки жизни', pos),
  of('work_insurance', { t: 'bool' }, 'Признак оформления страховки от потери работы', pos),
  of('is_sms_notification_allowed', { t: 'bool' }, 'Согласие на получение СМС рассылки', pos),
  of('mobile_phone', { t: 'string', format: 'phone' }, 'Мобильный телефон клиента', both),
  str('first_name', 'Имя клиента', both),
  str('middle_name', 'Отчество клиента', both),
  str('last_name', 'Фамилия клиента', both),
  of('birth_date', { t: 'date' }, 'Дата рождения клиента, YYYY-MM-DD', both),
  str('birth_place', 'Место рождения клиента', pos),
  en('gender', D.GENDER_ACCEPTED, 'Пол клиента (M, F; принимается и кириллическая «М» из документа)'),
  of('passport_series', { t: 'string', format: 'passport_series' }, 'Серия паспорта', posOrBigBnpl),
  of('passport_number', { t: 'string', format: 'passport_number' }, 'Номер паспорта', posOrBigBnpl),
  of(
    'passport_division_code',
    { t: 'string', format: 'division_code' },
    'Код подразделения паспорта',
    posOrBigBnpl,
  ),
  of('passport_issue_date', { t: 'date' }, 'Дата выдачи паспорта', posOrBigBnpl),
  str('passport_issued_by', 'Кем выдан паспорт', pos),
  en('marital_status', D.MARITAL_STATUS, 'Семейное положение'),
  of('child_count', { t: 'int' }, 'Количество детей'),
  str(
    'registration_address_string',
    'Адрес регистрации одной строкой',
    addressString('registration_address'),
  ),
  of(
    'registration_address',
    { t: 'address' },
    'Адрес регистрации',
    addressObject('registration_address_string'),
  ),
  en('registration_address_housing_status', D.HOUSING_STATUS, 'Статус помещения по адресу регистрации'),
  of('registration_date', { t: 'date' }, 'Дата регистрации'),
  of('is_living_in_registration_address', { t: 'bool' }, 'Адрес проживания совпадает с адресом регистрации'),
  of('relation_persons', { t: 'relations' }, 'Контактные лица', pos),
  en('employment', D.EMPLOYMENT, 'Тип занятости', pos),
  of('salary_income_amount', { t: 'money' }, 'Ежемесячные зарплатные начисления в копейках', pos),
  of('scans', { t: 'scans' }, 'Сканы документов (обязательны для OFFLINE оформления POS)', offlinePos),
  str('credit_product_code', 'Код кредитного продукта в системе партнера'),
  str('previous_first_name', 'Предыдущее имя'),
  str('previous_middle_name', 'Предыдущее отчество'),
  str('previous_last_name', 'Предыдущая фамилия'),
  str('first_name_translit', 'Имя латиницей'),
  str('last_name_translit', 'Фамилия латиницей'),
  str('codeword', 'Кодовое слово'),
  en('education', D.EDUCATION, 'Образование'),
  of('dependants_count', { t: 'int' }, 'Количество иждивенцев'),
  of('marriage_date', { t: 'date' }, 'Дата регистрации брака'),
  str('residence_address_string', 'Адрес проживания одной строкой', addressString('residence_address')),
  of('residence_address', { t: 'address' }, 'Адрес проживания', addressObject('residence_address_string')),
  en('residence_address_housing_status', D.HOUSING_STATUS, 'Статус помещения по адресу проживания'),
  of('residence_date', { t: 'date' }, 'Дата начала проживания'),
  en('mobile_operator', D.MOBILE_OPERATOR, 'Оператор мобильной связи'),
  en('mobile_contract_type', D.MOBILE_CONTRACT_TYPE, 'Тип контракта с оператором'),
  str('home_phone', 'Домашний телефон'),
  str('registration_phone', 'Телефон по адресу регистрации'),
  of('email', { t: 'string', format: 'email' }, 'Адрес электронной почты', both),
  en('communication_type', D.COMMUNICATION_TYPE, 'Способ связи с клиентом'),
  of('total_experience', { t: 'int' }, 'Общий трудовой стаж в месяцах'),
  str('employment_position', 'Должность'),
  en('employment_position_type', D.EMPLOYMENT_POSITION_TYPE, 'Тип должности'),
  of('job_start_date', { t: 'date' }, 'Дата устройства на текущее место работы'),
  of('current_field_experience', { t: 'int' }, 'Стаж в текущей области в месяцах'),
  str('work_phone', 'Рабочий телефон'),
  str('additional_work_phone', 'Добавочный телефон'),
  of('pension_start_date', { t: 'date' }, 'Дата выхода на пенсию'),
  str('employer_official_name', 'Название организации-работодателя'),
  en('employer_scope', D.EMPLOYER_SCOPE, 'Сфера деятельности работодателя', pos),
  en('employer_company_status', D.EMPLOYER_COMPANY_STATUS, 'Статус компании работодателя'),
  of('employer_address', { t: 'address' }, 'Адрес компании работодателя'),
  of('spouse_income_amount', { t: 'money' }, 'Доход супруга/супруги в копейках'),
  of('spouse_birth_date', { t: 'date' }, 'Дата рождения супруга/супруги'),
  en('other_income_type', D.OTHER_INCOME_TYPE, 'Тип дополнительного дохода'),
  of('other_income_amount', { t: 'money' }, 'Прочие ежемесячные доходы в копейках'),
  of('total_month_expenses', { t: 'money' }, 'Ежемесячные расходы в копейках'),
  of('snils', { t: 'string', format: 'snils' }, 'СНИЛС'),
  of('inn', { t: 'string', format: 'inn' }, 'ИНН'),
  str('pension_certificate', 'Номер пенсионного удостоверения'),
  str('driver_license_series', 'Серия водительского удостоверения'),
  str('driver_license_number', 'Номер водительского удостоверения'),
  of('driver_license_issue_date', { t: 'date' }, 'Дата выдачи водительского удостоверения'),
  str('driver_license_issued_by', 'Кем выдано водительское удостоверение'),
  str('international_passport_series', 'Серия загранпаспорта'),
  str('international_passport_number', 'Номер загранпаспорта'),
  of('international_passport_issue_date', { t: 'date' }, 'Дата выдачи загранпаспорта'),
  str('international_passport_issued_by', 'Кем выдан загранпаспорт'),
  en('car_presence', D.CAR_PRESENCE, 'Наличие автомобиля'),
  of('car_manufacture_year', { t: 'int' }, 'Год выпуска автомобиля'),
  en('bank_card_presence', D.BANK_CARD_PRESENCE, 'Наличие банковских карт'),
  en('bank_card_type', D.BANK_CARD_TYPE, 'Тип карты'),
  en('card_issuing_bank', D.CARD_ISSUING_BANK, 'Банк-эмитент карты'),
  of('has_bank_account', { t: 'bool' }, 'Наличие счета в банке'),
  of('has_other_bank_deposit', { t: 'bool' }, 'Наличие депозита в другом банке'),
  of('is_flat_owner', { t: 'bool' }, 'Квартира в собственности'),
  of('is_garage_owner', { t: 'bool' }, 'Гараж в собственности'),
  of('is_dacha_owner', { t: 'bool' }, 'Дача в собственности'),
  of('is_house_owner', { t: 'bool' }, 'Дом в собственности'),
  of('is_land_owner', { t: 'bool' }, 'Земля в собственности'),
  str('other_realty', 'Другая собственность'),
  en('credit_count', D.CREDIT_COUNT, 'Сколько раз клиент брал кредиты'),
  en('previous_credit_type', D.PREVIOUS_CREDIT_TYPE, 'Тип предыдущего кредита'),
  of('other_credit_amount', { t: 'money' }, 'Сумма непогашенных кредитов в копейках'),
  en('credit_organization', D.CREDIT_ORGANIZATION, 'Организация, предоставившая кредит'),
  en('client_evaluation_group', D.CLIENT_EVALUATION_GROUP, 'Код группы персональной оценки клиента'),
  en('client_evaluation_level', D.CLIENT_EVALUATION_LEVEL, 'Код персональной оценки клиента'),
];

/** Fields of the Address object; `true` marks the required ones. */
export const ADDRESS_FIELDS: ReadonlyArray<[string, 'string' | 'int', boolean]> = [
  ['region_name', 'string', true],
  ['region_type', 'string', true],
  ['region_code', 'int', true],
  ['area_name', 'string', false],
  ['area_type', 'string', false],
  ['area_code', 'int', false],
  ['city_name', 'string', false],
  ['city_type', 'string', false],
  ['city_code', 'int', false],
  ['settlement_name', 'string', false],
  ['settlement_type', 'string', false],
  ['settlement_code', 'int', false],
  ['street_name', 'string', true],
  ['street_type', 'string', true],
  ['street_code', 'int', true],
  ['house', 'string', true],
  ['building', 'string', false],
  ['construction', 'string', false],
  ['flat', 'string', false],
  ['postal_code', 'string', false],
];
