import type { Queryable } from '../platform/db/pool.ts';

/**
 * Services for the staff workstation (the console issue builds the screens): forms with their
 * lenders' answers and offers, newest first, keyset-paged by id.
 */
export async function listForms(
  db: Queryable,
  filter: { partnerGuid?: string; status?: string; beforeId?: bigint; limit?: number } = {},
) {
  const { rows } = await db.query(
    `SELECT f.id, f.guid::text, p.guid AS partner, pt.code AS point, f.external_id, f.kind, f.offline, f.amount,
       f.status, f.offer_status, f.created_at, f.closed_at,
       (SELECT json_agg(json_build_object('lender', l.code, 'status', fl.status, 'detail', fl.detail) ORDER BY l.code)
          FROM broker.form_lenders fl JOIN broker.lenders l ON l.id = fl.lender_id WHERE fl.form_id = f.id) AS lenders,
       (SELECT count(*) FROM broker.offers o WHERE o.form_id = f.id) AS offers
     FROM broker.forms f JOIN broker.partners p ON p.id = f.partner_id JOIN broker.points pt ON pt.id = f.point_id
     WHERE ($1::text IS NULL OR p.guid = $1) AND ($2::text IS NULL OR f.status = $2) AND ($3::bigint IS NULL OR f.id < $3)
     ORDER BY f.id DESC LIMIT $4`,
    [
      filter.partnerGuid ?? null,
      filter.status ?? null,
      filter.beforeId ?? null,
      Math.min(filter.limit ?? 50, 500),
    ],
  );
  return rows;
}

/** One form's offers with their contract, signing, payment and issue states. */
export async function formOffers(db: Queryable, formGuid: string) {
  const { rows } = await db.query(
    `SELECT o.guid::text, l.code AS lender, o.name, o.amount, o.total_cost, o.status, o.contract_status,
       o.signing_status, o.payment_status, o.issue_status, o.issue_detail
     FROM broker.offers o JOIN broker.forms f ON f.id = o.form_id JOIN broker.lenders l ON l.id = o.lender_id
     WHERE f.guid = $1 ORDER BY o.total_cost, o.id`,
    [formGuid],
  );
  return rows;
}

/** The SMS outbox as staff see it: masked phones, never the texts (they hold codes). */
export async function smsLog(db: Queryable, limit = 100) {
  const { rows } = await db.query(
    `SELECT id, purpose, phone_masked, status, attempts, last_error, created_at, sent_at
     FROM notify.sms_outbox WHERE module = 'broker' ORDER BY id DESC LIMIT $1`,
    [Math.min(limit, 1000)],
  );
  return rows;
}
