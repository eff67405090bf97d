import { AppError } from '../../platform/errors.ts';
import { formatRoublesRu } from '../../platform/money.ts';
import { BNPL_TERM_DAYS } from '../bnpl-pricing.ts';
import { isRateText, normalizeRate } from './rates.ts';
import type { ProductInput } from './repository.ts';

const CODE = /^[A-Z0-9_]{2,32}$/;
const KINDS = new Set(['single', 'annuity', 'bnpl3']);
const PERIODS = new Set(['week', 'fortnight', 'month']);

/** Checks a product's own consistency (not the legal caps) and returns it with rates normalised. */
export function validateProduct(input: ProductInput): ProductInput {
  const problems: string[] = [];
  if (!CODE.test(input.code)) problems.push('код: 2–32 символа A–Z, 0–9, _');
  if (input.name.trim() === '' || input.name.length > 200) problems.push('название: от 1 до 200 символов');
  if (!KINDS.has(input.kind)) problems.push('вид графика: single, annuity или bnpl3');
  if (input.kind === 'annuity' && (input.period === null || !PERIODS.has(input.period)))
    problems.push('для аннуитета нужна периодичность: week, fortnight или month');
  if (input.kind !== 'annuity' && input.period !== null)
    problems.push('периодичность задаётся только для аннуитета');
  if (input.minAmount <= 0n) problems.push('минимальная сумма должна быть больше нуля');
  if (input.maxAmount < input.minAmount) problems.push('максимальная сумма меньше минимальной');
  for (const [label, value] of [
    ['для нового клиента', input.maxAmountNew],
    ['для повторного клиента', input.maxAmountRepeat],
  ] as const) {
    if (value < input.minAmount || value > input.maxAmount)
      problems.push(
        `лимит ${label} должен быть от ${formatRoublesRu(input.minAmount)} до ${formatRoublesRu(input.maxAmount)}`,
      );
  }
  if (!Number.isInteger(input.minTermDays) || input.minTermDays < 1)
    problems.push('минимальный срок: целое число дней от 1');
  if (!Number.isInteger(input.maxTermDays) || input.maxTermDays < input.minTermDays)
    problems.push('максимальный срок меньше минимального');
  if (
    input.kind === 'bnpl3' &&
    (input.minTermDays !== BNPL_TERM_DAYS || input.maxTermDays !== BNPL_TERM_DAYS)
  )
    problems.push(`срок продукта BNPL — ровно ${BNPL_TERM_DAYS} дня`);
  if (!isRateText(input.dailyRate))
    problems.push(`ставка в день: десятичное число, получено «${input.dailyRate}»`);
  if (!isRateText(input.penaltyRateYear))
    problems.push(`неустойка в год: десятичное число, получено «${input.penaltyRateYear}»`);
  if (input.pskCategory.trim() === '' || input.pskCategory.length > 100)
    problems.push('категория ПСК: от 1 до 100 символов');
  if (problems.length > 0)
    throw new AppError(
      'validation',
      'lending.product_invalid',
      `продукт ${input.code}: ${problems.join('; ')}`,
      {
        problems,
      },
    );
  return {
    ...input,
    name: input.name.trim(),
    dailyRate: normalizeRate(input.dailyRate),
    penaltyRateYear: normalizeRate(input.penaltyRateYear),
  };
}
