import type { FieldCipher } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { normalisePassport } from '../clients/repository.ts';
import type { DealStatus, ScheduleLine, ScoringReason } from '../types.ts';

export interface Deal {
  id: bigint;
  number: string;
  org: string;
  clientId: bigint;
  productId: bigint;
  status: DealStatus;
  amount: Kopecks;
  termDays: number;
  source: string;
  extra: Record<string, unknown>;
  pskPercent: string | null;
  pskAmount: Kopecks | null;
  scoringDecision: 'approve' | 'decline' | 'review' | null;
  scoringReasons: ScoringReason[];
  decisionReason: string | null;
  signedAt: Date | null;
  contractDate: string | null;
  issueDate: string | null;
  createdAt: Date;
  statusChangedAt: Date;
}

interface DealRow {
  id: bigint;
  number: string;
  org: string;
  client_id: bigint;
  product_id: bigint;
  status: DealStatus;
  amount: bigint;
  term_days: number;
  source: string;
  extra: Record<string, unknown>;
  psk_percent: string | null;
  psk_amount: bigint | null;
  scoring_decision: Deal['scoringDecision'];
  scoring_reasons: ScoringReason[];
  decision_reason: string | null;
  signed_at: Date | null;
  contract_date: string | null;
  issue_date: string | null;
  created_at: Date;
  status_changed_at: Date;
}

export const DEAL_COLUMNS = `d.id, d.number, d.org, d.client_id, d.product_id, d.status, d.amount, d.term_days, d.source,
  d.extra, d.psk_percent, d.psk_amount, d.scoring_decision, d.scoring_reasons, d.decision_reason, d.signed_at,
  d.contract_date::text, d.issue_date::text, d.created_at, d.status_changed_at`;

export function toDeal(r: DealRow): Deal {
  return {
    id: r.id,
    number: r.number,
    org: r.org,
    clientId: r.client_id,
    productId: r.product_id,
    status: r.status,
    amount: r.amount,
    termDays: r.term_days,
    source: r.source,
    extra: r.extra,
    pskPercent: r.psk_percent,
    pskAmount: r.psk_amount,
    scoringDecision: r.scoring_decision,
    scoringReasons: r.scoring_reasons,
    decisionReason: r.decision_reason,
    signedAt: r.signed_at,
    contractDate: r.contract_date,
    issueDate: r.issue_date,
    createdAt: r.created_at,
    statusChangedAt: r.status_changed_at,
  };
}

/** The engine's "no such deal" (`lending.deal_not_found`), as getDeal throws it. */
export function dealNotFound(what: string): AppError {
  return new AppError('not_found', 'lending.deal_not_found', `договор ${what} не найден`);
}

/** A deal by id or number; `forUpdate` locks its row until the caller's transaction ends. */
export async function getDeal(db: Queryable, idOrNumber: bigint | string, forUpdate = false): Promise<Deal> {
  const byId = typeof idOrNumber === 'bigint';
  const { rows } = await db.query<DealRow>(
    `SELECT ${DEAL_COLUMNS} FROM lending.deals d WHERE ${byId ? 'd.id = $1' : 'd.number = $1'}${forUpdate ? ' FOR UPDATE' : ''}`,
    [idOrNumber],
  );
  if (!rows[0]) throw dealNotFound(String(idOrNumber));
  return toDeal(rows[0]);
}

/** Deals newest first; `overdue`: issued loans past due as of the last close of business. */
export async function listDeals(
  db: Queryable,
  filter: { status?: DealStatus; clientId?: bigint; overdue?: boolean; limit?: number } = {},
): Promise<Deal[]> {
  const { rows } = await db.query<DealRow>(
    `SELECT ${DEAL_COLUMNS} FROM lending.deals d
     WHERE ($1::text IS NULL OR d.status = $1) AND ($2::bigint IS NULL OR d.client_id = $2)
       AND (NOT $4 OR EXISTS (SELECT 1 FROM lending.loan_state s WHERE s.deal_id = d.id AND s.active AND s.dpd > 0))
     ORDER BY d.id DESC LIMIT $3`,
    [filter.status ?? null, filter.clientId ?? null, filter.limit ?? 100, filter.overdue ?? false],
  );
  return rows.map(toDeal);
}

/** Every deal of the client with this passport ("NumbersDeals"), oldest first. */
export async function dealsByPassport(db: Queryable, cipher: FieldCipher, passport: string): Promise<Deal[]> {
  const { rows } = await db.query<DealRow>(
    `SELECT ${DEAL_COLUMNS} FROM lending.deals d JOIN lending.clients c ON c.id = d.client_id
     WHERE c.passport_hash = $1 ORDER BY d.id`,
    [cipher.lookupHash(normalisePassport(passport))],
  );
  return rows.map(toDeal);
}

/** Number, date and status of each of the given deal numbers that exists ("statusdeal"). */
export async function statusesByNumbers(
  db: Queryable,
  numbers: string[],
): Promise<{ number: string; createdAt: Date; status: DealStatus }[]> {
  const { rows } = await db.query<{ number: string; created_at: Date; status: DealStatus }>(
    `SELECT number, created_at, status FROM lending.deals WHERE number = ANY ($1::text[])`,
    [numbers],
  );
  const byNumber = new Map(rows.map((r) => [r.number, r]));
  return numbers.flatMap((n) => {
    const r = byNumber.get(n);
    return r ? [{ number: r.number, createdAt: r.created_at, status: r.status }] : [];
  });
}

export async function getSchedule(db: Queryable, dealId: bigint): Promise<ScheduleLine[]> {
  const { rows } = await db.query<{
    n: number;
    due_date: string;
    principal: bigint;
    interest: bigint;
    total: bigint;
    principal_after: bigint;
  }>(
    `SELECT n, due_date::text, principal, interest, total, principal_after
     FROM lending.schedule_lines WHERE deal_id = $1 ORDER BY n`,
    [dealId],
  );
  return rows.map((r) => ({
    n: r.n,
    dueDate: r.due_date,
    principal: r.principal,
    interest: r.interest,
    total: r.total,
    principalAfter: r.principal_after,
  }));
}

/** Replaces the deal's schedule (at application, and again from the real issue date). */
export async function saveSchedule(db: Queryable, dealId: bigint, lines: ScheduleLine[]): Promise<void> {
  await db.query('DELETE FROM lending.schedule_lines WHERE deal_id = $1', [dealId]);
  if (lines.length === 0) return;
  await db.query(
    `INSERT INTO lending.schedule_lines (deal_id, n, due_date, principal, interest, total, principal_after,
       cum_principal, cum_interest)
     SELECT $1, n, due_date, principal, interest, total, principal_after,
            sum(principal) OVER (ORDER BY n), sum(interest) OVER (ORDER BY n)
     FROM unnest($2::int[], $3::date[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[])
       AS l(n, due_date, principal, interest, total, principal_after)`,
    [
      dealId,
      lines.map((l) => l.n),
      lines.map((l) => l.dueDate),
      lines.map((l) => String(l.principal)),
      lines.map((l) => String(l.interest)),
      lines.map((l) => String(l.total)),
      lines.map((l) => String(l.principalAfter)),
    ],
  );
}

/**
 * The deal with this number when it belongs to the client with this passport (keyed hash, no
 * decryption): the site API's `PS/deal/<IDDeal>/<passport>` in one indexed query.
 */
export async function findDealOfPassport(
  db: Queryable,
  cipher: FieldCipher,
  number: string,
  passport: string,
): Promise<Deal | undefined> {
  // Named: the site's PS/deal runs this on every call, so each connection plans it once.
  const { rows } = await db.query<DealRow>({
    name: 'lending.find_deal_of_passport',
    text: `SELECT ${DEAL_COLUMNS} FROM lending.deals d JOIN lending.clients c ON c.id = d.client_id
           WHERE d.number = $1 AND c.passport_hash = $2`,
    values: [number, cipher.lookupHash(normalisePassport(passport))],
  });
  return rows[0] && toDeal(rows[0]);
}
