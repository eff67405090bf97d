/**
 * The load generator, its own process: `load.ts <url> <kind> <seconds> <connections> <token>` where
 * kind is `init` (a fresh order_id each, the document's full body with product, passports,
 * address and meta) or `bare`. Prints autocannon's figures as JSON.
 */
import autocannon from 'autocannon';
import { printLoad } from '../lib/autocannon.ts';

const [url, kind, seconds, connections, token] = process.argv.slice(2);
const run = `${process.pid}-${Date.now().toString(36)}`;
let seq = 0;
const dep = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 19);
const expires = new Date(Date.now() + 86_400_000).toISOString().slice(0, 19);

function body(): string {
  seq += 1;
  return JSON.stringify({
    phone: '79031232299',
    email: 'test@test.com',
    amount: 12000,
    success_callback_url: 'http://127.0.0.1:9/callbacks/success',
    failure_callback_url: 'http://127.0.0.1:9/callbacks/failure',
    redirect_url: 'http://yoursite.com/order/AB123-45',
    order_id: `bench-${run}-${seq}`,
    web_mode: 'iframe',
    expires_at: `${expires}+00:00`,
    product_type: 'airline_tickets',
    product: {
      cabin_type: 'economy',
      validating_airline: 'SU',
      segments: [
        {
          flights: [
            {
              aircraft: '737',
              departure_dt: `${dep}+03:00`,
              arrival_dt: `${dep.slice(0, 11)}23:59:00+03:00`,
              book_code: 'Y',
              orig: 'SVO',
              dest: 'VIE',
              flight_number: '606',
              marketing_ac: 'SU',
              operating_ac: 'SU',
            },
          ],
        },
      ],
      passengers: [
        {
          first_name: 'Ivan',
          last_name: 'Ivanov',
          document_type: 'international_passport',
          document_number: '349287349',
          birth_date: '1987-07-18',
        },
      ],
    },
    local_passport: {
      birth_date: '1987-07-18',
      issue_date: '2001-01-01',
      number: '4444333222',
      last_name: 'Иванов',
      first_name: 'Иван',
      middle_name: 'Александрович',
      sex: 'male',
      issuing_authority: 'ОВД Района Калитники',
      authority_code: '663402',
    },
    address: { city: 'Москва', street: 'ул. Китобойцев', building: '3', postcode: '111123' },
    meta: { client_orders_count: 14, client_login: true },
  });
}

const result = await autocannon({
  url: `${url}${kind === 'bare' ? '/bare' : '/api/partners/payments/init'}`,
  method: 'POST',
  connections: Number(connections),
  duration: Number(seconds),
  headers: { 'content-type': 'application/json', authorization: token ?? '' },
  requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
});
printLoad(result);
