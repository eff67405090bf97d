import type { Actor } from '../../platform/audit.ts';
import type { FieldCipher } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { capsOn, checkDealTerms } from '../caps.ts';
import { type ClientInput, getClient, upsertClient } from '../clients/repository.ts';
import { todayMoscow } from '../dates.ts';
import { getProduct, pickDefaultProduct } from '../products/repository.ts';
import { buildSchedule } from '../schedule.ts';
import { score } from '../scoring.ts';
import type { DealStatus, Product, ScheduleInput, ScheduleLine, ScoringResult } from '../types.ts';
import { attachFiles, type DealFileInput } from './files.ts';
import { moveDeal, recordHistory } from './history.ts';
import { nextDealNumber } from './numbering.ts';
import { type Deal, getDeal, getSchedule, saveSchedule } from './repository.ts';
import { scoringInput } from './scoring-input.ts';

export interface ApplicationInput {
  /** An existing client, or the client's data (created, or updated by passport). */
  clientId?: bigint;
  client?: ClientInput;
  /** Product code or id; when absent the default product for amount and term. */
  product?: string | bigint;
  amount: Kopecks;
  termDays: number;
  source?: string;
  org?: string;
  /** Fields of the application beyond the client's data, kept as sent (car pledge, lead source…). */
  extra?: Record<string, unknown>;
  files?: DealFileInput[];
  /** Application date; today (Moscow) by default. */
  today?: string;
  /** BNPL: the order priced by the Moneywall formula and the departure date. */
  orderAmount?: Kopecks;
  departureDate?: string;
  /** Score at once (default). Off: the application waits in "Новый" for `scoreApplication`. */
  autoScore?: boolean;
}

export interface ApplicationResult {
  deal: Deal;
  scoring: ScoringResult | null;
}

export function scheduleFor(
  product: Product,
  amount: Kopecks,
  termDays: number,
  startDate: string,
  bnpl: { orderAmount?: Kopecks; departureDate?: string } = {},
): ScheduleLine[] {
  const input: ScheduleInput = {
    kind: product.kind,
    period: product.period,
    amount,
    termDays,
    dailyRate: product.dailyRate,
    startDate,
  };
  if (bnpl.orderAmount !== undefined) input.orderAmount = bnpl.orderAmount;
  if (bnpl.departureDate !== undefined) input.departureDate = bnpl.departureDate;
  return buildSchedule(input);
}

/**
 * Takes an application ("заявка"): client, product, schedule and ПСК within the caps of the
 * day, a new deal number and status "Новый"; then the automatic scoring decides
 * (approve -> "Одобрен", decline -> "Отказ", review -> "На рассмотрении") with its reasons.
 */
export async function createApplication(
  db: Queryable,
  cipher: FieldCipher,
  input: ApplicationInput,
  actor: Actor,
): Promise<ApplicationResult> {
  const today = input.today ?? todayMoscow();
  if (input.amount <= 0n)
    throw new AppError('validation', 'lending.amount', 'сумма займа должна быть больше нуля');
  if (!Number.isInteger(input.termDays) || input.termDays < 1)
    throw new AppError('validation', 'lending.term', 'срок займа должен быть целым числом дней');
  const client = input.clientId
    ? await getClient(db, cipher, input.clientId)
    : input.client
      ? (await upsertClient(db, cipher, input.client, actor)).client
      : undefined;
  if (!client) throw new AppError('validation', 'lending.client_missing', 'не указан клиент');
  const product =
    input.product !== undefined
      ? await getProduct(db, input.product)
      : await pickDefaultProduct(db, input.amount, input.termDays);
  if (!product)
    throw new AppError('validation', 'lending.no_product', 'нет кредитного продукта для такой суммы и срока');
  if (!product.active)
    throw new AppError('validation', 'lending.product_inactive', 'кредитный продукт не активен');
  const bnpl = { orderAmount: input.orderAmount, departureDate: input.departureDate };
  const schedule = scheduleFor(product, input.amount, input.termDays, today, bnpl);
  // Throws AppError kind 'limit' when the terms break the caps in force today.
  const cost = await checkDealTerms(db, {
    product,
    amount: input.amount,
    termDays: input.termDays,
    startDate: today,
    schedule,
  });
  const number = await nextDealNumber(db, input.org ?? 'main');
  const extra = { ...(input.extra ?? {}), ...bnplExtra(bnpl) };
  const { rows } = await db.query<{ id: bigint }>(
    `INSERT INTO lending.deals (number, org, client_id, product_id, status, amount, term_days, source, extra,
       psk_percent, psk_amount)
     VALUES ($1, $2, $3, $4, 'Новый', $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      number,
      input.org ?? 'main',
      client.id,
      product.id,
      input.amount,
      input.termDays,
      input.source ?? actor.type,
      JSON.stringify(extra),
      cost.percent,
      cost.amount,
    ],
  );
  const dealId = rows[0]!.id;
  await saveSchedule(db, dealId, schedule);
  await recordHistory(db, dealId, null, 'Новый', actor, 'заявка принята');
  if (input.files?.length) await attachFiles(db, dealId, input.files, actor);
  if (input.autoScore === false) return { deal: await getDeal(db, dealId), scoring: null };
  return scoreApplication(db, cipher, dealId, today);
}

/**
 * The automatic decision on an application in "Новый": part A's rules on the client, their
 * other loans and the loan asked for; the result and its reasons are stored and the status moves.
 */
export async function scoreApplication(
  db: Queryable,
  cipher: FieldCipher,
  dealId: bigint,
  today: string = todayMoscow(),
): Promise<ApplicationResult> {
  const deal = await getDeal(db, dealId);
  const client = await getClient(db, cipher, deal.clientId);
  const product = await getProduct(db, deal.productId);
  const schedule = await getSchedule(db, dealId);
  const caps = await capsOn(db, today);
  const result = score(
    await scoringInput(db, {
      client,
      excludeDealId: dealId,
      product,
      amount: deal.amount,
      termDays: deal.termDays,
      schedule,
      pskPercent: deal.pskPercent ?? '0',
      caps,
      today,
    }),
  );
  await db.query(`UPDATE lending.deals SET scoring_decision = $2, scoring_reasons = $3 WHERE id = $1`, [
    dealId,
    result.decision,
    JSON.stringify(result.reasons),
  ]);
  const to: DealStatus =
    result.decision === 'approve' ? 'Одобрен' : result.decision === 'decline' ? 'Отказ' : 'На рассмотрении';
  const why = result.reasons.map((r) => r.text).join('; ') || 'автоматическое решение';
  await moveDeal(db, dealId, to, { type: 'system', id: 'scoring' }, why);
  return { deal: await getDeal(db, dealId), scoring: result };
}

function bnplExtra(bnpl: { orderAmount?: Kopecks | undefined; departureDate?: string | undefined }) {
  const out: Record<string, string> = {};
  if (bnpl.orderAmount !== undefined) out.orderAmount = String(bnpl.orderAmount);
  if (bnpl.departureDate !== undefined) out.departureDate = bnpl.departureDate;
  return out;
}
