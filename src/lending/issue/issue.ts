import { move, transfer } from '../../ledger/index.ts';
import { type Actor, audit } from '../../platform/audit.ts';
import type { Pool, Queryable } from '../../platform/db/pool.ts';
import { withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import { isBusinessDate, todayMoscow } from '../dates.ts';
import { scheduleFor } from '../deals/applications.ts';
import { moveDeal } from '../deals/history.ts';
import { dealPrincipalAccount, orgAccount } from '../deals/ledger-accounts.ts';
import { type Deal, getDeal, saveSchedule } from '../deals/repository.ts';
import { getProduct } from '../products/repository.ts';
import type { CardPayoutGateway } from './payout-gateway.ts';

export type PayoutMethod = 'card' | 'bank' | 'external';

export interface Payout {
  id: bigint;
  dealId: bigint;
  method: PayoutMethod;
  status: 'pending' | 'exported' | 'done' | 'failed';
  amount: bigint;
  details: Record<string, string>;
  externalRef: string | null;
  error: string | null;
}

interface PayoutRow {
  id: bigint;
  deal_id: bigint;
  method: PayoutMethod;
  status: Payout['status'];
  amount: bigint;
  details: Record<string, string>;
  external_ref: string | null;
  error: string | null;
}

function toPayout(r: PayoutRow): Payout {
  return {
    id: r.id,
    dealId: r.deal_id,
    method: r.method,
    status: r.status,
    amount: r.amount,
    details: r.details,
    externalRef: r.external_ref,
    error: r.error,
  };
}

/**
 * Signed deal -> "Ожидает списания с р/с" with an open payout of the given method (card: the
 * card token in `details.cardToken`; bank: `details.account`, `details.bik`).
 */
export async function startPayout(
  db: Queryable,
  dealId: bigint,
  method: 'card' | 'bank',
  details: Record<string, string>,
  actor: Actor,
): Promise<Payout> {
  if (method === 'card' && !details.cardToken)
    throw new AppError('validation', 'lending.card_missing', 'не указана карта для выдачи');
  if (method === 'bank' && (!details.account || !details.bik))
    throw new AppError('validation', 'lending.bank_missing', 'не указаны реквизиты счёта для выдачи');
  await moveDeal(
    db,
    dealId,
    'Ожидает списания с р/с',
    actor,
    `выдача: ${method === 'card' ? 'на карту' : 'переводом на счёт'}`,
    ['Подписан (дистанционно)'],
  );
  const deal = await getDeal(db, dealId);
  const { rows } = await db.query<PayoutRow>(
    `INSERT INTO lending.payouts (deal_id, method, status, amount, details) VALUES ($1, $2, 'pending', $3, $4)
     RETURNING id, deal_id, method, status, amount, details, external_ref, error`,
    [dealId, method, deal.amount, JSON.stringify(details)],
  );
  return toPayout(rows[0]!);
}

async function openPayout(db: Queryable, dealId: bigint): Promise<Payout> {
  const { rows } = await db.query<PayoutRow>(
    `SELECT id, deal_id, method, status, amount, details, external_ref, error FROM lending.payouts
     WHERE deal_id = $1 AND purpose = 'issue' AND status IN ('pending', 'exported') FOR UPDATE`,
    [dealId],
  );
  if (!rows[0]) throw new AppError('conflict', 'lending.no_payout', 'по договору нет ожидающей выдачи');
  return toPayout(rows[0]);
}

/**
 * The money is out: "Выдан", the schedule from the real issue date, the loan's COB state, and
 * the ledger transfer of the principal from the lender's cash to the deal's loan receivable.
 */
async function markIssued(
  db: Queryable,
  dealId: bigint,
  issueDate: string,
  actor: Actor,
  reason: string,
): Promise<Deal> {
  if (!isBusinessDate(issueDate)) throw new AppError('validation', 'lending.date', 'неверная дата выдачи');
  await moveDeal(db, dealId, 'Выдан', actor, reason, ['Подписан (дистанционно)', 'Ожидает списания с р/с']);
  const deal = await getDeal(db, dealId);
  const terms = (
    await db.query<{
      daily_rate: string | null;
      penalty_rate_year: string | null;
      cap_percent: number | null;
      interest_after_term: boolean | null;
      penalty_after_daily: string | null;
    }>(
      `SELECT daily_rate, penalty_rate_year, cap_percent, interest_after_term, penalty_after_daily::text
       FROM lending.deals WHERE id = $1`,
      [dealId],
    )
  ).rows[0]!;
  if (terms.daily_rate === null || terms.penalty_rate_year === null || terms.cap_percent === null)
    throw new AppError('conflict', 'lending.not_signed', 'договор не подписан');
  const product = await getProduct(db, deal.productId);
  const schedule = scheduleFor(product, deal.amount, deal.termDays, issueDate, {
    orderAmount: typeof deal.extra.orderAmount === 'string' ? BigInt(deal.extra.orderAmount) : undefined,
    departureDate: typeof deal.extra.departureDate === 'string' ? deal.extra.departureDate : undefined,
  });
  if (schedule.length === 0)
    throw new AppError('conflict', 'lending.no_schedule', 'не построен график платежей');
  await saveSchedule(db, dealId, schedule);
  const principal = await dealPrincipalAccount(db, dealId);
  const cash = await orgAccount(db, 'cash');
  await transfer(db, {
    key: `lending:issue:${dealId}`,
    kind: 'lending.issue',
    entries: move(cash.id, principal.id, deal.amount),
    description: `Выдача займа по договору ${deal.number}`,
    metadata: { deal: deal.number },
  });
  await db.query(
    `INSERT INTO lending.loan_state (deal_id, client_id, accrual_mode, principal, daily_rate, penalty_rate_year,
       cap_percent, cap_amount, issue_date, last_due_date, accrued_through, principal_account_id,
       interest_after_term, penalty_after_daily)
     VALUES ($1, $2, $3, $4::bigint, $5, $6, $7::int, $4::bigint * $7::int / 100, $8, $9,
       -- A schedule-priced loan owes the interest of a line due on the issue day (BNPL's first third).
       CASE WHEN $3 = 'schedule' THEN $8::date - 1 ELSE $8::date END, $10,
       -- Deals signed before these terms were snapshotted: interest after the term, 0.1 % a day.
       coalesce($11::boolean, true), coalesce($12::numeric, 0.1))`,
    [
      dealId,
      deal.clientId,
      product.kind === 'bnpl3' ? 'schedule' : 'daily',
      deal.amount,
      terms.daily_rate,
      terms.penalty_rate_year,
      terms.cap_percent,
      issueDate,
      schedule[schedule.length - 1]!.dueDate,
      principal.id,
      terms.interest_after_term,
      terms.penalty_after_daily,
    ],
  );
  await db.query('UPDATE lending.deals SET issue_date = $2 WHERE id = $1', [dealId, issueDate]);
  return getDeal(db, dealId);
}

/** Completes the open payout (bank registry confirmed, card paid): the loan is issued. */
export async function completePayout(
  db: Queryable,
  dealId: bigint,
  externalRef: string,
  actor: Actor,
  issueDate: string = todayMoscow(),
): Promise<Deal> {
  const payout = await openPayout(db, dealId);
  await db.query(
    `UPDATE lending.payouts SET status = 'done', external_ref = $2, finished_at = now() WHERE id = $1`,
    [payout.id, externalRef],
  );
  return markIssued(db, dealId, issueDate, actor, `выдан: ${payout.method}, ${externalRef}`);
}

/** The payout failed: back to "Подписан (дистанционно)" so it can be tried again. */
export async function failPayout(db: Queryable, dealId: bigint, error: string, actor: Actor): Promise<Deal> {
  const payout = await openPayout(db, dealId);
  await db.query(
    `UPDATE lending.payouts SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
    [payout.id, error],
  );
  await moveDeal(db, dealId, 'Подписан (дистанционно)', actor, `выдача не прошла: ${error}`, [
    'Ожидает списания с р/с',
  ]);
  return getDeal(db, dealId);
}

/**
 * "fixingissue": the loan was paid out outside Kopek (cash desk, another system); registers
 * the fact with its date and reference.
 */
export async function registerExternalIssue(
  db: Queryable,
  dealId: bigint,
  args: { issueDate?: string; ref: string },
  actor: Actor,
): Promise<Deal> {
  const deal = await getDeal(db, dealId, true);
  if (deal.status === 'Ожидает списания с р/с')
    throw new AppError(
      'conflict',
      'lending.payout_open',
      'по договору уже идёт выдача через платёжный сервис',
    );
  await db.query(
    `INSERT INTO lending.payouts (deal_id, method, status, amount, external_ref, finished_at)
     VALUES ($1, 'external', 'done', $2, $3, now())`,
    [dealId, deal.amount, args.ref],
  );
  return markIssued(db, dealId, args.issueDate ?? todayMoscow(), actor, `выдача вне системы: ${args.ref}`);
}

/**
 * Card payout end to end: the payout row commits first, the card service is called outside
 * any transaction, then its answer is recorded. A crash in between leaves the payout pending
 * for staff to complete or fail from the service's report.
 */
export async function issueToCard(
  pool: Pool,
  dealId: bigint,
  cardToken: string,
  gateway: CardPayoutGateway,
  actor: Actor,
  issueDate?: string,
): Promise<Deal> {
  const payout = await withTx(pool, (tx) => startPayout(tx, dealId, 'card', { cardToken }, actor));
  const deal = await getDeal(pool, dealId);
  const result = await gateway.payout({
    payoutId: payout.id,
    dealNumber: deal.number,
    amount: payout.amount,
    cardToken,
  });
  return withTx(pool, (tx) =>
    result.ok
      ? completePayout(tx, dealId, result.ref, actor, issueDate)
      : failPayout(tx, dealId, result.error, actor),
  );
}

/**
 * The bank-transfer registry: every pending bank payout — loan issues and refunds of money left
 * on account (refunds/refund.ts) — as CSV lines for the bank's client (UTF-8, semicolons),
 * marked exported so it is not sent twice.
 */
export async function exportBankRegistry(
  db: Queryable,
  actor: Actor,
): Promise<{ csv: string; count: number }> {
  const { rows } = await db.query<{
    id: bigint;
    number: string;
    amount: bigint;
    details: Record<string, string>;
    last_name: string;
    first_name: string;
    middle_name: string | null;
    purpose: 'issue' | 'refund';
  }>(
    `UPDATE lending.payouts p SET status = 'exported'
     FROM lending.deals d JOIN lending.clients c ON c.id = d.client_id
     WHERE p.deal_id = d.id AND p.method = 'bank' AND p.status = 'pending'
     RETURNING p.id, d.number, p.amount, p.details, c.last_name, c.first_name, c.middle_name, p.purpose`,
  );
  rows.sort((a, b) => (a.id < b.id ? -1 : 1));
  const esc = (v: string) => (/[;"\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [
    'НомерВыдачи;НомерДоговора;Получатель;БИК;Счет;Сумма;Назначение',
    ...rows.map((r) =>
      [
        String(r.id),
        r.number,
        [r.last_name, r.first_name, r.middle_name].filter(Boolean).join(' '),
        r.details.bik ?? '',
        r.details.account ?? '',
        `${r.amount / 100n}.${String(r.amount % 100n).padStart(2, '0')}`,
        r.purpose === 'refund'
          ? `Возврат излишне уплаченных средств по договору ${r.number}. Без НДС`
          : `Выдача займа по договору ${r.number}. Без НДС`,
      ]
        .map(esc)
        .join(';'),
    ),
  ];
  await audit(db, {
    actor,
    action: 'lending.payouts.export',
    subjectType: 'lending.payouts',
    subjectId: 'bank',
    details: { payouts: rows.map((r) => String(r.id)) },
  });
  return { csv: `${lines.join('\r\n')}\r\n`, count: rows.length };
}
