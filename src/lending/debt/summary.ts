import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { todayMoscow } from '../dates.ts';
import { DEAL_COLUMNS, type Deal, getDeal, toDeal } from '../deals/repository.ts';
import type { ScheduleLine } from '../types.ts';
import { LOAN_STATE_PREFIXED, prefixedLoanState } from './loan-state.ts';
import { positionOf } from './position.ts';

/**
 * Every figure of the "Моя МФО" `PS/deal` answer, in kopecks; the face formats them. Names
 * follow the document (comments give its keys).
 */
export interface DebtSummary {
  deal: Deal;
  asOf: string;
  /** ОбщийДолгНаТекДату: principal, interest, penalties, duty and other, less the advance. */
  totalDebt: Kopecks;
  /** ОстатокОД, from the deal's principal receivable in the ledger. */
  principalLeft: Kopecks;
  /** СуммаПроценты: interest accrued through `asOf`, unpaid. */
  interest: Kopecks;
  /** ДолгПоТекПлатежу = ОстатокОДПоТекПлатежу + СуммаПроцентыПоТекПлатежу. */
  currentDue: Kopecks;
  currentPrincipal: Kopecks;
  currentInterest: Kopecks;
  /** ДолгПросроченный = ОстатокОДПросрочено + СуммаПроцентыПросрочено. */
  overdueDue: Kopecks;
  daysPastDue: number;
  overduePrincipal: Kopecks;
  overdueInterest: Kopecks;
  /** СуммаШтрафы, СуммаПошлина, СуммаПрочиеПлатежи, ОстатокНаСчете. */
  penalties: Kopecks;
  duty: Kopecks;
  other: Kopecks;
  accountBalance: Kopecks;
  /** ТекущийГрафикПлатежей. */
  schedule: ScheduleLine[];
  /** Оплаты: payments received (not internal advance offsets, not reversed). */
  payments: { number: string; date: string; amount: Kopecks; online: boolean; toBankAccount: boolean }[];
}

interface FiguresRow extends Record<string, unknown> {
  pending_interest: bigint | null;
  pending_penalty: bigint | null;
  ledger_principal: bigint | null;
  schedule: ScheduleJson[] | null;
  payments: { n: string; d: string; a: string; o: boolean; b: boolean }[] | null;
}

/** A schedule line as the statements aggregate it to JSON (here and lending.repay_reads, 0026). */
export interface ScheduleJson {
  n: number;
  d: string;
  p: string;
  i: string;
  t: string;
  a: string;
}

/** The schedule read back from its JSON aggregate (amounts as text, so kopecks stay exact). */
export function scheduleFromJson(lines: ScheduleJson[] | null): ScheduleLine[] {
  return (lines ?? []).map((l) => ({
    n: l.n,
    dueDate: l.d,
    principal: BigInt(l.p),
    interest: BigInt(l.i),
    total: BigInt(l.t),
    principalAfter: BigInt(l.a),
  }));
}

/**
 * Everything of the summary in one statement: the deal, the loan's state, what accrual
 * through the date would add, the principal receivable's balance, the schedule and the
 * payments. Named, so each connection plans it once (PS/deal is asked at payment-service rates).
 */
const figures = (by: 'id' | 'number' | 'asks') => ({
  name: `lending.debt_figures_by_${by}`,
  text: `SELECT ${by === 'asks' ? 'q.i AS ask, c.first_name AS c_first_name, c.middle_name AS c_middle_name, c.last_name AS c_last_name, ' : ''}${DEAL_COLUMNS}, ${LOAN_STATE_PREFIXED},
       pa.interest AS pending_interest, pa.penalty AS pending_penalty, a.balance AS ledger_principal,
       (SELECT json_agg(json_build_object('n', l.n, 'd', l.due_date, 'p', l.principal::text, 'i', l.interest::text,
                't', l.total::text, 'a', l.principal_after::text) ORDER BY l.n)
        FROM lending.schedule_lines l WHERE l.deal_id = d.id) AS schedule,
       (SELECT json_agg(json_build_object('n', p.number, 'd', p.business_date, 'a', p.amount::text, 'o', p.online,
                'b', p.to_bank_account) ORDER BY p.id)
        FROM lending.payments p WHERE p.deal_id = d.id AND p.service <> 'advance' AND p.reversed_at IS NULL) AS payments
     FROM ${
       by === 'asks'
         ? `unnest($1::text[], $3::text[]) WITH ORDINALITY AS q(number, hash, i)
            JOIN lending.deals d ON d.number = q.number
            JOIN lending.clients c ON c.id = d.client_id AND (q.hash IS NULL OR c.passport_hash = q.hash)`
         : 'lending.deals d'
     }
     LEFT JOIN lending.loan_state s ON s.deal_id = d.id
     LEFT JOIN LATERAL (SELECT c.interest, c.penalty FROM lending.accrual_calc_deal($2::date, d.id) c WHERE s.active) pa
       ON true
     LEFT JOIN ledger.accounts a ON a.id = s.principal_account_id
     ${by === 'id' ? 'WHERE d.id = $1' : by === 'number' ? 'WHERE d.number = $1' : ''}`,
});

/**
 * The debt summary of a deal on `asOf` (today by default): the loan's sub-ledger plus what
 * accrual through `asOf` would add (the same SQL as COB), principal from the ledger. Before
 * issue every figure is zero and the schedule is the planned one. One statement (`figures`).
 */
export async function debtSummary(
  db: Queryable,
  dealIdOrNumber: bigint | string,
  asOf: string = todayMoscow(),
): Promise<DebtSummary> {
  const { rows } = await db.query<FiguresRow>({
    ...figures(typeof dealIdOrNumber === 'bigint' ? 'id' : 'number'),
    values: [dealIdOrNumber, asOf],
  });
  const f = rows[0];
  if (!f) {
    // No such deal: getDeal's own refusal (it finds one only if created in between).
    await getDeal(db, dealIdOrNumber);
    return debtSummary(db, dealIdOrNumber, asOf);
  }
  return summaryOf(f, asOf);
}

/** A question about deal `number`; with `passportHash`, only if its borrower's passport has it. */
export interface DealAsk {
  number: string;
  /** `FieldCipher.lookupHash` of the normalised passport (PS/deal); absent: any borrower. */
  passportHash?: string;
}

/** The borrower's name, as the payment services' check shows it masked. */
export interface BorrowerName {
  firstName: string;
  middleName: string | null;
  lastName: string;
}

/**
 * One answer of debtSummariesOf: the summary and its borrower's name (no summary: no such deal,
 * or another client's), or the deal's own error.
 */
export type SummaryOutcome =
  | { summary: DebtSummary; borrower: BorrowerName }
  | { summary: undefined }
  | { error: unknown };

/**
 * The debt summaries of many questions in one statement (PS/deal and the payment services'
 * check, asked at payment-service rates, share it among concurrent requests): in the order
 * asked. A deal whose books do not agree gets its own error; the others their summaries.
 */
export async function debtSummariesOf(
  db: Queryable,
  asks: DealAsk[],
  asOf: string = todayMoscow(),
): Promise<SummaryOutcome[]> {
  const { rows } = await db.query<
    FiguresRow & { ask: bigint; c_first_name: string; c_middle_name: string | null; c_last_name: string }
  >({
    ...figures('asks'),
    values: [asks.map((a) => a.number), asOf, asks.map((a) => a.passportHash ?? null)],
  });
  const found = new Map(rows.map((r) => [Number(r.ask) - 1, r]));
  return asks.map((_, i) => {
    const row = found.get(i);
    if (!row) return { summary: undefined };
    try {
      return {
        summary: summaryOf(row, asOf),
        borrower: { firstName: row.c_first_name, middleName: row.c_middle_name, lastName: row.c_last_name },
      };
    } catch (error) {
      return { error };
    }
  });
}

function summaryOf(f: FiguresRow, asOf: string): DebtSummary {
  const deal = toDeal(f as unknown as Parameters<typeof toDeal>[0]);
  const stored = prefixedLoanState(f);
  const schedule = scheduleFromJson(f.schedule);
  const payments = (f.payments ?? []).map((p) => ({
    number: p.n,
    date: p.d,
    amount: BigInt(p.a),
    online: p.o,
    toBankAccount: p.b,
  }));
  if (!stored) {
    return {
      deal,
      asOf,
      totalDebt: 0n,
      principalLeft: 0n,
      interest: 0n,
      currentDue: 0n,
      currentPrincipal: 0n,
      currentInterest: 0n,
      overdueDue: 0n,
      daysPastDue: 0,
      overduePrincipal: 0n,
      overdueInterest: 0n,
      penalties: 0n,
      duty: 0n,
      other: 0n,
      accountBalance: 0n,
      schedule,
      payments,
    };
  }
  const state = {
    ...stored,
    interestAccrued: stored.interestAccrued + (f.pending_interest ?? 0n),
    penaltyAccrued: stored.penaltyAccrued + (f.pending_penalty ?? 0n),
  };
  const p = positionOf(state, schedule, asOf);
  const ledgerPrincipal = f.ledger_principal;
  if (ledgerPrincipal !== p.principalLeft) {
    // The sub-ledger and the ledger must agree; a mismatch is a bug, never shown as a figure.
    throw new AppError('unavailable', 'lending.books_mismatch', 'остаток долга не сходится с учётом', {
      deal: deal.number,
      ledger: String(ledgerPrincipal),
      loan: String(p.principalLeft),
    });
  }
  return {
    deal,
    asOf,
    totalDebt: p.totalDebt,
    principalLeft: ledgerPrincipal,
    interest: p.interestUnpaid,
    currentDue: p.currentPrincipal + p.currentLineInterest,
    currentPrincipal: p.currentPrincipal,
    currentInterest: p.currentLineInterest,
    overdueDue: p.overduePrincipal + p.overdueInterest,
    daysPastDue: p.daysPastDue,
    overduePrincipal: p.overduePrincipal,
    overdueInterest: p.overdueInterest,
    penalties: p.penaltyUnpaid,
    duty: p.dutyUnpaid,
    other: p.otherUnpaid,
    accountBalance: p.advance,
    schedule,
    payments,
  };
}
