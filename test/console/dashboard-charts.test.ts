import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminFace } from '../../src/faces/admin/face.ts';
import { addDays, todayMoscow } from '../../src/lending/dates.ts';
import { repay } from '../../src/lending/repayments/repay.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { periodDays } from '../../src/staff/console/chart-widgets.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
import {
  type Harness as BnplHarness,
  harness as bnplHarness,
  init as bnplInit,
  initBody,
} from '../bnpl/harness.ts';
import { bnplForm, type Harness, startHarness } from '../broker/harness.ts';
import { issuedLoan, STAFF, seedProducts } from '../lending/lending-fixtures.ts';
import { call, type ProcessingWorld, payBody, processingWorld, testAgent } from '../processing/helpers.ts';
import { type Signed, signIn } from './helpers.ts';

/**
 * The dashboard's period charts against data made through the modules' own services: loans
 * issued on different days, repayments, processing payments by two agents (and one refused
 * payment of a third), broker forms stopped at each stage of the funnel. Exact figures per day, agent and
 * stage; widgets hidden from roles without the module's permission.
 */
interface ChartWidget {
  id: string;
  kind: string;
  unit: string;
  categories: string[];
  series: { name: { ru: string }; values: string[] }[];
}

async function dashboard(app: FaceApp, who: Signed, days: number): Promise<Map<string, ChartWidget>> {
  const res = await app.inject({
    method: 'GET',
    url: `/admin/api/dashboard?days=${days}&refresh=1`,
    headers: who.headers,
  });
  assert.equal(res.statusCode, 200, res.body);
  const widgets = res.json().widgets as ChartWidget[];
  return new Map(widgets.map((w) => [w.id, w]));
}

/** A day chart's values as {day: value}, zero days left out. */
function nonZero(w: ChartWidget): Record<string, string> {
  const out: Record<string, string> = {};
  w.categories.forEach((day, i) => {
    const v = w.series[0]!.values[i]!;
    if (Number(v) !== 0) out[day] = v;
  });
  return out;
}

describe('dashboard charts: lending and processing', () => {
  let w: ProcessingWorld;
  let admin: FaceApp;
  let firstName = '';
  let secondName = '';
  const today = todayMoscow();

  before(async () => {
    w = await processingWorld();
    await withTx(w.ctx.pool, (tx) => staffSeeder.seed(tx, w.ctx));
    await seedProducts(w.ctx);
    const loan = (amount: bigint, date: string) =>
      issuedLoan(w.ctx, { product: 'PDL30', amount, termDays: 30, date });
    await loan(1_000_000n, today);
    await loan(500_000n, today);
    const older = await loan(700_000n, addDays(today, -2));
    await loan(900_000n, addDays(today, -10));
    // Outside a 7-day period, inside 30 days.
    await loan(300_000n, addDays(today, -20));
    const pay = (amount: bigint, date: string, txnId: string) =>
      withTx(w.ctx.pool, (tx) => repay(tx, { deal: older, amount, service: 'QIWI', txnId, date }, STAFF));
    await pay(100_000n, addDays(today, -1), 'dash-1');
    await pay(50_000n, today, 'dash-2');
    await pay(25_000n, today, 'dash-3');
    // Two agents paying through the processing face; a third whose only payment the provider
    // refused (result 300, final): refused payments are no turnover.
    const first = await testAgent(w.ctx);
    const second = await testAgent(w.ctx);
    const refused = await testAgent(w.ctx);
    for (const [agent, amount] of [
      [first, '200.00'],
      [second, '150.00'],
      [first, '300.00'],
    ] as const) {
      const r = await call(w.app, agent.token, 'pay', payBody({ amountTo: amount, amountFrom: amount }));
      assert.equal(r.json.result, 0, r.text);
    }
    const failed = await call(w.app, refused.token, 'pay', payBody({ account: '7000000300' }));
    assert.equal(failed.json.result, 300, failed.text);
    firstName = first.agent.name;
    secondName = second.agent.name;
    admin = await buildServer(w.ctx, [adminFace]);
  });

  after(async () => {
    await admin?.close();
    await w?.close();
  });

  it('draws issued volume and count and collections per day of the period', async () => {
    const who = await signIn(admin, 'admin');
    const week = await dashboard(admin, who, 7);
    const volume = week.get('lending.issued_volume_by_day')!;
    assert.deepEqual(volume.categories, periodDays(7, today));
    assert.equal(volume.categories.at(-1), today);
    assert.equal(volume.unit, 'RUB');
    assert.deepEqual(nonZero(volume), { [addDays(today, -2)]: '7000.00', [today]: '15000.00' });
    assert.deepEqual(nonZero(week.get('lending.issued_count_by_day')!), {
      [addDays(today, -2)]: '1',
      [today]: '2',
    });
    assert.deepEqual(nonZero(week.get('lending.collections_by_day')!), {
      [addDays(today, -1)]: '1000.00',
      [today]: '750.00',
    });
    const month = await dashboard(admin, who, 30);
    assert.equal(month.get('lending.issued_count_by_day')!.categories.length, 30);
    assert.deepEqual(nonZero(month.get('lending.issued_volume_by_day')!), {
      [addDays(today, -20)]: '3000.00',
      [addDays(today, -10)]: '9000.00',
      [addDays(today, -2)]: '7000.00',
      [today]: '15000.00',
    });
  });

  it('ranks agents by the turnover of their successful payments, in their currency', async () => {
    const who = await signIn(admin, 'admin');
    const widgets = await dashboard(admin, who, 30);
    const kzt = widgets.get('processing.turnover_by_agent.KZT')!;
    assert.equal(kzt.unit, 'KZT');
    assert.deepEqual(kzt.categories, [firstName, secondName]);
    assert.deepEqual(kzt.series[0]!.values, ['500.00', '150.00']);
    assert.ok(
      ![...widgets.keys()].some((id) => id.startsWith('processing.turnover') && !id.endsWith('.KZT')),
    );
  });

  it('shows each chart only to roles holding its module permission', async () => {
    // The collector reads lending but not processing.
    const collector = await dashboard(admin, await signIn(admin, 'collector'), 30);
    assert.ok(collector.has('lending.issued_volume_by_day'));
    assert.ok(collector.has('lending.collections_by_day'));
    assert.ok(![...collector.keys()].some((id) => id.startsWith('processing.turnover')));
    assert.ok(!collector.has('broker.funnel'));
    assert.ok(!collector.has('bnpl.sessions_by_state'));
    // The underwriter reads broker and BNPL but not processing.
    const underwriter = await dashboard(admin, await signIn(admin, 'underwriter'), 30);
    assert.ok(underwriter.has('broker.funnel'));
    assert.ok(underwriter.has('bnpl.sessions_by_state'));
    assert.ok(![...underwriter.keys()].some((id) => id.startsWith('processing.turnover')));
    const accountant = await dashboard(admin, await signIn(admin, 'accountant'), 30);
    assert.ok(accountant.has('processing.turnover_by_agent.KZT'));
    assert.ok(!accountant.has('broker.funnel'));
    // Unsigned: refused.
    const anonymous = await admin.inject({ method: 'GET', url: '/admin/api/dashboard?days=30' });
    assert.equal(anonymous.statusCode, 401);
  });

  it('keeps settled days in staff.dashboard_days and recomputes the last days on each refresh', async () => {
    const who = await signIn(admin, 'admin');
    const rows = await w.ctx.pool.query<{ day: string }>(
      `SELECT day::text FROM staff.dashboard_days WHERE chart = 'lending.issued' ORDER BY day`,
    );
    assert.equal(rows.rows.length, 30, 'one row per day of the largest period asked for');
    // A loan registered now for a settled day (10 days ago) and one for yesterday.
    await issuedLoan(w.ctx, { product: 'PDL30', amount: 200_000n, termDays: 30, date: addDays(today, -10) });
    await issuedLoan(w.ctx, { product: 'PDL30', amount: 400_000n, termDays: 30, date: addDays(today, -1) });
    const month = await dashboard(admin, who, 30);
    const volume = nonZero(month.get('lending.issued_volume_by_day')!);
    assert.equal(volume[addDays(today, -1)], '4000.00', 'yesterday is recomputed');
    assert.equal(volume[addDays(today, -10)], '9000.00', 'a settled day is read as stored');
    // Deleting a day's row has the next refresh recompute it.
    await w.ctx.pool.query(`DELETE FROM staff.dashboard_days WHERE chart = 'lending.issued' AND day = $1`, [
      addDays(today, -10),
    ]);
    const again = await dashboard(admin, who, 30);
    assert.equal(nonZero(again.get('lending.issued_volume_by_day')!)[addDays(today, -10)], '11000.00');
  });
});

describe('dashboard charts: broker funnel', () => {
  let h: Harness;
  let admin: FaceApp;

  before(async () => {
    h = await startHarness({
      deadlineMs: 1500,
      lenders: [
        {
          kinds: ['bnpl'],
          config: {
            code: 'split',
            secret: 's-split',
            delayMs: [5, 15],
            printForms: 'template',
            declineAbove: 2_500_000n,
            products: [
              { code: 'b4', name: 'Сплит', kind: 'bnpl', payments: 4, rate: '0', ratePerPeriodBp: 0 },
            ],
          },
        },
      ],
    });
    await withTx(h.db.ctx.pool, (tx) => staffSeeder.seed(tx, h.db.ctx));
    admin = await buildServer(h.db.ctx, [adminFace]);
  });

  after(async () => {
    await admin?.close();
    await h?.close();
  });

  async function form(body: Record<string, unknown>) {
    const created = await h.call('create_form', body);
    assert.equal(created.status, 'success', created.error_message);
    const formGuid = created.data.form_guid as string;
    const offers = await h.waitFor('offers', async () => {
      const r = await h.call('get_offers', { partner_guid: 'p1', form_guid: formGuid });
      return r.data.offer_status === 'pending' ? undefined : ((r.data.offers ?? []) as { guid: string }[]);
    });
    return { formGuid, offers };
  }

  /** Chooses the offer and pays the first instalment on the lender's page: the contract is signed. */
  async function sign(formGuid: string, offerGuid: string) {
    const ref = { partner_guid: 'p1', form_guid: formGuid, offer_guid: offerGuid };
    assert.equal((await h.call('confirm_offer', ref)).status, 'success');
    await h.waitFor('contract', async () =>
      (await h.call('get_contract', ref)).data.contract_status === 'done' ? true : undefined,
    );
    const paymentUrl = (await h.call('get_signing_status', ref)).data.payment_url as string;
    assert.equal((await fetch(paymentUrl, { method: 'POST' })).status, 200);
    await h.waitFor('signed', async () =>
      (await h.call('get_signing_status', ref)).data.signing_status === 'SIGNED' ? true : undefined,
    );
    return ref;
  }

  it('counts forms, forms with offers, signed and issued of the period', async () => {
    const big = 3_000_000;
    const declined = await form(
      bnplForm('p1', 'bnpl', {
        amount: big,
        items: [
          {
            group: 'HOME_APPLIANCES',
            category: 'KITCHEN_APPLIANCES',
            description: 'Кофемашина',
            price: big,
            vendor_code: 'CM-300',
            storage_unit: 'шт',
          },
        ],
      }),
    );
    assert.equal(declined.offers.length, 0, 'declined above the lender limit');
    const offered = await form(bnplForm('p1', 'bnpl'));
    assert.equal(offered.offers.length, 1);
    const signed = await form(bnplForm('p1', 'bnpl'));
    await sign(signed.formGuid, signed.offers[0]!.guid);
    const issued = await form(bnplForm('p1', 'bnpl'));
    const ref = await sign(issued.formGuid, issued.offers[0]!.guid);
    assert.equal((await h.call('confirm_contract', ref)).status, 'success');
    await h.waitFor('issue', async () =>
      (await h.call('get_issue_status', ref)).data.issue_status === 'done' ? true : undefined,
    );
    // A form of 40 days ago (moved back in time) lies outside a 30-day period, inside 90 days.
    const old = await form(bnplForm('p1', 'bnpl'));
    await h.db.ctx.pool.query(
      `UPDATE broker.forms SET created_at = created_at - interval '40 days' WHERE guid = $1`,
      [old.formGuid],
    );

    const who = await signIn(admin, 'underwriter');
    const month = await dashboard(admin, who, 30);
    const funnel = month.get('broker.funnel')!;
    assert.deepEqual(funnel.categories, ['Анкеты', 'С предложениями', 'Подписаны', 'Выданы']);
    assert.deepEqual(funnel.series[0]!.values, ['4', '3', '2', '1']);
    const quarter = await dashboard(admin, who, 90);
    assert.deepEqual(quarter.get('broker.funnel')!.series[0]!.values, ['5', '4', '2', '1']);
    // Support has no processing-only view but does read the broker.
    assert.ok((await dashboard(admin, await signIn(admin, 'support'), 30)).has('broker.funnel'));
  });
});

describe('dashboard charts: BNPL checkouts by state', () => {
  let b: BnplHarness;
  let admin: FaceApp;

  before(async () => {
    b = await bnplHarness();
    await withTx(b.db.ctx.pool, (tx) => staffSeeder.seed(tx, b.db.ctx));
    admin = await buildServer(b.db.ctx, [adminFace]);
  });

  after(async () => {
    await admin?.close();
    await b?.close();
  });

  it('sums the checkouts started in the period by their state', async () => {
    for (const [orderId, amount] of [
      ['dash-bnpl-1', 12000],
      ['dash-bnpl-2', 8000],
    ] as const) {
      const r = await bnplInit(b.app, initBody(orderId, { amount }));
      assert.equal(r.statusCode, 200, r.body);
    }
    const widgets = await dashboard(admin, await signIn(admin, 'accountant'), 30);
    const bnpl = widgets.get('bnpl.sessions_by_state')!;
    assert.deepEqual(bnpl.categories, ['processing']);
    assert.deepEqual(bnpl.series[0]!.values, ['20000.00']);
    assert.ok(!(await dashboard(admin, await signIn(admin, 'collector'), 30)).has('bnpl.sessions_by_state'));
  });
});
