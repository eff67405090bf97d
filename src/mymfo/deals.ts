import { type Client, getClient, normalisePassport } from '../lending/clients/repository.ts';
import { type Deal, dealsByPassport, getDeal } from '../lending/deals/repository.ts';
import {
  type BorrowerName,
  type DealAsk,
  type DebtSummary,
  debtSummariesOf,
  type SummaryOutcome,
} from '../lending/debt/summary.ts';
import { Batcher } from '../platform/batcher.ts';
import type { AppContext } from '../platform/context.ts';
import type { Pool } from '../platform/db/pool.ts';
import { AppError } from '../platform/errors.ts';
import { PerPool } from '../platform/per-pool.ts';

/** Series and number without spaces: 10 digits. */
export function checkPassport(passport: string): string {
  const p = normalisePassport(passport);
  if (!/^\d{10}$/.test(p))
    throw new AppError('validation', 'mymfo.passport', 'паспорт: серия и номер — 10 цифр без пробелов');
  return p;
}

export function checkDealNumber(number: string): string {
  const n = number.trim();
  if (!n || n.length > 64 || /[\s/?#]/.test(n))
    throw new AppError('validation', 'mymfo.deal_number', 'номер договора указан неверно');
  return n;
}

/** "Андрей Александрович К.": first name, patronymic and the surname's initial (PS/dealforps, the payment check). */
export function maskedName(c: { firstName: string; middleName: string | null; lastName: string }): string {
  return [c.firstName, c.middleName, c.lastName ? `${c.lastName.slice(0, 1)}.` : '']
    .filter(Boolean)
    .join(' ');
}

function dealNotFound(number: string): AppError {
  return new AppError('not_found', 'mymfo.deal_not_found', `договор ${number} не найден`);
}

/** `NumbersDeals`: the client's deals, oldest first; none for an unknown passport. */
export async function dealsOfPassport(ctx: AppContext, passport: string): Promise<Deal[]> {
  return dealsByPassport(ctx.pool, ctx.cipher, checkPassport(passport));
}

/**
 * A deal by number, with its client; when a passport is given it must be the client's, else the
 * deal is "not found" (the answer never tells that a number exists under another passport).
 */
export async function dealWithClient(
  ctx: AppContext,
  number: string,
  passport?: string,
): Promise<{ deal: Deal; client: Client }> {
  const n = checkDealNumber(number);
  const wanted = passport === undefined || passport === '' ? undefined : checkPassport(passport);
  let deal: Deal;
  try {
    deal = await getDeal(ctx.pool, n);
  } catch (error) {
    if (error instanceof AppError && error.kind === 'not_found') throw dealNotFound(n);
    throw error;
  }
  const client = await getClient(ctx.pool, ctx.cipher, deal.clientId);
  if (wanted !== undefined && normalisePassport(client.passport) !== wanted) throw dealNotFound(n);
  return { deal, client };
}

/**
 * Concurrent debt-summary reads (PS/deal, the payment services' check) share one statement
 * (src/platform/batcher.ts): a lone request goes out at once; while two batches run, the
 * requests of the moment wait and go out together, so a payment service's burst costs
 * PostgreSQL one round trip, plan and wake-up per batch rather than per request
 * (bench/RESULTS.md, session 6).
 */
const readers = new PerPool<Batcher<DealAsk, SummaryOutcome>>();

function reader(pool: Pool): Batcher<DealAsk, SummaryOutcome> {
  return readers.of(
    pool,
    () =>
      new Batcher({
        many: (asks) => debtSummariesOf(pool, asks),
        single: async (ask) => (await debtSummariesOf(pool, [ask]))[0]!,
        // A read has no refusal of one item: a failed statement fails its requests.
        oneByOne: () => false,
        maxBatch: 64,
        inFlight: 2,
      }),
  );
}

/**
 * The debt summary of deal `number` today and its borrower's name, through the shared reader;
 * with a passport hash, only if the deal is that passport's. Undefined: no such deal (of it).
 */
export async function readDebtSummary(
  pool: Pool,
  ask: DealAsk,
): Promise<{ summary: DebtSummary; borrower: BorrowerName } | undefined> {
  const outcome = await reader(pool).submit(ask);
  if ('error' in outcome) throw outcome.error;
  return outcome.summary ? outcome : undefined;
}

/** Statements the debt-summary reads shared and the requests in them (tests, diagnostics). */
export function summaryReadStats(pool: Pool): { batches: number; items: number } {
  const { batches, items } = reader(pool).stats;
  return { batches, items };
}

/**
 * `PS/deal/<IDDeal>/<passport>`'s debt summary: the deal's figures when the passport is its
 * borrower's, else "not found" — the check and the figures in one statement.
 */
export async function summaryOfPassport(
  ctx: AppContext,
  number: string,
  passport: string,
): Promise<DebtSummary> {
  const n = checkDealNumber(number);
  const found = await readDebtSummary(ctx.pool, {
    number: n,
    passportHash: ctx.cipher.lookupHash(checkPassport(passport)),
  });
  if (!found) throw dealNotFound(n);
  return found.summary;
}
