import { setAcquiringGateway } from '../../src/bnpl/acquiring/gateway.ts';
import { HttpAcquiringGateway } from '../../src/bnpl/acquiring/http-gateway.ts';
import {
  type AcquiringSimulator,
  startAcquiringSimulator,
} from '../../src/bnpl/acquiring-simulator/simulator.ts';
import { bnplDemoSeeder, DEMO_MERCHANT_TOKEN } from '../../src/bnpl/demo.ts';
import { moneywallFace } from '../../src/faces/moneywall/face.ts';
import { moneywallFrameFace } from '../../src/faces/moneywall/frame-face.ts';
import { lendingProductsSeeder } from '../../src/lending/products-demo.ts';
import { latestSmsText } from '../../src/notify/outbox.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';

export const TOKEN = DEMO_MERCHANT_TOKEN;

export interface Harness {
  db: TestDatabase;
  app: FaceApp;
  sim: AcquiringSimulator;
  close(): Promise<void>;
}

export async function harness(): Promise<Harness> {
  const db = await testDatabase({ poolSize: 20 });
  await withTx(db.ctx.pool, async (tx) => {
    await lendingProductsSeeder.seed(tx, db.ctx);
    await bnplDemoSeeder.seed(tx, db.ctx);
  });
  const sim = await startAcquiringSimulator();
  setAcquiringGateway(new HttpAcquiringGateway(sim.url));
  const app = await buildServer(db.ctx, [moneywallFace, moneywallFrameFace]);
  return {
    db,
    app,
    sim,
    async close() {
      await app.close();
      await sim.close();
      setAcquiringGateway(undefined);
      await db.close();
    },
  };
}

const iso = (d: Date) => `${d.toISOString().slice(0, 19)}+00:00`;

/** A full init body (every object of the document), departure `departDays` from now. */
export function initBody(orderId: string, over: Record<string, unknown> = {}, departDays = 90) {
  const dep = new Date(Date.now() + departDays * 86_400_000);
  return {
    phone: '79031232299',
    email: 'test@test.com',
    amount: 12000,
    success_callback_url: 'http://127.0.0.1:9/callbacks/success',
    failure_callback_url: 'http://127.0.0.1:9/callbacks/failure',
    redirect_url: 'http://yoursite.com/order/AB123-45',
    order_id: orderId,
    web_mode: 'iframe',
    original_provider_order_id: 'AB123-45',
    expires_at: iso(new Date(Date.now() + 3_600_000)),
    product_type: 'airline_tickets',
    product: {
      cabin_type: 'economy',
      validating_airline: 'SU',
      segments: [
        {
          flights: [
            {
              aircraft: '737',
              departure_dt: iso(dep),
              arrival_dt: iso(new Date(dep.getTime() + 3 * 3_600_000)),
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
          middle_name: 'Aleksandrovich',
          last_name: 'Ivanon',
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
    address: {
      city: 'Москва',
      street: 'ул. Китобойцев',
      building: '3',
      housing: '1',
      apartment: '616',
      postcode: '111123',
    },
    international_passport: {
      country_code: 'RU',
      birth_date: '1987-07-18',
      expiration_date: '2030-01-01',
      number: '723902034',
      first_name: 'Ivan',
      last_name: 'Ivanov',
    },
    meta: { client_orders_count: 14, client_login: true, orders_count: 3, book_code: 'Y' },
    ...over,
  };
}

export async function init(app: FaceApp, body: unknown, token = TOKEN) {
  return app.inject({
    method: 'POST',
    url: '/api/partners/payments/init',
    headers: { authorization: token, 'content-type': 'application/json' },
    payload: JSON.stringify(body),
  });
}

export async function state(app: FaceApp, orderId: string): Promise<string> {
  const r = await app.inject({
    method: 'GET',
    url: `/api/partners/payments/state?order_id=${encodeURIComponent(orderId)}`,
    headers: { authorization: TOKEN },
  });
  return r.json().state;
}

export async function refundReq(app: FaceApp, orderId: string, amount: number | string) {
  return app.inject({
    method: 'POST',
    url: '/api/partners/payments/refund',
    headers: { authorization: TOKEN, 'content-type': 'application/json' },
    payload: JSON.stringify({ order_id: orderId, amount }),
  });
}

const CONSENTS = { consent_terms: 'on', consent_personal_data: 'on', consent_asp: 'on' };

function form(fields: Record<string, string>) {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  };
}

/**
 * The customer's journey over HTTP (the browser test drives the same pages in Chromium): the
 * prefilled form submitted with consents, the code from the SMS outbox, the card on the
 * acquirer's form. Returns the session's frame token.
 */
export async function payThroughFrame(
  h: Harness,
  orderId: string,
  opts: { card?: string; body?: Record<string, unknown>; departDays?: number } = {},
): Promise<{ token: string; sessionId: bigint }> {
  const r = await init(h.app, initBody(orderId, opts.body ?? {}, opts.departDays ?? 90));
  if (r.statusCode !== 200) throw new Error(`init ${r.statusCode}: ${r.body}`);
  const token = new URL(r.json().frame_url).pathname.split('/')[2]!;
  const sessionId = BigInt(r.json().id);
  const page = await h.app.inject({ method: 'GET', url: `/frame/${token}` });
  const values = Object.fromEntries(
    [...page.body.matchAll(/name="([a-z_]+)" type="[a-z]+" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
  );
  const customer = await h.app.inject({
    method: 'POST',
    url: `/frame/${token}/customer`,
    ...form({ ...values, sex: 'male', ...CONSENTS }),
  });
  if (customer.statusCode !== 303)
    throw new Error(`customer ${customer.statusCode}: ${customer.body.slice(0, 500)}`);
  const sms = await latestSmsText(h.db.ctx.pool, h.db.ctx, { module: 'bnpl', subjectId: sessionId });
  const code = /(\d{6})/.exec(sms ?? '')![1]!;
  const confirmed = await h.app.inject({ method: 'POST', url: `/frame/${token}/code`, ...form({ code }) });
  if (confirmed.statusCode !== 303) throw new Error(`code ${confirmed.statusCode}`);
  const pay = await h.app.inject({ method: 'POST', url: `/frame/${token}/pay` });
  if (pay.statusCode !== 303) throw new Error(`pay ${pay.statusCode}: ${pay.body.slice(0, 300)}`);
  const acquirerForm = pay.headers.location as string;
  const card = await fetch(acquirerForm, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ card_number: opts.card ?? '4111111111111111', expiry: '12/29', cvc: '123' }),
    redirect: 'manual',
  });
  const back = new URL(card.headers.get('location')!);
  await h.app.inject({ method: 'GET', url: back.pathname });
  return { token, sessionId };
}
