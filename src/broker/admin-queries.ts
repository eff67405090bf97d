import type { Queryable } from '../platform/db/pool.ts';
import type { Kopecks } from '../platform/money.ts';
import { orderBy, type Page, type PageRequest, Where } from '../staff/console/paging.ts';

/**
 * Read-only queries of the operator console over the broker's tables: forms (paged, filtered),
 * one form's lenders and offers, stored registries, the SMS outbox (masked phones only, never
 * the texts: they hold codes). Changes stay in the broker's own modules.
 */
export interface FormListRow {
  id: bigint;
  guid: string;
  partner: string;
  point: string;
  externalId: string;
  kind: string;
  amount: Kopecks;
  status: string;
  offerStatus: string;
  offers: number;
  createdAt: Date;
}

export const FORM_SORTS = { id: 'f.id', amount: 'f.amount', createdAt: 'f.created_at' } as const;
export type FormSort = keyof typeof FORM_SORTS;

const FORM_SELECT = `SELECT f.id, f.guid::text AS guid, p.name AS partner, pt.code AS point, f.external_id, f.kind,
    f.amount, f.status, f.offer_status, f.created_at,
    (SELECT count(*) FROM broker.offers o WHERE o.form_id = f.id) AS offers
  FROM broker.forms f JOIN broker.partners p ON p.id = f.partner_id JOIN broker.points pt ON pt.id = f.point_id`;

interface FormRowDb {
  id: bigint;
  guid: string;
  partner: string;
  point: string;
  external_id: string;
  kind: string;
  amount: bigint;
  status: string;
  offer_status: string;
  offers: bigint;
  created_at: Date;
}

function toFormRow(r: FormRowDb): FormListRow {
  return {
    id: r.id,
    guid: r.guid,
    partner: r.partner,
    point: r.point,
    externalId: r.external_id,
    kind: r.kind,
    amount: r.amount,
    status: r.status,
    offerStatus: r.offer_status,
    offers: Number(r.offers),
    createdAt: r.created_at,
  };
}

export async function searchForms(
  db: Queryable,
  filter: { status?: string; q?: string },
  page: PageRequest<FormSort>,
): Promise<Page<FormListRow>> {
  const where = new Where();
  where.addIf(Boolean(filter.status), 'f.status = $?', filter.status);
  if (filter.q) {
    const q = where.param(filter.q.trim());
    where.raw(`(f.guid::text = lower(${q}) OR f.external_id = ${q})`);
  }
  const [rows, count] = await Promise.all([
    db.query<FormRowDb>(
      `${FORM_SELECT} ${where.sql()} ${orderBy(FORM_SORTS, page, 'f.id')} LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    db.query<{ n: bigint }>(`SELECT count(*) AS n FROM broker.forms f ${where.sql()}`, where.values),
  ]);
  return { total: Number(count.rows[0]!.n), rows: rows.rows.map(toFormRow) };
}

export interface FormDetail {
  form: FormListRow;
  /** Scans the lender asked for and their check state (the lender decides, not an operator). */
  scans: { type: string; status: string; declineReason: string | null; updatedAt: Date }[];
  lenders: { lender: string; status: string; detail: string | null }[];
  offers: {
    guid: string;
    lender: string;
    name: string;
    amount: Kopecks;
    totalCost: Kopecks;
    status: string;
    contractStatus: string | null;
    signingStatus: string;
    paymentStatus: string | null;
    issueStatus: string | null;
  }[];
}

export async function formDetail(db: Queryable, id: bigint): Promise<FormDetail | undefined> {
  const form = await db.query<FormRowDb>(`${FORM_SELECT} WHERE f.id = $1`, [id]);
  if (!form.rows[0]) return undefined;
  const [lenders, offers, scans] = await Promise.all([
    db.query<{ lender: string; status: string; detail: string | null }>(
      `SELECT l.code AS lender, fl.status, fl.detail FROM broker.form_lenders fl
       JOIN broker.lenders l ON l.id = fl.lender_id WHERE fl.form_id = $1 ORDER BY l.code`,
      [id],
    ),
    db.query<{
      guid: string;
      lender: string;
      name: string;
      amount: bigint;
      total_cost: bigint;
      status: string;
      contract_status: string | null;
      signing_status: string;
      payment_status: string | null;
      issue_status: string | null;
    }>(
      `SELECT o.guid::text AS guid, l.code AS lender, o.name, o.amount, o.total_cost, o.status, o.contract_status,
              o.signing_status, o.payment_status, o.issue_status
       FROM broker.offers o JOIN broker.lenders l ON l.id = o.lender_id WHERE o.form_id = $1 ORDER BY o.total_cost, o.id`,
      [id],
    ),
    db.query<{ type: string; status: string; decline_reason: string | null; updated_at: Date }>(
      'SELECT type, status, decline_reason, updated_at FROM broker.scans WHERE form_id = $1 ORDER BY type',
      [id],
    ),
  ]);
  return {
    form: toFormRow(form.rows[0]),
    lenders: lenders.rows,
    scans: scans.rows.map((r) => ({
      type: r.type,
      status: r.status,
      declineReason: r.decline_reason,
      updatedAt: r.updated_at,
    })),
    offers: offers.rows.map((o) => ({
      guid: o.guid,
      lender: o.lender,
      name: o.name,
      amount: o.amount,
      totalCost: o.total_cost,
      status: o.status,
      contractStatus: o.contract_status,
      signingStatus: o.signing_status,
      paymentStatus: o.payment_status,
      issueStatus: o.issue_status,
    })),
  };
}

export interface RegistryListRow {
  id: bigint;
  businessDate: string;
  ownerType: string;
  owner: string;
  format: string;
  fileName: string;
  rows: number;
  deliveredAt: Date | null;
  deliveryError: string | null;
}

export const REGISTRY_SORTS = { id: 'r.id', businessDate: 'r.business_date' } as const;
export type RegistrySort = keyof typeof REGISTRY_SORTS;

export async function searchRegistries(
  db: Queryable,
  filter: { date?: string; ownerType?: string },
  page: PageRequest<RegistrySort>,
): Promise<Page<RegistryListRow>> {
  const where = new Where();
  where.addIf(Boolean(filter.date), 'r.business_date = $?::date', filter.date);
  where.addIf(Boolean(filter.ownerType), 'r.owner_type = $?', filter.ownerType);
  const [rows, count] = await Promise.all([
    db.query<{
      id: bigint;
      business_date: string;
      owner_type: string;
      owner: string | null;
      format: string;
      file_name: string;
      rows: number;
      delivered_at: Date | null;
      delivery_error: string | null;
    }>(
      `SELECT r.id, r.business_date::text, r.owner_type, r.format, r.file_name, r.rows, r.delivered_at, r.delivery_error,
              CASE r.owner_type WHEN 'partner' THEN (SELECT name FROM broker.partners WHERE id = r.owner_id)
                                ELSE (SELECT name FROM broker.lenders WHERE id = r.owner_id) END AS owner
       FROM broker.registries r ${where.sql()} ${orderBy(REGISTRY_SORTS, page, 'r.id')}
       LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    db.query<{ n: bigint }>(`SELECT count(*) AS n FROM broker.registries r ${where.sql()}`, where.values),
  ]);
  return {
    total: Number(count.rows[0]!.n),
    rows: rows.rows.map((r) => ({
      id: r.id,
      businessDate: r.business_date,
      ownerType: r.owner_type,
      owner: r.owner ?? '',
      format: r.format,
      fileName: r.file_name,
      rows: r.rows,
      deliveredAt: r.delivered_at,
      deliveryError: r.delivery_error,
    })),
  };
}

/** Forms created today (Moscow) by status: the dashboard's funnel. */
export async function formsToday(db: Queryable): Promise<{ status: string; forms: number }[]> {
  const { rows } = await db.query<{ status: string; n: bigint }>(
    `SELECT status, count(*) AS n FROM broker.forms
     WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'Europe/Moscow') AT TIME ZONE 'Europe/Moscow'
     GROUP BY status ORDER BY status`,
  );
  return rows.map((r) => ({ status: r.status, forms: Number(r.n) }));
}

export interface PartnerRow {
  id: bigint;
  guid: string;
  name: string;
  active: boolean;
  offerDeadlineMs: number;
  registryUrl: string | null;
  createdAt: Date;
  points: { id: bigint; code: string; name: string; kind: string; active: boolean; users: number }[];
}

/** Partners with their points and each point's operator count; never the token hashes. */
export async function listPartners(db: Queryable): Promise<PartnerRow[]> {
  const [partners, points] = await Promise.all([
    db.query<{
      id: bigint;
      guid: string;
      name: string;
      active: boolean;
      offer_deadline_ms: number;
      registry_url: string | null;
      created_at: Date;
    }>(
      `SELECT id, guid, name, active, offer_deadline_ms, registry_url, created_at FROM broker.partners ORDER BY name, id`,
    ),
    db.query<{
      id: bigint;
      partner_id: bigint;
      code: string;
      name: string;
      kind: string;
      active: boolean;
      users: number;
    }>(
      `SELECT p.id, p.partner_id, p.code, p.name, p.kind, p.active,
              (SELECT count(*)::int FROM broker.point_users u WHERE u.point_id = p.id) AS users
       FROM broker.points p ORDER BY p.partner_id, p.code`,
    ),
  ]);
  return partners.rows.map((r) => ({
    id: r.id,
    guid: r.guid,
    name: r.name,
    active: r.active,
    offerDeadlineMs: r.offer_deadline_ms,
    registryUrl: r.registry_url,
    createdAt: r.created_at,
    points: points.rows
      .filter((p) => p.partner_id === r.id)
      .map((p) => ({
        id: p.id,
        code: p.code,
        name: p.name,
        kind: p.kind,
        active: p.active,
        users: p.users,
      })),
  }));
}

export interface PartnerCardData {
  partner: Omit<PartnerRow, 'points'>;
  points: {
    id: bigint;
    code: string;
    name: string;
    kind: string;
    active: boolean;
    users: { code: string; name: string }[];
  }[];
  /** Every lender with this partner's route state per kind (null: no route). */
  routes: {
    lender: string;
    lenderName: string;
    lenderActive: boolean;
    pos: boolean | null;
    bnpl: boolean | null;
  }[];
}

/** One partner with its points, their operators and form counts, and its routes to lenders. */
export async function partnerCard(db: Queryable, id: bigint): Promise<PartnerCardData | undefined> {
  const partner = await db.query<{
    id: bigint;
    guid: string;
    name: string;
    active: boolean;
    offer_deadline_ms: number;
    registry_url: string | null;
    created_at: Date;
  }>(
    'SELECT id, guid, name, active, offer_deadline_ms, registry_url, created_at FROM broker.partners WHERE id = $1',
    [id],
  );
  const p = partner.rows[0];
  if (!p) return undefined;
  const [points, routes] = await Promise.all([
    db.query<{
      id: bigint;
      code: string;
      name: string;
      kind: string;
      active: boolean;
      users: { code: string; name: string }[];
    }>(
      `SELECT pt.id, pt.code, pt.name, pt.kind, pt.active,
              coalesce((SELECT json_agg(json_build_object('code', u.code, 'name', u.name) ORDER BY u.code)
                        FROM broker.point_users u WHERE u.point_id = pt.id), '[]') AS users
       FROM broker.points pt WHERE pt.partner_id = $1 ORDER BY pt.code`,
      [id],
    ),
    db.query<{ code: string; name: string; active: boolean; pos: boolean | null; bnpl: boolean | null }>(
      `SELECT l.code, l.name, l.active,
              bool_or(r.enabled) FILTER (WHERE r.kind = 'pos') AS pos,
              bool_or(r.enabled) FILTER (WHERE r.kind = 'bnpl') AS bnpl
       FROM broker.lenders l LEFT JOIN broker.routes r ON r.lender_id = l.id AND r.partner_id = $1
       GROUP BY l.id ORDER BY l.code`,
      [id],
    ),
  ]);
  return {
    partner: {
      id: p.id,
      guid: p.guid,
      name: p.name,
      active: p.active,
      offerDeadlineMs: p.offer_deadline_ms,
      registryUrl: p.registry_url,
      createdAt: p.created_at,
    },
    points: points.rows,
    routes: routes.rows.map((r) => ({
      lender: r.code,
      lenderName: r.name,
      lenderActive: r.active,
      pos: r.pos,
      bnpl: r.bnpl,
    })),
  };
}
