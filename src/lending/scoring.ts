import { formatRoublesRu, type Kopecks } from '../platform/money.ts';
import { ageOn, daysBetween } from './dates.ts';
import { compareRates } from './products/rates.ts';
import type { ScheduleLine, ScoringInput, ScoringReason, ScoringResult } from './types.ts';

/**
 * The automatic rules (docs/lending-math.md, "Scoring"). Every rule that fires adds a reason; any
 * decline reason declines, otherwise any review reason sends the application to a person,
 * otherwise it is approved.
 */
export const SCORING = {
  minAge: 18,
  /** ПДН above this declines; above `pdnReviewPercent` (up to this) goes to review. */
  pdnDeclinePercent: 80n,
  pdnReviewPercent: 50n,
  /** Without stated income, loans above this go to review (the Bank of Russia lets lenders skip ПДН below 10 000 ₽). */
  noIncomeMaxAmount: 1_000_000n,
  /** A first-time client is approved automatically only up to this amount and term. */
  newClientAutoMaxAmount: 3_000_000n,
  newClientAutoMaxTermDays: 30,
} as const;

export function score(input: ScoringInput): ScoringResult {
  const declines: ScoringReason[] = [];
  const reviews: ScoringReason[] = [];
  const { product } = input;

  const age = ageOn(input.birthDate, input.today);
  if (age < SCORING.minAge)
    declines.push({
      code: 'age_under_18',
      text: `клиенту ${age} лет, займы выдаются с ${SCORING.minAge} лет`,
    });
  if (input.blacklisted) declines.push({ code: 'blacklisted', text: 'клиент в чёрном списке' });
  if (input.bannedUntil !== null && input.today <= input.bannedUntil)
    declines.push({ code: 'banned', text: `обращения клиента запрещены до ${input.bannedUntil}` });
  if (input.hasOpenOverdue) declines.push({ code: 'open_overdue', text: 'у клиента есть просроченный займ' });

  if (!product.active)
    declines.push({ code: 'product_inactive', text: `продукт ${product.code} не выдаётся` });
  if (input.amount < product.minAmount || input.amount > product.maxAmount)
    declines.push({
      code: 'amount_out_of_range',
      text: `сумма по продукту ${product.code}: от ${formatRoublesRu(product.minAmount)} до ${formatRoublesRu(product.maxAmount)}`,
    });
  if (input.termDays < product.minTermDays || input.termDays > product.maxTermDays)
    declines.push({
      code: 'term_out_of_range',
      text: `срок по продукту ${product.code}: от ${product.minTermDays} до ${product.maxTermDays} дней`,
    });
  const clientLimit = input.isRepeat ? product.maxAmountRepeat : product.maxAmountNew;
  if (input.amount > clientLimit)
    declines.push({
      code: 'client_limit',
      text: `${input.isRepeat ? 'повторному' : 'новому'} клиенту по продукту ${product.code} — не более ${formatRoublesRu(clientLimit)}`,
    });

  if (
    input.caps.maxHighPskLoans !== null &&
    input.caps.highPskThreshold !== null &&
    compareRates(input.pskPercent, input.caps.highPskThreshold) > 0 &&
    input.openHighPskLoans >= input.caps.maxHighPskLoans
  )
    declines.push({
      code: 'high_psk_loans',
      text: `у клиента уже ${input.openHighPskLoans} непогашенных займа с ПСК выше ${input.caps.highPskThreshold}% годовых`,
    });

  const cooling = input.caps.highPskCoolingDays ?? null;
  if (
    cooling !== null &&
    input.caps.highPskThreshold !== null &&
    input.lastHighPskRepaidOn &&
    compareRates(input.pskPercent, input.caps.highPskThreshold) > 0 &&
    daysBetween(input.lastHighPskRepaidOn, input.today) <= cooling
  )
    declines.push({
      code: 'high_psk_cooling',
      text: `займ с ПСК выше ${input.caps.highPskThreshold}% годовых погашен ${input.lastHighPskRepaidOn}: новый такой займ — не ранее чем через ${cooling} дня после погашения`,
    });

  const payments = input.otherMonthlyPayments + input.newMonthlyPayment;
  if (input.monthlyIncome === null || input.monthlyIncome <= 0n) {
    if (input.amount > SCORING.noIncomeMaxAmount)
      reviews.push({
        code: 'income_missing',
        text: `доход не указан, а сумма больше ${formatRoublesRu(SCORING.noIncomeMaxAmount)}: ПДН не рассчитать`,
      });
  } else {
    // Compared in integers: payments / income > 80% <=> payments × 100 > 80 × income.
    const pdn = payments * 100n;
    const text = `ПДН ${pdnText(payments, input.monthlyIncome)}%`;
    if (pdn > SCORING.pdnDeclinePercent * input.monthlyIncome)
      declines.push({ code: 'pdn_over_80', text: `${text}: больше ${SCORING.pdnDeclinePercent}%` });
    else if (pdn > SCORING.pdnReviewPercent * input.monthlyIncome)
      reviews.push({
        code: 'pdn_50_80',
        text: `${text}: от ${SCORING.pdnReviewPercent} до ${SCORING.pdnDeclinePercent}%`,
      });
  }

  if (
    !input.isRepeat &&
    (input.amount > SCORING.newClientAutoMaxAmount || input.termDays > SCORING.newClientAutoMaxTermDays)
  )
    reviews.push({
      code: 'new_client_large',
      text: `первый займ больше ${formatRoublesRu(SCORING.newClientAutoMaxAmount)} или дольше ${SCORING.newClientAutoMaxTermDays} дней`,
    });

  if (declines.length > 0) return { decision: 'decline', reasons: declines };
  if (reviews.length > 0) return { decision: 'review', reasons: reviews };
  return { decision: 'approve', reasons: [] };
}

/** ПДН as a percentage with one decimal, rounded half-up, for the reason text. */
function pdnText(payments: Kopecks, income: Kopecks): string {
  const tenths = (payments * 2000n + income) / (2n * income);
  return `${tenths / 10n}.${tenths % 10n}`;
}

/**
 * A loan's average monthly payment for ПДН: a loan of up to a month is paid within one month, so
 * all its payments count; a longer one spreads its payments over its term in 30-day months,
 * rounded half-up.
 */
export function monthlyPayment(startDate: string, lines: ScheduleLine[]): Kopecks {
  const total = lines.reduce((sum, l) => sum + l.total, 0n);
  const last = lines.at(-1);
  if (!last) return 0n;
  const days = BigInt(daysBetween(startDate, last.dueDate));
  if (days <= 30n) return total;
  return (total * 60n + days) / (2n * days);
}
