import { randomInt } from 'node:crypto';
import type { ClientInput } from '../../src/lending/clients/repository.ts';
import { createApplication } from '../../src/lending/deals/applications.ts';
import { decideDeal, signDeal } from '../../src/lending/deals/decisions.ts';
import { registerExternalIssue } from '../../src/lending/issue/issue.ts';
import { lendingProductsSeeder } from '../../src/lending/products-demo.ts';
import type { Actor } from '../../src/platform/audit.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { withTx } from '../../src/platform/db/tx.ts';

export const STAFF: Actor = { type: 'staff', id: 'test-officer' };

export async function seedProducts(ctx: AppContext): Promise<void> {
  await withTx(ctx.pool, (tx) => lendingProductsSeeder.seed(tx, ctx));
}

/** An adult with a clean record and an income; a fresh passport each call. */
export function clientInput(overrides: Partial<ClientInput> = {}): ClientInput {
  return {
    lastName: 'Тестов',
    firstName: 'Тест',
    middleName: 'Тестович',
    birthDate: '1990-05-05',
    phone: `8911${String(randomInt(0, 10_000_000)).padStart(7, '0')}`,
    passport: `45 10 ${String(randomInt(0, 1_000_000)).padStart(6, '0')}`,
    monthlyIncome: 10_000_000n,
    ...overrides,
  };
}

/**
 * An issued loan: application on `date`, approved (by staff when scoring wants review), signed
 * and registered as issued outside Kopek, all on `date`.
 */
export async function issuedLoan(
  ctx: AppContext,
  args: { product: string; amount: bigint; termDays: number; date: string; client?: Partial<ClientInput> },
): Promise<bigint> {
  return withTx(ctx.pool, async (tx) => {
    const { deal } = await createApplication(
      tx,
      ctx.cipher,
      {
        client: clientInput(args.client),
        product: args.product,
        amount: args.amount,
        termDays: args.termDays,
        today: args.date,
      },
      STAFF,
    );
    if (deal.status !== 'Одобрен') await decideDeal(tx, deal.id, 'approve', 'проверено вручную', STAFF);
    await signDeal(tx, deal.id, 'asp:test', STAFF, args.date);
    await registerExternalIssue(tx, deal.id, { issueDate: args.date, ref: 'КАССА-1' }, STAFF);
    return deal.id;
  });
}
