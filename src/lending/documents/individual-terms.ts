import type { FieldCipher } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import type { Kopecks } from '../../platform/money.ts';
import { capsOn } from '../caps.ts';
import { getClient } from '../clients/repository.ts';
import { todayMoscow } from '../dates.ts';
import { type Deal, getDeal, getSchedule } from '../deals/repository.ts';
import { getProduct } from '../products/repository.ts';
import type { ScheduleLine } from '../types.ts';
import { type Lender, lenderOf } from './lender.ts';

/**
 * Everything the individual terms of a consumer loan ("индивидуальные условия договора
 * потребительского займа") print, gathered once so the PDF is a pure function of it: the same
 * terms always render the same bytes, which is what makes the document hash stable.
 */
export interface IndividualTerms {
  lender: Lender;
  dealNumber: string;
  /** The document's date: the signing date once signed, otherwise the day it is shown. */
  date: string;
  /** When the application was made: fixes the PDF's creation date (and so its file id). */
  createdAt: Date;
  borrower: {
    fullName: string;
    birthDate: string;
    passport: string;
    passportIssueDate: string | null;
    passportIssuer: string | null;
    registrationAddress: string;
    phone: string;
  };
  amount: Kopecks;
  termDays: number;
  productName: string;
  /** Percent a day, decimal text ('0.8'). */
  dailyRate: string;
  /** Percent a year, decimal text ('20'). */
  penaltyRateYear: string;
  pskPercent: string;
  pskAmount: Kopecks;
  /** Penalty once interest no longer accrues, percent a day ('0.1'). */
  penaltyAfterDaily: string;
  /** Interest, penalties and other charges stop at this percent of the principal (130 or 100). */
  capPercent: number;
  schedule: ScheduleLine[];
}

function addressText(a: {
  region?: string;
  city?: string;
  street?: string;
  house?: string;
  building?: string;
  apartment?: string;
  text?: string;
}): string {
  if (a.text) return a.text;
  return [
    a.region,
    a.city,
    a.street,
    a.house && `д. ${a.house}`,
    a.building && `корп. ${a.building}`,
    a.apartment && `кв. ${a.apartment}`,
  ]
    .filter(Boolean)
    .join(', ');
}

/**
 * The terms of a deal as of `today` (Moscow business date). A signed deal prints its snapshot
 * (contract date, rate, cap of the signing date); an unsigned one the product's rate and the cap
 * in force today, which is what signing it today would fix.
 */
export async function individualTerms(
  db: Queryable,
  cipher: FieldCipher,
  dealOrId: Deal | bigint,
  today: string = todayMoscow(),
): Promise<IndividualTerms> {
  const deal = typeof dealOrId === 'bigint' ? await getDeal(db, dealOrId) : dealOrId;
  // One after the other: `db` may be a transaction's single connection.
  const client = await getClient(db, cipher, deal.clientId);
  const product = await getProduct(db, deal.productId);
  const schedule = await getSchedule(db, deal.id);
  const { rows } = await db.query<{
    daily_rate: string | null;
    penalty_rate_year: string | null;
    cap_percent: number | null;
  }>('SELECT daily_rate::text, penalty_rate_year::text, cap_percent FROM lending.deals WHERE id = $1', [
    deal.id,
  ]);
  const snapshot = rows[0];
  const date = deal.contractDate ?? today;
  const caps = await capsOn(db, date);
  const capPercent = snapshot?.cap_percent ?? caps.overpaymentCapPercent;
  return {
    lender: lenderOf(deal.org),
    dealNumber: deal.number,
    date,
    createdAt: deal.createdAt,
    borrower: {
      fullName: client.fullName,
      birthDate: client.birthDate,
      passport: client.passport,
      passportIssueDate: client.passportIssueDate,
      passportIssuer: client.passportIssuer,
      registrationAddress: addressText(client.registrationAddress),
      phone: client.phone,
    },
    amount: deal.amount,
    termDays: deal.termDays,
    productName: product.name,
    dailyRate: snapshot?.daily_rate ?? product.dailyRate,
    penaltyRateYear: snapshot?.penalty_rate_year ?? product.penaltyRateYear,
    pskPercent: deal.pskPercent ?? '0.000',
    pskAmount: deal.pskAmount ?? 0n,
    penaltyAfterDaily: caps.penaltyAfterDailyPercent,
    capPercent,
    schedule,
  };
}
