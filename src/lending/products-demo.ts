import type { DemoSeeder } from '../demo/seed.ts';
import type { Actor } from '../platform/audit.ts';
import { AppError } from '../platform/errors.ts';
import { BNPL_TERM_DAYS } from './bnpl-pricing.ts';
import { createProduct, getProduct, type ProductInput } from './products/repository.ts';

const DEMO_ACTOR: Actor = { type: 'system', id: 'demo' };

/** The demo product range (docs/lending-math.md, "Products"). */
export const DEMO_PRODUCTS: ProductInput[] = [
  {
    code: 'PDL30',
    name: 'Займ до зарплаты (одним платежом)',
    kind: 'single',
    period: null,
    minAmount: 100_000n,
    maxAmount: 3_000_000n,
    minTermDays: 5,
    maxTermDays: 30,
    dailyRate: '0.8',
    penaltyRateYear: '20',
    maxAmountNew: 3_000_000n,
    maxAmountRepeat: 3_000_000n,
    pskCategory: 'mfo_up_to_30k_up_to_30d',
  },
  {
    code: 'ANN6',
    name: 'Займ на полгода (ежемесячные платежи)',
    kind: 'annuity',
    period: 'month',
    minAmount: 3_000_000n,
    maxAmount: 10_000_000n,
    minTermDays: 90,
    maxTermDays: 180,
    dailyRate: '0.3',
    penaltyRateYear: '20',
    maxAmountNew: 5_000_000n,
    maxAmountRepeat: 10_000_000n,
    pskCategory: 'mfo_30k_to_100k_61_to_180d',
  },
  {
    code: 'BNPL3',
    name: 'Оплата частями (три платежа, Moneywall)',
    kind: 'bnpl3',
    period: null,
    minAmount: 300_000n,
    maxAmount: 3_000_000n,
    minTermDays: BNPL_TERM_DAYS,
    maxTermDays: BNPL_TERM_DAYS,
    // The price (K = 1.20) equals 0.625 % a day on the principal still owed; the contract states it.
    dailyRate: '0.625',
    penaltyRateYear: '20',
    maxAmountNew: 3_000_000n,
    maxAmountRepeat: 3_000_000n,
    pskCategory: 'mfo_up_to_30k_61_to_180d',
  },
];

/** Creates the demo products that do not exist yet; products an operator changed are left alone. */
export const lendingProductsSeeder: DemoSeeder = {
  name: 'lending: products PDL30, ANN6, BNPL3',
  async seed(tx) {
    for (const product of DEMO_PRODUCTS) {
      const exists = await getProduct(tx, product.code).then(
        () => true,
        (error: unknown) => {
          if (error instanceof AppError && error.kind === 'not_found') return false;
          throw error;
        },
      );
      if (!exists) await createProduct(tx, product, DEMO_ACTOR);
    }
  },
};
