import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setAcquiringGateway } from '../../src/bnpl/acquiring/gateway.ts';
import { HttpAcquiringGateway } from '../../src/bnpl/acquiring/http-gateway.ts';
import {
  type AcquiringSimulator,
  startAcquiringSimulator,
} from '../../src/bnpl/acquiring-simulator/simulator.ts';
import { brokerJobs } from '../../src/broker/jobs.ts';
import {
  type LenderSimulator,
  type SimulatorConfig,
  startLenderSimulator,
} from '../../src/broker/lender-simulator/simulator.ts';
import { setRoute, upsertLender, upsertPartner, upsertPoint } from '../../src/broker/partners.ts';
import type { FieldMapping } from '../../src/broker/routing.ts';
import { denimhubFace } from '../../src/faces/denimhub/face.ts';
import { moneywallFrameFace } from '../../src/faces/moneywall/frame-face.ts';
import { startWorker, type Worker } from '../../src/jobs/queue.ts';
import { lendingProductsSeeder } from '../../src/lending/products-demo.ts';
import { notifyJobs } from '../../src/notify/jobs.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';

/** A minimal valid JPEG / PNG header is enough for the content sniffer. */
export const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(64, 1)]).toString(
  'base64',
);
export const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(64, 2),
]).toString('base64');

export const OFFLINE_SCANS = ['PASSPORT_MAIN', 'PASSPORT_REGISTRATION', 'CLIENT_PHOTO'].map((type) => ({
  type,
  mime_type: 'image/jpeg',
  base64: JPEG,
}));

export const ADDRESS = {
  region_name: 'Москва',
  region_type: 'г',
  region_code: 77,
  street_name: 'Тверская',
  street_type: 'ул',
  street_code: 1234,
  house: '7',
  flat: '12',
  postal_code: '125009',
};

/** A POS form with every field the document requires for pos. */
export function posForm(partner: string, point: string, overrides: Record<string, unknown> = {}) {
  return {
    partner_guid: partner,
    point_code: point,
    point_user_code: 'op-1',
    point_user_name: 'Петрова Анна Сергеевна',
    external_id: randomUUID(),
    items: [{ group: 'PHONES', category: 'MOBILE_PHONES', description: 'Смартфон', price: 5_000_000 }],
    initial_payment: 500_000,
    amount: 5_000_000,
    term_value: 12,
    life_insurance: false,
    work_insurance: false,
    is_sms_notification_allowed: true,
    mobile_phone: '+7 912 345-67-89',
    first_name: 'Иван',
    middle_name: 'Иванович',
    last_name: 'Иванов',
    birth_date: '1985-04-12',
    birth_place: 'г. Москва',
    passport_series: '4510',
    passport_number: '123456',
    passport_division_code: '770-001',
    passport_issue_date: '2010-05-20',
    passport_issued_by: 'ОВД района Тверской г. Москвы',
    registration_address: ADDRESS,
    residence_address_string: 'г. Москва, ул. Тверская, д. 7, кв. 12',
    relation_persons: [{ type: 'WIFE', first_name: 'Мария', mobile_phone: '89161234567' }],
    employment: 'EMPLOYEE',
    salary_income_amount: 12_000_000,
    email: 'ivanov@example.ru',
    employer_scope: 'RETAIL',
    ...overrides,
  };
}

/** A BNPL form with only what bnpl requires (amount under 40 000 roubles). */
export function bnplForm(partner: string, point: string, overrides: Record<string, unknown> = {}) {
  return {
    partner_guid: partner,
    point_code: point,
    external_id: randomUUID(),
    items: [
      {
        group: 'HOME_APPLIANCES',
        category: 'KITCHEN_APPLIANCES',
        description: 'Кофеварка',
        price: 2_000_000,
        vendor_code: 'CM-100',
        storage_unit: 'шт',
      },
    ],
    amount: 2_000_000,
    mobile_phone: '79123456780',
    first_name: 'Ольга',
    middle_name: 'Петровна',
    last_name: 'Смирнова',
    birth_date: '1990-01-31',
    email: 'olga@example.ru',
    ...overrides,
  };
}

export const POS_PRODUCT = (code: string, payments: number, bp: number, rate: string) => ({
  code,
  name: `${code} ${payments} мес.`,
  kind: 'pos' as const,
  payments,
  rate,
  ratePerPeriodBp: bp,
});

export interface Reply {
  status: string;
  error_code?: number;
  error_message?: string;
  data: Record<string, unknown>;
}

export interface Harness {
  db: TestDatabase;
  app: FaceApp;
  sims: Record<string, LenderSimulator>;
  worker: Worker;
  /** The card acquirer of the in-house lender's payment page (Moneywall's), when routed for bnpl. */
  acquirer: AcquiringSimulator | undefined;
  call(method: string, body: Record<string, unknown>, token?: string): Promise<Reply>;
  waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms?: number): Promise<T>;
  /** get_contract's data once the contract is done (after confirm_offer). */
  contract(ref: Record<string, unknown>): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  lenders: {
    config: SimulatorConfig;
    kinds: ('pos' | 'bnpl')[];
    timeoutMs?: number;
    mapping?: FieldMapping;
  }[];
  deadlineMs?: number;
  /** A second partner sharing the same lenders, for the isolation tests. */
  second?: boolean;
  /**
   * Kopek's own MFO (`kopek-mfo`, the loan engine's demo products) routed for these kinds; for
   * bnpl also its payment page (Moneywall's frame) and the loopback card acquirer.
   */
  inhouse?: ('pos' | 'bnpl')[];
}

/** A database, the three kinds of points, simulated lenders on loopback, the job worker and the face. */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const db = await testDatabase();
  const sims: Record<string, LenderSimulator> = {};
  for (const l of options.lenders) sims[l.config.code] = await startLenderSimulator(l.config);
  await withTx(db.ctx.pool, async (tx) => {
    const mfo = options.inhouse?.length
      ? await lendingProductsSeeder
          .seed(tx, db.ctx)
          .then(() =>
            upsertLender(tx, db.ctx.cipher, { code: 'kopek-mfo', name: 'Копек МФО', adapter: 'inhouse' }),
          )
      : undefined;
    for (const [guid, token] of [
      ['p1', 'token-1'],
      ...(options.second ? [['p2', 'token-2']] : []),
    ] as const) {
      const partnerId = await upsertPartner(tx, {
        guid,
        name: `Партнёр ${guid}`,
        token,
        offerDeadlineMs: options.deadlineMs ?? 3000,
      });
      const users = [{ code: 'op-1', name: 'Петрова Анна Сергеевна' }];
      await upsertPoint(tx, { partnerId, code: 'offline', name: 'Магазин', kind: 'pos_offline', users });
      await upsertPoint(tx, {
        partnerId,
        code: 'online',
        name: 'Интернет-магазин',
        kind: 'pos_online',
        users,
      });
      await upsertPoint(tx, { partnerId, code: 'bnpl', name: 'Сплит', kind: 'bnpl' });
      for (const l of options.lenders) {
        const lenderId = await upsertLender(tx, db.ctx.cipher, {
          code: l.config.code,
          name: l.config.code,
          adapter: 'http',
          baseUrl: sims[l.config.code]!.url,
          secret: l.config.secret,
          timeoutMs: l.timeoutMs ?? 5000,
        });
        for (const kind of l.kinds)
          await setRoute(tx, { partnerId, kind, lenderId, mapping: l.mapping ?? {} });
      }
      if (mfo) for (const kind of options.inhouse!) await setRoute(tx, { partnerId, kind, lenderId: mfo });
    }
  });
  const acquirer = options.inhouse?.includes('bnpl') ? await startAcquiringSimulator() : undefined;
  if (acquirer) setAcquiringGateway(new HttpAcquiringGateway(acquirer.url));
  const worker = await startWorker({
    connectionString: db.url,
    concurrency: 8,
    log: db.ctx.log,
    jobs: [...brokerJobs(db.ctx), ...notifyJobs(db.ctx)],
  });
  const app = await buildServer(db.ctx, acquirer ? [denimhubFace, moneywallFrameFace] : [denimhubFace]);
  return {
    db,
    app,
    sims,
    worker,
    acquirer,
    async call(method, body, token = 'token-1') {
      const res = await app.inject({
        method: 'POST',
        url: `/dp/${method}`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        payload: JSON.stringify(body),
      });
      return res.json();
    },
    async waitFor(what, probe, ms = 30_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = await probe();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async contract(this: Harness, ref) {
      return this.waitFor('contract', async () => {
        const r = await this.call('get_contract', ref);
        assert.equal(r.status, 'success', r.error_message);
        return r.data.contract_status === 'done' ? r.data : undefined;
      });
    },
    async close(this: Harness) {
      await app.close();
      // The harness's current worker: a test may have replaced it.
      await this.worker.stop();
      await Promise.all(Object.values(sims).map((s) => s.close()));
      if (acquirer) {
        await acquirer.close();
        setAcquiringGateway(undefined);
      }
      await db.close();
    },
  };
}

/**
 * The client on the in-house lender's payment page (Moneywall's frame) over HTTP, as
 * test/bnpl drives it: the page, "pay", the card on the acquirer's form, back to the frame.
 * Returns the page the client sees at the end.
 */
export async function payOnFramePage(
  h: Harness,
  paymentUrl: string,
  card = '4111111111111111',
  /** false: the client closes the tab on the acquirer's page and never comes back to the frame. */
  comeBack = true,
) {
  const path = new URL(paymentUrl).pathname;
  const page = await h.app.inject({ method: 'GET', url: path });
  if (page.statusCode !== 200) throw new Error(`frame ${page.statusCode}: ${page.body.slice(0, 300)}`);
  const pay = await h.app.inject({ method: 'POST', url: `${path}/pay` });
  if (pay.statusCode !== 303) throw new Error(`pay ${pay.statusCode}: ${pay.body.slice(0, 300)}`);
  const acquirerForm = pay.headers.location as string;
  const paid = await fetch(acquirerForm, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ card_number: card, expiry: '12/29', cvc: '123' }),
    redirect: 'manual',
  });
  const back = new URL(paid.headers.get('location')!);
  if (comeBack) await h.app.inject({ method: 'GET', url: back.pathname });
  return { before: page.body, after: (await h.app.inject({ method: 'GET', url: path })).body, acquirerForm };
}
