/**
 * The load generator, its own process: `load.ts <url> <seconds> <connections> <path>`. Each request
 * is a POS `create_form` of the demo shape with a fresh external_id. Prints autocannon's figures as JSON.
 */
import autocannon from 'autocannon';
import { printLoad } from '../lib/autocannon.ts';

const [url, seconds, connections, route] = process.argv.slice(2);
const template = JSON.stringify({
  partner_guid: 'bench-partner',
  point_code: 'bench-point',
  point_user_code: 'op',
  point_user_name: 'Оператор',
  external_id: '__ID__',
  items: [{ group: 'PHONES', category: 'MOBILE_PHONES', description: 'Смартфон', price: 5000000 }],
  initial_payment: 500000,
  amount: 5000000,
  term_value: 12,
  life_insurance: false,
  work_insurance: false,
  is_sms_notification_allowed: true,
  mobile_phone: '+79123456789',
  first_name: 'Иван',
  middle_name: 'Иванович',
  last_name: 'Иванов',
  birth_date: '1985-04-12',
  birth_place: 'Москва',
  passport_series: '4510',
  passport_number: '123456',
  passport_division_code: '770-001',
  passport_issue_date: '2010-05-20',
  passport_issued_by: 'ОВД',
  registration_address_string: 'г. Москва, ул. Тверская, д. 7',
  residence_address_string: 'г. Москва, ул. Тверская, д. 7',
  relation_persons: [{ type: 'WIFE', mobile_phone: '+79161234567' }],
  employment: 'EMPLOYEE',
  salary_income_amount: 12000000,
  email: 'ivanov@example.ru',
  employer_scope: 'RETAIL',
});
const run = `${process.pid}-${Date.now()}`;
let seq = 0;
const result = await autocannon({
  url: `${url}${route}`,
  method: 'POST',
  connections: Number(connections),
  duration: Number(seconds),
  headers: { 'content-type': 'application/json', authorization: 'Bearer bench-token' },
  requests: [
    { setupRequest: (request) => ({ ...request, body: template.replace('__ID__', `${run}-${++seq}`) }) },
  ],
});
printLoad(result);
