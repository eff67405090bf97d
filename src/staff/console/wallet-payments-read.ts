import type { Queryable } from '../../platform/db/pool.ts';
import type { Kopecks } from '../../platform/money.ts';
import { REJECTED_PREFIX } from '../../wallet/kyc-review.ts';
import { COUNT_CAP, orderBy, type Page, type PageRequest, Where } from './paging.ts';

/**
 * The console's read model of wallet payments (paged, sorted, filtered; the indexes behind each
 * sort and filter are in migrations/0025_console_broker_wallet.sql) and of one wallet's card:
 * ledger balance, holds, KYC state and its latest payments. Read-only.
 */
export interface WalletPaymentRow {
  id: bigint;
  walletId: bigint;
  phone: string;
  service: string;
  serviceName: string;
  amount: Kopecks;
  fee: Kopecks | null;
  state: string;
  result: number | null;
  message: string | null;
  createdAt: Date;
  processedAt: Date | null;
}

export interface WalletPaymentFilter {
  wallet?: bigint;
  state?: string;
  service?: string;
  /** Moscow dates, inclusive. */
  from?: string;
  to?: string;
}

/**
 * Ids are taken in creation order, so "by creation time" reads the primary key instead of a
 * created_at btree the pay path would have to write (migrations/0025). Sorting by amount has no
 * index for the same reason: it sorts what the filters leave (the whole table without filters).
 */
export const WALLET_PAYMENT_SORTS = { id: 'p.id', amount: 'p.amount', createdAt: 'p.id' } as const;
export type WalletPaymentSort = keyof typeof WALLET_PAYMENT_SORTS;

interface PaymentDb {
  id: bigint;
  wallet_id: bigint;
  phone: string;
  service_id: string;
  service_name: string;
  amount: bigint;
  fee: bigint | null;
  state: string;
  result: number | null;
  result_message: string | null;
  created_at: Date;
  processed_at: Date | null;
}

const SELECT = `SELECT p.id, p.wallet_id, w.phone, p.service_id, p.service_name, p.amount, p.fee, p.state,
    p.result, p.result_message, p.created_at, p.processed_at
  FROM wallet.payments p JOIN wallet.wallets w ON w.id = p.wallet_id`;

function toRow(r: PaymentDb): WalletPaymentRow {
  return {
    id: r.id,
    walletId: r.wallet_id,
    phone: r.phone,
    service: r.service_id,
    serviceName: r.service_name,
    amount: r.amount,
    fee: r.fee,
    state: r.state,
    result: r.result,
    message: r.result_message,
    createdAt: r.created_at,
    processedAt: r.processed_at,
  };
}

export async function searchWalletPayments(
  db: Queryable,
  filter: WalletPaymentFilter,
  page: PageRequest<WalletPaymentSort>,
): Promise<Page<WalletPaymentRow>> {
  const where = new Where();
  where.addIf(filter.wallet !== undefined, 'p.wallet_id = $?', filter.wallet);
  where.addIf(Boolean(filter.state), 'p.state = $?', filter.state);
  where.addIf(Boolean(filter.service), 'p.service_id = $?', filter.service);
  where.addIf(Boolean(filter.from), "p.created_at >= ($?::date AT TIME ZONE 'Europe/Moscow')", filter.from);
  where.addIf(Boolean(filter.to), "p.created_at < (($?::date + 1) AT TIME ZONE 'Europe/Moscow')", filter.to);
  // With a date range, newest-id-first must not walk the primary key backwards filtering by
  // date (the planner takes ids and dates for independent and reads half a million rows to reach
  // an old day): `p.id + 0` hides the key's order, so the range is read by the created_at BRIN
  // index and its rows sorted.
  const sorts =
    filter.from || filter.to
      ? { ...WALLET_PAYMENT_SORTS, id: '(p.id + 0)', createdAt: '(p.id + 0)' }
      : WALLET_PAYMENT_SORTS;
  const [rows, count] = await Promise.all([
    db.query<PaymentDb>(
      `${SELECT} ${where.sql()} ${orderBy(sorts, page, 'p.id', { notNull: true })}
       LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    // Exact up to COUNT_CAP: counting a million payments for a pager costs more than the page.
    db.query<{ n: bigint }>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM wallet.payments p ${where.sql()} LIMIT ${COUNT_CAP + 1}) x`,
      where.values,
    ),
  ]);
  return { total: Number(count.rows[0]!.n), rows: rows.rows.map(toRow) };
}

export interface WalletCardData {
  id: bigint;
  phone: string;
  status: string;
  createdAt: Date;
  activatedAt: Date | null;
  balance: Kopecks;
  /** Reserved by pending payments (the ledger's pending debits of the balance account). */
  holds: Kopecks;
  kyc: { state: string | null; name: string | null; decidedAt: Date | null; rejectReason: string | null };
  payments: { total: number; latest: WalletPaymentRow[] };
}

export async function walletCard(db: Queryable, id: bigint): Promise<WalletCardData | undefined> {
  const wallet = await db.query<{
    id: bigint;
    phone: string;
    status: string;
    created_at: Date;
    activated_at: Date | null;
    balance: bigint;
    pending_debits: bigint;
    person_status: string | null;
    verified_by: string | null;
    verified_at: Date | null;
    family_name: string | null;
    given_name: string | null;
    patronymic_name: string | null;
  }>(
    `SELECT w.id, w.phone, w.status, w.created_at, w.activated_at, a.balance, a.pending_debits,
            p.status AS person_status, p.verified_by, p.verified_at, p.family_name, p.given_name, p.patronymic_name
     FROM wallet.wallets w JOIN ledger.accounts a ON a.id = w.account_id
     LEFT JOIN wallet.persons p ON p.wallet_id = w.id
     WHERE w.id = $1 AND w.deleted_at IS NULL`,
    [id],
  );
  const w = wallet.rows[0];
  if (!w) return undefined;
  const rejected = w.person_status === 'data_entered' && (w.verified_by ?? '').startsWith(REJECTED_PREFIX);
  const [payments, reason] = await Promise.all([
    searchWalletPayments(db, { wallet: id }, { offset: 0, limit: 10, sort: 'createdAt', desc: true }),
    rejected
      ? db.query<{ reason: string }>(
          `SELECT details->>'reason' AS reason FROM audit.log
           WHERE subject_type = 'wallet' AND subject_id = $1 AND action = 'wallet.person.reject'
           ORDER BY id DESC LIMIT 1`,
          [String(id)],
        )
      : undefined,
  ]);
  return {
    id: w.id,
    phone: w.phone,
    status: w.status,
    createdAt: w.created_at,
    activatedAt: w.activated_at,
    balance: w.balance,
    holds: w.pending_debits,
    kyc: {
      state: rejected ? 'rejected' : w.person_status,
      name: w.family_name ? [w.family_name, w.given_name, w.patronymic_name].filter(Boolean).join(' ') : null,
      decidedAt: w.person_status === 'data_verified' || rejected ? w.verified_at : null,
      rejectReason: reason?.rows[0]?.reason ?? null,
    },
    payments: { total: payments.total, latest: payments.rows },
  };
}
