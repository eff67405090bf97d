import type { FieldCipher } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import type { Kopecks } from '../platform/money.ts';
import {
  COUNT_CAP,
  likeEscape,
  orderBy,
  type Page,
  type PageRequest,
  Where,
} from '../staff/console/paging.ts';
import { normalisePassport } from './clients/repository.ts';
import type { DealStatus } from './types.ts';

/**
 * Read-only queries of the operator console over the lending tables: the deal search and the
 * dashboard figures. Changes go through the engine's own functions (decideDeal, repay …).
 * Passports are never decrypted to search: a passport query is matched by its keyed hash.
 */
export interface DealListRow {
  id: bigint;
  number: string;
  status: DealStatus;
  amount: Kopecks;
  termDays: number;
  clientId: bigint;
  clientName: string;
  phone: string;
  product: string;
  source: string;
  createdAt: Date;
  issueDate: string | null;
}

export interface DealFilter {
  /** Deal number (or its start), client name, phone or passport. */
  q?: string;
  status?: string;
  clientId?: bigint;
}

export const DEAL_SORTS = {
  id: 'd.id',
  number: 'd.number',
  amount: 'd.amount',
  createdAt: 'd.created_at',
} as const;
export type DealSort = keyof typeof DEAL_SORTS;

/** Lower-cased full name; ICU lowers Cyrillic whatever the database's ctype (C in tests). */
export const CLIENT_NAME_KEY = `lower((last_name || ' ' || first_name || ' ' || coalesce(middle_name, '')) COLLATE "und-x-icu")`;

/** Spellings a phone may be stored under (the column keeps what was sent). */
function phoneSpellings(digits: string): string[] {
  const ten = digits.slice(-10);
  return [`8${ten}`, `7${ten}`, `+7${ten}`, ten];
}

/** What a search text is: classified by its shape, so each kind uses its own index. */
export function classifyQuery(raw: string): {
  kind: 'passport' | 'phone' | 'number' | 'numberPart' | 'name';
  value: string;
} {
  const q = raw.trim();
  const compact = q.replace(/[\s()+-]/g, '');
  if (
    /^\d{4}\s?\d{6}$/.test(q.replace(/\s+/g, ' ').replace(/^(\d\d) (\d\d)/, '$1$2')) &&
    compact.length === 10
  )
    return { kind: 'passport', value: compact };
  if (/^\d{11}$/.test(compact) && /^[+\d\s()-]+$/.test(q)) return { kind: 'phone', value: compact };
  if (/^[\p{L}]{1,10}\d+$/u.test(q)) return { kind: 'number', value: q.toUpperCase() };
  if (/^\d{3,9}$/.test(q)) return { kind: 'numberPart', value: q };
  return { kind: 'name', value: q };
}

/** The smallest string above every string starting with `prefix` (its last character plus one). */
function nextPrefix(prefix: string): string {
  const chars = [...prefix];
  const last = chars.pop()!;
  return chars.join('') + String.fromCodePoint(last.codePointAt(0)! + 1);
}

export async function searchDeals(
  db: Queryable,
  cipher: FieldCipher,
  filter: DealFilter,
  page: PageRequest<DealSort>,
): Promise<Page<DealListRow>> {
  const where = new Where();
  if (filter.q?.trim()) {
    const q = classifyQuery(filter.q);
    switch (q.kind) {
      case 'passport':
        where.add(
          'd.client_id IN (SELECT id FROM lending.clients WHERE passport_hash = $?)',
          cipher.lookupHash(normalisePassport(q.value)),
        );
        break;
      case 'phone':
        where.add(
          'd.client_id IN (SELECT id FROM lending.clients WHERE phone = ANY ($?::text[]))',
          phoneSpellings(q.value),
        );
        break;
      case 'number': {
        // Prefix as the range LIKE 'X%' stands for, in the pattern operators only
        // deals_number_pattern_idx (btree, text_pattern_ops) serves: given LIKE itself, the planner
        // may pick the trigram index, whose common trigrams ("BEN", "ТСК") match every row.
        const from = where.param(q.value);
        const to = where.param(nextPrefix(q.value));
        where.raw(`(d.number ~>=~ ${from} AND d.number ~<~ ${to})`);
        break;
      }
      case 'numberPart':
        where.add('d.number LIKE $?', `%${likeEscape(q.value)}%`);
        break;
      case 'name':
        // Full name from its start ("Иванов Пётр"), case-insensitively in any database locale:
        // the same expression as clients_name_prefix_idx, the text lowered here the same way.
        where.add(
          `d.client_id IN (SELECT id FROM lending.clients WHERE ${CLIENT_NAME_KEY} LIKE $?)`,
          `${likeEscape(q.value.replace(/\s+/g, ' ').toLocaleLowerCase('ru'))}%`,
        );
        break;
    }
  }
  where.addIf(Boolean(filter.status), 'd.status = $?', filter.status);
  where.addIf(filter.clientId !== undefined, 'd.client_id = $?', filter.clientId);
  const [rows, count] = await Promise.all([
    db.query<{
      id: bigint;
      number: string;
      status: DealStatus;
      amount: bigint;
      term_days: number;
      client_id: bigint;
      last_name: string;
      first_name: string;
      middle_name: string | null;
      phone: string;
      product: string;
      source: string;
      created_at: Date;
      issue_date: string | null;
    }>(
      `SELECT d.id, d.number, d.status, d.amount, d.term_days, d.client_id, c.last_name, c.first_name,
              c.middle_name, c.phone, p.code AS product, d.source, d.created_at, d.issue_date::text
       FROM (SELECT d.* FROM lending.deals d ${where.sql()} ${orderBy(DEAL_SORTS, page, 'd.id', { notNull: true })}
             LIMIT ${page.limit} OFFSET ${page.offset}) d
       JOIN lending.clients c ON c.id = d.client_id
       JOIN lending.products p ON p.id = d.product_id
       ${orderBy(DEAL_SORTS, page, 'd.id', { notNull: true })}`,
      where.values,
    ),
    // Counting a million rows for a pager costs more than the page: exact up to the cap.
    db.query<{ n: bigint }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM lending.deals d ${where.sql()} LIMIT ${COUNT_CAP + 1}) x`,
      where.values,
    ),
  ]);
  return {
    total: Number(count.rows[0]!.n),
    rows: rows.rows.map((r) => ({
      id: r.id,
      number: r.number,
      status: r.status,
      amount: r.amount,
      termDays: r.term_days,
      clientId: r.client_id,
      clientName: [r.last_name, r.first_name, r.middle_name].filter(Boolean).join(' '),
      phone: r.phone,
      product: r.product,
      source: r.source,
      createdAt: r.created_at,
      issueDate: r.issue_date,
    })),
  };
}

/** Deals per status (the dashboard's pie). */
export async function dealsByStatus(db: Queryable): Promise<{ status: string; deals: number }[]> {
  const { rows } = await db.query<{ status: string; n: bigint }>(
    'SELECT status, count(*) AS n FROM lending.deals GROUP BY status ORDER BY count(*) DESC',
  );
  return rows.map((r) => ({ status: r.status, deals: Number(r.n) }));
}

export interface PortfolioFigures {
  activeLoans: number;
  principal: Kopecks;
  /** Principal of active loans by days past due: 0, 1-30, 31-60, 61-90, 90+. */
  buckets: { bucket: string; loans: number; principal: Kopecks }[];
}

/** The active portfolio and its overdue buckets, from the loans' state after the last close of business. */
export async function portfolio(db: Queryable): Promise<PortfolioFigures> {
  const { rows } = await db.query<{ bucket: string; n: bigint; principal: bigint }>(
    `SELECT CASE WHEN dpd <= 0 THEN '0' WHEN dpd <= 30 THEN '1-30' WHEN dpd <= 60 THEN '31-60'
                 WHEN dpd <= 90 THEN '61-90' ELSE '90+' END AS bucket,
            count(*) AS n, coalesce(sum(principal), 0)::bigint AS principal
     FROM lending.loan_state WHERE active GROUP BY 1`,
  );
  const order = ['0', '1-30', '31-60', '61-90', '90+'];
  const buckets = order.map((bucket) => {
    const r = rows.find((x) => x.bucket === bucket);
    return { bucket, loans: Number(r?.n ?? 0n), principal: r?.principal ?? 0n };
  });
  return {
    activeLoans: buckets.reduce((s, b) => s + b.loans, 0),
    principal: buckets.reduce((s, b) => s + b.principal, 0n),
    buckets,
  };
}

/** Repayments accepted on a business date (not reversed, not internal advance offsets), by service. */
export async function paymentsOn(
  db: Queryable,
  date: string,
): Promise<{ service: string; payments: number; amount: Kopecks }[]> {
  const { rows } = await db.query<{ service: string; n: bigint; amount: bigint }>(
    `SELECT service, count(*) AS n, sum(amount)::bigint AS amount FROM lending.payments
     WHERE business_date = $1 AND reversed_at IS NULL AND service <> 'advance'
     GROUP BY service ORDER BY service`,
    [date],
  );
  return rows.map((r) => ({ service: r.service, payments: Number(r.n), amount: r.amount }));
}

export interface DealPayoutRow {
  id: bigint;
  purpose: 'issue' | 'refund';
  method: string;
  status: string;
  amount: Kopecks;
  cardToken: string | null;
  ref: string | null;
  error: string | null;
}

/** A deal's payouts (issue and refunds of money left on account), oldest first, for its card. */
export async function dealPayouts(db: Queryable, dealId: bigint): Promise<DealPayoutRow[]> {
  const { rows } = await db.query<{
    id: bigint;
    purpose: 'issue' | 'refund';
    method: string;
    status: string;
    amount: bigint;
    card_token: string | null;
    external_ref: string | null;
    error: string | null;
  }>(
    `SELECT id, purpose, method, status, amount, details->>'cardToken' AS card_token, external_ref, error
       FROM lending.payouts WHERE deal_id = $1 ORDER BY id`,
    [dealId],
  );
  return rows.map((r) => ({
    id: r.id,
    purpose: r.purpose,
    method: r.method,
    status: r.status,
    amount: r.amount,
    cardToken: r.card_token,
    ref: r.external_ref,
    error: r.error,
  }));
}
