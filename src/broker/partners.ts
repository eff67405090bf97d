import type { FieldCipher } from '../platform/crypto.ts';
import { hashSecret } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { CONFIG_TTL_MS, TtlCache } from './cache.ts';
import { brokerError } from './errors.ts';
import type { FieldMapping } from './routing.ts';

export interface Partner {
  id: bigint;
  guid: string;
  name: string;
  offerDeadlineMs: number;
}

export interface Point {
  id: bigint;
  code: string;
  kind: 'pos_offline' | 'pos_online' | 'bnpl';
}

/** The active partner a token belongs to (401-style refusal without one). */
export async function partnerByToken(db: Queryable, token: string | undefined): Promise<Partner> {
  if (!token)
    throw brokerError(
      'broker.unauthorized',
      'не передан токен партнёра (заголовок Authorization: Bearer <токен>)',
    );
  const tokenHash = hashSecret(token);
  const row = await partnersByToken.get(tokenHash, async () => {
    const { rows } = await db.query<{ id: bigint; guid: string; name: string; offer_deadline_ms: number }>(
      `SELECT id, guid, name, offer_deadline_ms FROM broker.partners WHERE token_hash = $1 AND active`,
      [tokenHash],
    );
    return rows[0];
  });
  if (!row) throw brokerError('broker.unauthorized', 'неверный токен партнёра');
  return { id: row.id, guid: row.guid, name: row.name, offerDeadlineMs: row.offer_deadline_ms };
}

/**
 * The token's partner must be the one named by `partner_guid`: a valid token of one partner
 * naming another partner is refused, not silently rebound.
 */
export function boundToGuid(partner: Partner, partnerGuid: unknown): Partner {
  if (typeof partnerGuid !== 'string' || partnerGuid !== partner.guid)
    throw brokerError('broker.forbidden', 'partner_guid не соответствует токену партнёра');
  return partner;
}

/** `partnerByToken`, then `boundToGuid`. */
export async function authenticatePartner(
  db: Queryable,
  token: string | undefined,
  partnerGuid: unknown,
): Promise<Partner> {
  return boundToGuid(await partnerByToken(db, token), partnerGuid);
}

const partnersByToken = new TtlCache<
  { id: bigint; guid: string; name: string; offer_deadline_ms: number } | undefined
>(CONFIG_TTL_MS);
const points = new TtlCache<Point | undefined>(CONFIG_TTL_MS);
const pointUsers = new TtlCache<boolean>(CONFIG_TTL_MS);

export async function findPoint(db: Queryable, partnerId: bigint, code: string): Promise<Point | undefined> {
  return points.get(`${partnerId}/${code}`, async () => {
    const { rows } = await db.query<Point>(
      `SELECT id, code, kind FROM broker.points WHERE partner_id = $1 AND code = $2 AND active`,
      [partnerId, code],
    );
    return rows[0];
  });
}

export async function isPointUser(db: Queryable, pointId: bigint, code: string): Promise<boolean> {
  return pointUsers.get(`${pointId}/${code}`, async () => {
    const { rowCount } = await db.query(
      `SELECT 1 FROM broker.point_users WHERE point_id = $1 AND code = $2`,
      [pointId, code],
    );
    return rowCount === 1;
  });
}

/** Forget cached configuration at once (after a change made in this process). */
export function clearConfigCache(): void {
  partnersByToken.clear();
  points.clear();
  pointUsers.clear();
}

/** Creates or updates a partner (idempotent by guid); the token is stored only as a hash. */
export async function upsertPartner(
  db: Queryable,
  p: { guid: string; name: string; token: string; offerDeadlineMs?: number; registryUrl?: string | null },
): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(
    `INSERT INTO broker.partners (guid, name, token_hash, offer_deadline_ms, registry_url)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (guid) DO UPDATE SET name = excluded.name, token_hash = excluded.token_hash,
       offer_deadline_ms = excluded.offer_deadline_ms, registry_url = excluded.registry_url
     RETURNING id`,
    [p.guid, p.name, hashSecret(p.token), p.offerDeadlineMs ?? 30_000, p.registryUrl ?? null],
  );
  return rows[0]!.id;
}

export async function upsertPoint(
  db: Queryable,
  p: {
    partnerId: bigint;
    code: string;
    name: string;
    kind: Point['kind'];
    users?: { code: string; name: string }[];
  },
): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(
    `INSERT INTO broker.points (partner_id, code, name, kind) VALUES ($1, $2, $3, $4)
     ON CONFLICT (partner_id, code) DO UPDATE SET name = excluded.name, kind = excluded.kind
     RETURNING id`,
    [p.partnerId, p.code, p.name, p.kind],
  );
  const id = rows[0]!.id;
  for (const u of p.users ?? [])
    await db.query(
      `INSERT INTO broker.point_users (point_id, code, name) VALUES ($1, $2, $3)
       ON CONFLICT (point_id, code) DO UPDATE SET name = excluded.name`,
      [id, u.code, u.name],
    );
  return id;
}

export async function upsertLender(
  db: Queryable,
  cipher: FieldCipher,
  l: {
    code: string;
    name: string;
    adapter: 'http' | 'inhouse';
    baseUrl?: string;
    secret?: string;
    timeoutMs?: number;
    registryUrl?: string | null;
  },
): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(
    `INSERT INTO broker.lenders (code, name, adapter, base_url, secret_enc, timeout_ms, registry_url)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (code) DO UPDATE SET name = excluded.name, adapter = excluded.adapter,
       base_url = excluded.base_url, secret_enc = excluded.secret_enc, timeout_ms = excluded.timeout_ms,
       registry_url = excluded.registry_url
     RETURNING id`,
    [
      l.code,
      l.name,
      l.adapter,
      l.baseUrl ?? null,
      l.secret ? cipher.encrypt(l.secret) : null,
      l.timeoutMs ?? 10_000,
      l.registryUrl ?? null,
    ],
  );
  return rows[0]!.id;
}

export async function setRoute(
  db: Queryable,
  r: {
    partnerId: bigint;
    kind: 'pos' | 'bnpl';
    lenderId: bigint;
    mapping?: FieldMapping;
    enabled?: boolean;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO broker.routes (partner_id, kind, lender_id, mapping, enabled) VALUES ($1, $2, $3, $4::jsonb, $5)
     ON CONFLICT (partner_id, kind, lender_id) DO UPDATE SET mapping = excluded.mapping, enabled = excluded.enabled`,
    [r.partnerId, r.kind, r.lenderId, JSON.stringify(r.mapping ?? {}), r.enabled ?? true],
  );
}

/** Lenders with their routes (`partner/kind`, `(off)` when disabled), for the operator's command. */
export async function listLenders(
  db: Queryable,
): Promise<{ code: string; name: string; adapter: string; active: boolean; routes: string[] }[]> {
  const { rows } = await db.query<{
    code: string;
    name: string;
    adapter: string;
    active: boolean;
    routes: string[];
  }>(
    `SELECT l.code, l.name, l.adapter, l.active,
       coalesce(array_agg(p.guid || '/' || r.kind || CASE WHEN r.enabled THEN '' ELSE ' (off)' END
                ORDER BY p.guid, r.kind) FILTER (WHERE r.lender_id IS NOT NULL), '{}') AS routes
     FROM broker.lenders l LEFT JOIN broker.routes r ON r.lender_id = l.id LEFT JOIN broker.partners p ON p.id = r.partner_id
     GROUP BY l.id ORDER BY l.code`,
  );
  return rows;
}
