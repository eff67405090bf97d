import { type Actor, audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { averagePskOn, capsOn, capViolations } from '../caps.ts';
import { todayMoscow } from '../dates.ts';
import { buildSchedule } from '../schedule.ts';
import type { InstalmentPeriod, Product, ScheduleKind } from '../types.ts';
import { normalizeRate } from './rates.ts';
import { validateProduct } from './validate.ts';

/** A product as an operator describes it: everything but the id, active unless said otherwise. */
export type ProductInput = Omit<Product, 'id' | 'active'> & { active?: boolean };

interface ProductRow {
  id: bigint;
  code: string;
  name: string;
  kind: ScheduleKind;
  period: InstalmentPeriod | null;
  min_amount: bigint;
  max_amount: bigint;
  min_term_days: number;
  max_term_days: number;
  daily_rate: string;
  penalty_rate_year: string;
  max_amount_new: bigint;
  max_amount_repeat: bigint;
  psk_category: string;
  active: boolean;
  interest_after_term: boolean;
}

function toProduct(r: ProductRow): Product {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    kind: r.kind,
    period: r.period,
    minAmount: r.min_amount,
    maxAmount: r.max_amount,
    minTermDays: r.min_term_days,
    maxTermDays: r.max_term_days,
    dailyRate: normalizeRate(r.daily_rate),
    penaltyRateYear: normalizeRate(r.penalty_rate_year),
    maxAmountNew: r.max_amount_new,
    maxAmountRepeat: r.max_amount_repeat,
    pskCategory: r.psk_category,
    active: r.active,
    interestAfterTerm: r.interest_after_term,
  };
}

const COLUMNS = `id, code, name, kind, period, min_amount, max_amount, min_term_days, max_term_days,
  daily_rate::text AS daily_rate, penalty_rate_year::text AS penalty_rate_year, max_amount_new,
  max_amount_repeat, psk_category, active, interest_after_term`;

/**
 * Refuses a product that breaks the caps in force today: its rates, and the deals at the corners
 * of its ranges (smallest and largest amount at the shortest and longest term), which bound the
 * ПСК and the overpayment of every deal it can make.
 */
async function checkProductCaps(db: Queryable, p: ProductInput): Promise<void> {
  const today = todayMoscow();
  const caps = await capsOn(db, today);
  const average = await averagePskOn(db, p.pskCategory, today);
  const product: Product = { ...p, id: 0n, active: p.active ?? true };
  for (const amount of new Set([p.minAmount, p.maxAmount])) {
    for (const termDays of new Set([p.minTermDays, p.maxTermDays])) {
      const schedule = buildSchedule({
        kind: p.kind,
        period: p.period,
        amount,
        termDays,
        dailyRate: p.dailyRate,
        startDate: today,
      });
      const { violations } = capViolations(caps, average, {
        product,
        amount,
        termDays,
        startDate: today,
        schedule,
      });
      const first = violations[0];
      if (first)
        throw new AppError(
          'limit',
          first.code,
          `продукт ${p.code} нарушает ограничения закона: ${first.message}`,
          {
            amount,
            termDays,
          },
        );
    }
  }
}

export async function createProduct(db: Queryable, input: ProductInput, actor: Actor): Promise<Product> {
  const p = validateProduct(input);
  await checkProductCaps(db, p);
  const { rows } = await db.query<ProductRow>(
    `INSERT INTO lending.products (code, name, kind, period, min_amount, max_amount, min_term_days,
       max_term_days, daily_rate, penalty_rate_year, max_amount_new, max_amount_repeat, psk_category, active,
       interest_after_term)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
     ON CONFLICT (code) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      p.code,
      p.name,
      p.kind,
      p.period,
      p.minAmount,
      p.maxAmount,
      p.minTermDays,
      p.maxTermDays,
      p.dailyRate,
      p.penaltyRateYear,
      p.maxAmountNew,
      p.maxAmountRepeat,
      p.pskCategory,
      p.active ?? true,
      p.interestAfterTerm ?? true,
    ],
  );
  if (!rows[0])
    throw new AppError('conflict', 'lending.product_exists', `продукт с кодом ${p.code} уже существует`);
  const product = toProduct(rows[0]);
  await audit(db, {
    actor,
    action: 'lending.product.create',
    subjectType: 'lending.product',
    subjectId: product.code,
    details: { ...product },
  });
  return product;
}

export async function updateProduct(
  db: Queryable,
  code: string,
  patch: Partial<ProductInput>,
  actor: Actor,
): Promise<Product> {
  const { rows: current } = await db.query<ProductRow>(
    `SELECT ${COLUMNS} FROM lending.products WHERE code = $1 FOR UPDATE`,
    [code],
  );
  if (!current[0]) throw notFound(code);
  const before = toProduct(current[0]);
  if (patch.code !== undefined && patch.code !== before.code)
    throw new AppError('validation', 'lending.product_invalid', 'код продукта изменить нельзя');
  const p = validateProduct({ ...before, ...definedOnly(patch), code: before.code });
  await keepDealTerms(db, before, p);
  // A product being switched off needs no cap check: it makes no new deals.
  if (p.active !== false) await checkProductCaps(db, p);
  const { rows } = await db.query<ProductRow>(
    `UPDATE lending.products SET name = $2, kind = $3, period = $4, min_amount = $5, max_amount = $6,
       min_term_days = $7, max_term_days = $8, daily_rate = $9, penalty_rate_year = $10,
       max_amount_new = $11, max_amount_repeat = $12, psk_category = $13, active = $14,
       interest_after_term = $15, updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      before.id,
      p.name,
      p.kind,
      p.period,
      p.minAmount,
      p.maxAmount,
      p.minTermDays,
      p.maxTermDays,
      p.dailyRate,
      p.penaltyRateYear,
      p.maxAmountNew,
      p.maxAmountRepeat,
      p.pskCategory,
      p.active ?? before.active,
      p.interestAfterTerm ?? before.interestAfterTerm ?? true,
    ],
  );
  const after = toProduct(rows[0]!);
  const changed = Object.fromEntries(
    (Object.keys(after) as (keyof Product)[])
      .filter((k) => after[k] !== before[k])
      .map((k) => [k, { from: before[k], to: after[k] }]),
  );
  await audit(db, {
    actor,
    action: 'lending.product.update',
    subjectType: 'lending.product',
    subjectId: after.code,
    details: changed,
  });
  return after;
}

export async function getProduct(db: Queryable, idOrCode: bigint | string): Promise<Product> {
  const { rows } = await db.query<ProductRow>(
    typeof idOrCode === 'bigint'
      ? `SELECT ${COLUMNS} FROM lending.products WHERE id = $1`
      : `SELECT ${COLUMNS} FROM lending.products WHERE code = $1`,
    [idOrCode],
  );
  if (!rows[0]) throw notFound(String(idOrCode));
  return toProduct(rows[0]);
}

export async function listProducts(
  db: Queryable,
  options: { activeOnly?: boolean } = {},
): Promise<Product[]> {
  const { rows } = await db.query<ProductRow>(
    `SELECT ${COLUMNS} FROM lending.products ${options.activeOnly ? 'WHERE active' : ''} ORDER BY code`,
  );
  return rows.map(toProduct);
}

/**
 * The product for an application that names none: an active one whose amount and term ranges
 * hold the request. BNPL products are priced for checkout sessions and are never picked here;
 * among the rest the oldest wins, so the choice is stable.
 */
export async function pickDefaultProduct(
  db: Queryable,
  amount: Kopecks,
  termDays: number,
): Promise<Product | undefined> {
  const { rows } = await db.query<ProductRow>(
    `SELECT ${COLUMNS} FROM lending.products
      WHERE active AND kind <> 'bnpl3' AND $1::bigint BETWEEN min_amount AND max_amount
        AND $2::int BETWEEN min_term_days AND max_term_days
      ORDER BY id LIMIT 1`,
    [amount, termDays],
  );
  return rows[0] ? toProduct(rows[0]) : undefined;
}

/**
 * The product fields a deal still reads after it is made: the schedule kind and period (the
 * schedule is rebuilt from the product at issue), the rates and the interest-after-term rule
 * (snapshotted at signing, not at the application). Changing them under existing deals would
 * change those deals' terms, so once a deal uses the product they are fixed: the operator makes a
 * new product (a new code) and switches this one off. Everything else (name, ranges, limits,
 * ПСК category, active) only concerns new applications.
 */
export const PRICING_FIELDS = [
  'kind',
  'period',
  'dailyRate',
  'penaltyRateYear',
  'interestAfterTerm',
] as const;

async function keepDealTerms(db: Queryable, before: Product, after: ProductInput): Promise<void> {
  const changed = PRICING_FIELDS.filter(
    (k) => after[k] !== undefined && (after[k] ?? null) !== (before[k] ?? null),
  );
  if (changed.length === 0) return;
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM lending.deals WHERE product_id = $1',
    [before.id],
  );
  const n = rows[0]?.n ?? 0;
  if (n > 0)
    throw new AppError(
      'conflict',
      'lending.product_in_use',
      `по продукту ${before.code} уже есть договоры (${n}): вид графика, периодичность и ставки не меняются, ` +
        'чтобы не изменить условия этих договоров; создайте новый продукт и отключите этот',
      { deals: n, fields: changed },
    );
}

function notFound(what: string): AppError {
  return new AppError('not_found', 'lending.product_not_found', `кредитный продукт ${what} не найден`);
}

function definedOnly<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}
