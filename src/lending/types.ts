import type { Kopecks } from '../platform/money.ts';

/**
 * Types shared across the lending module: products and their pricing (products/, schedule.ts,
 * psk.ts, caps.ts, scoring.ts) and deals (clients/, deals/, accrual/, repayments/). Dates are
 * business dates as `YYYY-MM-DD` strings (Moscow calendar); rates are exact decimal text.
 */

export type ScheduleKind = 'single' | 'annuity' | 'bnpl3';
export type InstalmentPeriod = 'week' | 'fortnight' | 'month';

/** A credit product ("кредитный продукт"). */
export interface Product {
  id: bigint;
  code: string;
  name: string;
  kind: ScheduleKind;
  /** For `annuity`; null for `single` and `bnpl3`. */
  period: InstalmentPeriod | null;
  minAmount: Kopecks;
  maxAmount: Kopecks;
  minTermDays: number;
  maxTermDays: number;
  /** Interest, percent per day, decimal text: '0.8'. */
  dailyRate: string;
  /** Penalty while interest accrues, percent per annum: '20'. */
  penaltyRateYear: string;
  /** Largest amount for a client's first loan, and for a repeat client. */
  maxAmountNew: Kopecks;
  maxAmountRepeat: Kopecks;
  /** Bank of Russia category key for the quarterly average ПСК (e.g. 'pdl_up_to_30k_up_to_30d'). */
  pskCategory: string;
  active: boolean;
  /**
   * Whether, by the contract, interest accrues after the last due date (default true). When it
   * does not, the penalty for those days is the 0.1 %-a-day regime of 353-FZ art. 5 part 21.
   */
  interestAfterTerm?: boolean;
}

/** One line of a payment schedule ("график платежей"). */
export interface ScheduleLine {
  n: number;
  dueDate: string;
  principal: Kopecks;
  interest: Kopecks;
  total: Kopecks;
  /** Principal still owed after this payment. */
  principalAfter: Kopecks;
}

export interface ScheduleInput {
  kind: ScheduleKind;
  period: InstalmentPeriod | null;
  amount: Kopecks;
  termDays: number;
  dailyRate: string;
  /** Issue date. */
  startDate: string;
  /** bnpl3 only: the order amount priced by the Moneywall formula, and the departure date. */
  orderAmount?: Kopecks;
  departureDate?: string;
}

/** A cash flow of a loan for ПСК: negative to the borrower (issue), positive from the borrower. */
export interface Cashflow {
  date: string;
  amount: Kopecks;
}

export interface FullCost {
  /** ПСК, percent per annum, three decimals: '292.000'. */
  percent: string;
  /** ПСК in money: everything paid beyond the principal. */
  amount: Kopecks;
}

/** The legal caps in force on a date (353-FZ, 151-FZ), from the effective-dated rules table. */
export interface CapsInForce {
  effectiveFrom: string;
  /** Max interest, percent per day: '0.8'. */
  maxDailyRate: string;
  /** Absolute max ПСК, percent per annum: '292'. */
  maxPskPercent: string;
  /** Accrued interest + penalties + fees stop at this percent of principal: 130 or 100. */
  overpaymentCapPercent: number;
  /** Max penalty while interest accrues, percent per annum: '20'. */
  penaltyMaxYearPercent: string;
  /** Max penalty once interest no longer accrues, percent per day: '0.1'. */
  penaltyAfterDailyPercent: string;
  /** Max open loans per client with ПСК above `highPskThreshold` (null: no such rule). */
  maxHighPskLoans: number | null;
  highPskThreshold: string | null;
  /**
   * Days after repaying a loan with ПСК above `highPskThreshold` before another such loan may be
   * made (from 2027-04-01); null or absent: no cooling period.
   */
  highPskCoolingDays?: number | null;
}

export interface ScoringInput {
  today: string;
  birthDate: string;
  blacklisted: boolean;
  bannedUntil: string | null;
  /** Any of the client's deals is overdue now. */
  hasOpenOverdue: boolean;
  /** The client has repaid at least one loan before. */
  isRepeat: boolean;
  product: Product;
  amount: Kopecks;
  termDays: number;
  /** Stated monthly income; null when not given. */
  monthlyIncome: Kopecks | null;
  /** Monthly payments on the client's other open loans (from their schedules). */
  otherMonthlyPayments: Kopecks;
  /** Monthly-equivalent payment of the loan asked for. */
  newMonthlyPayment: Kopecks;
  /** Open loans of the client whose ПСК is above the high-ПСК threshold. */
  openHighPskLoans: number;
  /** ПСК of the loan asked for. */
  pskPercent: string;
  /** The last date the client repaid a loan with ПСК above the high-ПСК threshold (null: never). */
  lastHighPskRepaidOn?: string | null;
  caps: CapsInForce;
}

export interface ScoringReason {
  code: string;
  /** Russian, shown to staff and, where the protocol allows, to the client. */
  text: string;
}

export interface ScoringResult {
  decision: 'approve' | 'decline' | 'review';
  reasons: ScoringReason[];
}

/** Deal statuses exactly as "Моя МФО" spells them, plus "Предварительно одобрено". */
export const DEAL_STATUSES = [
  'Новый',
  'На рассмотрении',
  'Предварительно одобрено',
  'Одобрен',
  'Отказ',
  'Отменен',
  'Подписан (дистанционно)',
  'Ожидает списания с р/с',
  'Выдан',
  'Внесен аванс',
  'Оплачен',
  'У коллектора',
  'На текущем контроле у коллектора',
  'Готовится выезд',
  'Признан коллектором как безнадежный',
  'Ожидает передачи на судебную стадию',
  'Передан на судебную стадию',
  'Отправлена претензия',
  'Оплачена пошлина',
  'В суде',
  'Получен исполнительный лист',
  'Передан судебному приставу',
  'Продан',
  'Списан',
] as const;
export type DealStatus = (typeof DEAL_STATUSES)[number];
