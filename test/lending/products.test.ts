import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { averagePskOn, capsOn, checkDealTerms } from '../../src/lending/caps.ts';
import { quarterStart, todayMoscow } from '../../src/lending/dates.ts';
import { loadAveragePsk, parseAveragesCsv } from '../../src/lending/products/averages.ts';
import {
  createProduct,
  getProduct,
  listProducts,
  type ProductInput,
  pickDefaultProduct,
  updateProduct,
} from '../../src/lending/products/repository.ts';
import { DEMO_PRODUCTS, lendingProductsSeeder } from '../../src/lending/products-demo.ts';
import { buildSchedule } from '../../src/lending/schedule.ts';
import type { Product } from '../../src/lending/types.ts';
import type { Actor } from '../../src/platform/audit.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { AppError } from '../../src/platform/errors.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';

const ACTOR: Actor = { type: 'staff', id: 'tester' };

function isError(kind: AppError['kind'], code: string) {
  return (e: unknown) => e instanceof AppError && e.kind === kind && e.code === code;
}

/** A 30-day single-payment product at the cap; tests vary one field at a time. */
function pdl(over: Partial<ProductInput> = {}): ProductInput {
  return {
    code: 'T_PDL',
    name: 'Тестовый займ',
    kind: 'single',
    period: null,
    minAmount: 100_000n,
    maxAmount: 3_000_000n,
    minTermDays: 5,
    maxTermDays: 30,
    dailyRate: '0.8',
    penaltyRateYear: '20',
    maxAmountNew: 1_500_000n,
    maxAmountRepeat: 3_000_000n,
    pskCategory: 'test_category',
    ...over,
  };
}

describe('lending caps (effective-dated rules seeded by the migration)', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase({ poolSize: 4 });
  });
  after(async () => {
    await db.close();
  });

  it('gives each date the rules in force on it', async () => {
    const { pool } = db.ctx;
    const before2023 = await capsOn(pool, '2023-06-30');
    assert.deepEqual(
      [before2023.maxDailyRate, before2023.maxPskPercent, before2023.overpaymentCapPercent],
      ['1', '365', 150],
    );
    const from2023 = await capsOn(pool, '2023-07-01');
    assert.deepEqual(
      [from2023.maxDailyRate, from2023.maxPskPercent, from2023.overpaymentCapPercent, from2023.effectiveFrom],
      ['0.8', '292', 130, '2023-07-01'],
    );
    assert.deepEqual([from2023.penaltyMaxYearPercent, from2023.penaltyAfterDailyPercent], ['20', '0.1']);
    assert.equal((await capsOn(pool, '2026-03-31')).overpaymentCapPercent, 130);
    assert.equal((await capsOn(pool, '2026-04-01')).overpaymentCapPercent, 100);
    const sept = await capsOn(pool, '2026-09-30');
    assert.deepEqual([sept.maxHighPskLoans, sept.highPskThreshold], [null, null]);
    const oct = await capsOn(pool, '2026-10-01');
    assert.deepEqual(
      [oct.maxHighPskLoans, oct.highPskThreshold, oct.effectiveFrom],
      [2, '200', '2026-10-01'],
    );
    const apr2027 = await capsOn(pool, '2027-04-01');
    assert.deepEqual([apr2027.maxHighPskLoans, apr2027.highPskThreshold], [1, '100']);
    await assert.rejects(capsOn(pool, '2019-01-01'), isError('validation', 'lending.cap.none'));
  });

  it('refuses a deal that breaks a cap in force on its own date, and returns its ПСК otherwise', async () => {
    const { pool } = db.ctx;
    const product: Product = { ...pdl({ dailyRate: '0.9' }), id: 0n, active: true };
    const deal = (startDate: string) => ({
      product,
      amount: 1_000_000n,
      termDays: 30,
      startDate,
      schedule: buildSchedule({
        kind: 'single',
        period: null,
        amount: 1_000_000n,
        termDays: 30,
        dailyRate: '0.9',
        startDate,
      }),
    });
    // 0.9 % a day: under the 1 % cap of June 2023 (ПСК 0.27 × 365/30 = 328.5 % < 365 %) ...
    assert.deepEqual(await checkDealTerms(pool, deal('2023-06-30')), {
      percent: '328.500',
      amount: 270_000n,
    });
    // ... refused from 1 July 2023.
    await assert.rejects(
      checkDealTerms(pool, deal('2023-07-01')),
      isError('limit', 'lending.cap.daily_rate'),
    );
  });

  it('caps the ПСК at the Bank of Russia average plus a third once loaded', async () => {
    const { pool } = db.ctx;
    const product: Product = { ...pdl({ pskCategory: 'avg_test' }), id: 0n, active: true };
    const startDate = '2026-11-02';
    const schedule = buildSchedule({
      kind: 'single',
      period: null,
      amount: 1_000_000n,
      termDays: 30,
      dailyRate: '0.8',
      startDate,
    });
    const terms = { product, amount: 1_000_000n, termDays: 30, startDate, schedule };
    assert.equal(
      (await checkDealTerms(pool, terms)).percent,
      '292.000',
      'no average loaded: absolute cap only',
    );
    // Average 219 % -> limit 219 × 4/3 = 292 %: exactly at the limit passes.
    await withTx(pool, (tx) =>
      loadAveragePsk(
        tx,
        [{ category: 'avg_test', quarterStart: '2026-10-01', averagePercent: '219' }],
        ACTOR,
      ),
    );
    assert.equal((await checkDealTerms(pool, terms)).percent, '292.000');
    // Average 218.999 -> limit 291.998(6) %: 292.000 is above it.
    await withTx(pool, (tx) =>
      loadAveragePsk(
        tx,
        [{ category: 'avg_test', quarterStart: '2026-10-01', averagePercent: '218.999' }],
        ACTOR,
      ),
    );
    await assert.rejects(checkDealTerms(pool, terms), isError('limit', 'lending.cap.psk_average'));
    // The average of Q4 does not govern a deal signed in Q1.
    const q1Start = '2027-01-10';
    const q1 = {
      ...terms,
      startDate: q1Start,
      schedule: buildSchedule({
        kind: 'single',
        period: null,
        amount: 1_000_000n,
        termDays: 30,
        dailyRate: '0.8',
        startDate: q1Start,
      }),
    };
    assert.equal((await checkDealTerms(pool, q1)).percent, '292.000');
    assert.equal(await averagePskOn(pool, 'avg_test', '2026-12-31'), '218.999');
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM audit.log WHERE action = 'lending.average_psk.load'`,
    );
    assert.equal(rows[0]!.n, 2);
  });

  it('reads the operator CSV and refuses a bad file whole', () => {
    const rows = parseAveragesCsv(
      '\uFEFFcategory,quarter,average_psk\r\nmfo_up_to_30k_up_to_30d,2026-Q4,251.087\n# comment\nmfo_30k;2027Q1;"180,5"\n',
    );
    assert.deepEqual(rows, [
      { category: 'mfo_up_to_30k_up_to_30d', quarterStart: '2026-10-01', averagePercent: '251.087' },
      { category: 'mfo_30k', quarterStart: '2027-01-01', averagePercent: '180.5' },
    ]);
    assert.throws(
      () =>
        parseAveragesCsv(
          'category,quarter,average_psk\na,2026-Q5,100\nb,2026-11-01,100\nc,2026-Q4,abc\nd,2026-Q4,1.2345\n',
        ),
      (e: unknown) =>
        e instanceof AppError &&
        e.code === 'lending.averages_invalid' &&
        /строка 2/.test(e.message) &&
        /строка 3/.test(e.message) &&
        /строка 4/.test(e.message) &&
        /строка 5/.test(e.message),
    );
    assert.throws(() => parseAveragesCsv('a,2026-Q4,100\n'), AppError, 'header required');
    assert.throws(() => parseAveragesCsv(''), AppError);
  });
});

describe('lending products', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase({ poolSize: 4 });
  });
  after(async () => {
    await db.close();
  });

  it('creates, reads and audits a product', async () => {
    const { pool } = db.ctx;
    const p = await withTx(pool, (tx) =>
      createProduct(tx, pdl({ dailyRate: '0.80', name: '  Тестовый займ ' }), ACTOR),
    );
    assert.equal(p.code, 'T_PDL');
    assert.equal(p.dailyRate, '0.8');
    assert.equal(p.name, 'Тестовый займ');
    assert.equal(p.active, true);
    assert.deepEqual(await getProduct(pool, p.id), p);
    assert.deepEqual(await getProduct(pool, 'T_PDL'), p);
    await assert.rejects(getProduct(pool, 'NOPE'), isError('not_found', 'lending.product_not_found'));
    await assert.rejects(getProduct(pool, 999_999n), isError('not_found', 'lending.product_not_found'));
    await assert.rejects(
      withTx(pool, (tx) => createProduct(tx, pdl(), ACTOR)),
      isError('conflict', 'lending.product_exists'),
    );
    const { rows } = await pool.query(
      `SELECT actor_id, details->>'maxAmountNew' AS max_new FROM audit.log
        WHERE action = 'lending.product.create' AND subject_id = 'T_PDL'`,
    );
    assert.deepEqual(rows, [{ actor_id: 'tester', max_new: '1500000' }]);
  });

  it('refuses products that break the caps in force today, naming the cap', async () => {
    const { pool } = db.ctx;
    const refuse = (over: Partial<ProductInput>, code: string) =>
      assert.rejects(
        withTx(pool, (tx) => createProduct(tx, pdl({ code: 'T_BAD', ...over }), ACTOR)),
        isError('limit', code),
      );
    await refuse({ dailyRate: '0.81' }, 'lending.cap.daily_rate');
    await refuse({ penaltyRateYear: '20.5' }, 'lending.cap.penalty');
    // 0.5 % a day for 201 days: interest 100.5 % of the amount, above the 100 % cap (ПСК 182.5 % is fine).
    await refuse({ dailyRate: '0.5', maxTermDays: 201 }, 'lending.cap.overpayment');
    await refuse({ maxTermDays: 400 }, 'lending.cap.term_over_year');
    // A product whose category average makes its ПСК too high.
    await withTx(pool, (tx) =>
      loadAveragePsk(
        tx,
        [{ category: 'low_avg', quarterStart: quarterStart(todayMoscow()), averagePercent: '150' }],
        ACTOR,
      ),
    );
    await refuse({ pskCategory: 'low_avg' }, 'lending.cap.psk_average');
    assert.equal(
      (await listProducts(pool)).some((p) => p.code === 'T_BAD'),
      false,
      'nothing written',
    );
  });

  it('refuses inconsistent products as validation errors', async () => {
    const { pool } = db.ctx;
    const invalid = (over: Partial<ProductInput>) =>
      assert.rejects(
        withTx(pool, (tx) => createProduct(tx, pdl({ code: 'T_INV', ...over }), ACTOR)),
        isError('validation', 'lending.product_invalid'),
      );
    await invalid({ code: 'bad code' });
    await invalid({ maxAmount: 50_000n });
    await invalid({ maxAmountNew: 3_100_000n });
    await invalid({ kind: 'annuity', period: null });
    await invalid({ period: 'month' });
    await invalid({ kind: 'bnpl3', minTermDays: 30, maxTermDays: 30 });
    await invalid({ dailyRate: '0,8' });
    await invalid({ minTermDays: 0 });
  });

  it('updates a product within the caps and audits what changed', async () => {
    const { pool } = db.ctx;
    await withTx(pool, (tx) => createProduct(tx, pdl({ code: 'T_UPD' }), ACTOR));
    await assert.rejects(
      withTx(pool, (tx) => updateProduct(tx, 'T_UPD', { dailyRate: '0.9' }, ACTOR)),
      isError('limit', 'lending.cap.daily_rate'),
    );
    assert.equal((await getProduct(pool, 'T_UPD')).dailyRate, '0.8', 'refused change not written');
    const p = await withTx(pool, (tx) =>
      updateProduct(tx, 'T_UPD', { dailyRate: '0.7', maxAmountNew: 1_000_000n }, ACTOR),
    );
    assert.equal(p.dailyRate, '0.7');
    assert.equal(p.maxAmountNew, 1_000_000n);
    assert.equal(p.maxAmount, 3_000_000n, 'fields not in the patch kept');
    const off = await withTx(pool, (tx) => updateProduct(tx, 'T_UPD', { active: false }, ACTOR));
    assert.equal(off.active, false);
    await assert.rejects(
      withTx(pool, (tx) => updateProduct(tx, 'NOPE', { active: false }, ACTOR)),
      isError('not_found', 'lending.product_not_found'),
    );
    const { rows } = await pool.query(
      `SELECT details FROM audit.log WHERE action = 'lending.product.update' AND subject_id = 'T_UPD' ORDER BY id`,
    );
    assert.deepEqual(rows[0]!.details, {
      dailyRate: { from: '0.8', to: '0.7' },
      maxAmountNew: { from: '1500000', to: '1000000' },
    });
    assert.deepEqual(rows[1]!.details, { active: { from: true, to: false } });
  });

  it('seeds the demo range idempotently, and the demo products pass the caps', async () => {
    const { pool } = db.ctx;
    await withTx(pool, (tx) => lendingProductsSeeder.seed(tx, db.ctx));
    await withTx(pool, (tx) => updateProduct(tx, 'PDL30', { name: 'Изменено оператором' }, ACTOR));
    await withTx(pool, (tx) => lendingProductsSeeder.seed(tx, db.ctx));
    const demo = (await listProducts(pool)).filter((p) => DEMO_PRODUCTS.some((d) => d.code === p.code));
    assert.deepEqual(
      demo.map((p) => p.code),
      ['ANN6', 'BNPL3', 'PDL30'],
    );
    assert.equal(
      demo.find((p) => p.code === 'PDL30')!.name,
      'Изменено оператором',
      'seeding again changes nothing',
    );
  });

  it('lists active products and picks a default product whose ranges fit', async () => {
    const { pool } = db.ctx;
    const active = await listProducts(pool, { activeOnly: true });
    assert.equal(
      active.some((p) => p.code === 'T_UPD'),
      false,
    );
    assert.equal(
      (await listProducts(pool)).some((p) => p.code === 'T_UPD'),
      true,
    );
    // T_PDL (created first) and PDL30 both fit 10 000 ₽ for 30 days: the oldest wins.
    assert.equal((await pickDefaultProduct(pool, 1_000_000n, 30))?.code, 'T_PDL');
    await withTx(pool, (tx) => updateProduct(tx, 'T_PDL', { active: false }, ACTOR));
    assert.equal((await pickDefaultProduct(pool, 1_000_000n, 30))?.code, 'PDL30');
    assert.equal((await pickDefaultProduct(pool, 5_000_000n, 180))?.code, 'ANN6');
    assert.equal(await pickDefaultProduct(pool, 5_000_000n, 30), undefined);
    // 64 days fits only BNPL3, which is kept for checkout sessions.
    assert.equal(await pickDefaultProduct(pool, 1_000_000n, 64), undefined);
  });
});
