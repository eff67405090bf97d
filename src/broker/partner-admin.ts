import { type Actor, audit } from '../platform/audit.ts';
import { hashSecret, newToken } from '../platform/crypto.ts';
import type { Tx } from '../platform/db/tx.ts';
import { AppError } from '../platform/errors.ts';
import { clearConfigCache, type Point, setRoute } from './partners.ts';
import { clearRouteCache, type FieldMapping } from './routing.ts';

/**
 * The staff's changes to the broker's configuration (partners, their tokens, points, operators,
 * routes), each in the caller's transaction with its audit record. The CLI (`kopek broker
 * partner-create`) and the demo seed use `upsertPartner` / `upsertPoint`; the console uses these,
 * which validate with Russian messages and never overwrite by accident (a create of an existing
 * guid or point code is a conflict, not an update). The per-process configuration cache is
 * cleared here; other processes see a change within CONFIG_TTL_MS (5 s).
 */
export interface Change {
  actor: Actor;
  requestId?: string;
}

export const POINT_KINDS = ['pos_offline', 'pos_online', 'bnpl'] as const;
export const ROUTE_KINDS = ['pos', 'bnpl'] as const;

const CODE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

function invalid(code: string, message: string): never {
  throw new AppError('validation', code, message);
}

function checkCode(value: unknown, field: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (!CODE.test(text))
    invalid(
      `broker.${field}`,
      `${field}: от 1 до 64 знаков — латинские буквы, цифры, «.», «_», «:», «-», начиная с буквы или цифры`,
    );
  return text;
}

function checkName(value: unknown, field: string, what: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '' || text.length > 200) invalid(`broker.${field}`, `${what}: от 1 до 200 знаков`);
  return text;
}

function checkDeadline(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 100 || value > 3_600_000)
    invalid('broker.offer_deadline', 'срок сбора предложений: целое число миллисекунд от 100 до 3 600 000');
  return value;
}

function checkUrl(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value).trim();
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || text.length > 500)
    invalid('broker.registry_url', 'адрес для реестров: ссылка http:// или https:// до 500 знаков');
  return text;
}

function checkKind(value: unknown): Point['kind'] {
  if (!(POINT_KINDS as readonly unknown[]).includes(value))
    invalid('broker.point_kind', 'вид точки: pos_offline, pos_online или bnpl');
  return value as Point['kind'];
}

function notFound(what: 'partner' | 'point' | 'lender'): never {
  const text = { partner: 'партнёр не найден', point: 'точка не найдена', lender: 'кредитор не найден' }[
    what
  ];
  throw new AppError('not_found', `broker.${what}_not_found`, text);
}

function changed(): void {
  clearConfigCache();
  clearRouteCache();
}

export interface NewPartner {
  guid: string;
  name: string;
  offerDeadlineMs?: number;
  registryUrl?: string | null;
  /** Chosen once per filled-in form by the console: a repeat of the same form creates nothing. */
  key: string;
}

/**
 * Creates a partner with a fresh token (random, stored only as its hash, as `kopek broker
 * partner-create` does). The token is answered once: a repeat of the same form (same `key`)
 * answers the partner with `token: null` (it cannot be shown again; rotate it for a new one);
 * another form naming a taken guid is 409 `broker.partner_exists`.
 */
export async function createPartner(
  tx: Tx,
  change: Change,
  input: NewPartner,
): Promise<{ id: bigint; token: string | null; created: boolean }> {
  const guid = checkCode(input.guid, 'partner_guid');
  const name = checkName(input.name, 'partner_name', 'название партнёра');
  const deadline = checkDeadline(input.offerDeadlineMs ?? 30_000);
  const registryUrl = checkUrl(input.registryUrl);
  const token = newToken();
  const { rows } = await tx.query<{ id: bigint }>(
    `INSERT INTO broker.partners (guid, name, token_hash, offer_deadline_ms, registry_url)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (guid) DO NOTHING RETURNING id`,
    [guid, name, hashSecret(token), deadline, registryUrl],
  );
  if (!rows[0]) {
    // Taken: by this very form (a double submit waited for the first one's commit) or another.
    const replay = await tx.query<{ id: string }>(
      `SELECT l.subject_id AS id FROM audit.log l JOIN broker.partners p ON p.id::text = l.subject_id
       WHERE l.subject_type = 'broker.partner' AND p.guid = $1 AND l.action = 'broker.partner.create'
         AND l.details->>'key' = $2`,
      [guid, input.key],
    );
    if (replay.rows[0]) return { id: BigInt(replay.rows[0].id), token: null, created: false };
    throw new AppError('conflict', 'broker.partner_exists', `партнёр с partner_guid «${guid}» уже есть`);
  }
  const id = rows[0].id;
  await audit(tx, {
    ...change,
    action: 'broker.partner.create',
    subjectType: 'broker.partner',
    subjectId: String(id),
    details: { guid, name, offerDeadlineMs: deadline, registryUrl, key: input.key },
  });
  changed();
  return { id, token, created: true };
}

export interface PartnerPatch {
  guid?: string;
  name?: string;
  active?: boolean;
  offerDeadlineMs?: number;
  registryUrl?: string | null;
}

/** Changes a partner's fields (a repeat changes nothing more); a guid taken by another is 409. */
export async function updatePartner(tx: Tx, change: Change, id: bigint, patch: PartnerPatch): Promise<void> {
  const before = await tx.query<{
    guid: string;
    name: string;
    active: boolean;
    offer_deadline_ms: number;
    registry_url: string | null;
  }>(
    'SELECT guid, name, active, offer_deadline_ms, registry_url FROM broker.partners WHERE id = $1 FOR UPDATE',
    [id],
  );
  const old = before.rows[0];
  if (!old) notFound('partner');
  const next = {
    guid: patch.guid === undefined ? old.guid : checkCode(patch.guid, 'partner_guid'),
    name: patch.name === undefined ? old.name : checkName(patch.name, 'partner_name', 'название партнёра'),
    active: patch.active ?? old.active,
    offerDeadlineMs:
      patch.offerDeadlineMs === undefined ? old.offer_deadline_ms : checkDeadline(patch.offerDeadlineMs),
    registryUrl: patch.registryUrl === undefined ? old.registry_url : checkUrl(patch.registryUrl),
  };
  if (next.guid !== old.guid) {
    const taken = await tx.query('SELECT 1 FROM broker.partners WHERE guid = $1 AND id <> $2', [
      next.guid,
      id,
    ]);
    if (taken.rowCount)
      throw new AppError(
        'conflict',
        'broker.partner_exists',
        `партнёр с partner_guid «${next.guid}» уже есть`,
      );
  }
  const diff = diffOf(
    {
      guid: old.guid,
      name: old.name,
      active: old.active,
      offerDeadlineMs: old.offer_deadline_ms,
      registryUrl: old.registry_url,
    },
    next,
  );
  if (Object.keys(diff).length === 0) return;
  await tx.query(
    `UPDATE broker.partners SET guid = $2, name = $3, active = $4, offer_deadline_ms = $5, registry_url = $6
     WHERE id = $1`,
    [id, next.guid, next.name, next.active, next.offerDeadlineMs, next.registryUrl],
  );
  await audit(tx, {
    ...change,
    action: 'broker.partner.update',
    subjectType: 'broker.partner',
    subjectId: String(id),
    details: { changes: diff },
  });
  changed();
}

/**
 * A new token for a partner (the old one stops working: at once in this process, within 5 s in
 * the others). Idempotent by the form's `key`: a repeat answers `token: null` and rotates nothing.
 */
export async function rotatePartnerToken(
  tx: Tx,
  change: Change,
  id: bigint,
  key: string,
): Promise<{ token: string | null }> {
  const partner = await tx.query('SELECT 1 FROM broker.partners WHERE id = $1 FOR UPDATE', [id]);
  if (!partner.rowCount) notFound('partner');
  const replay = await tx.query(
    `SELECT 1 FROM audit.log WHERE subject_type = 'broker.partner' AND subject_id = $1
       AND action = 'broker.partner.token' AND details->>'key' = $2`,
    [String(id), key],
  );
  if (replay.rowCount) return { token: null };
  const token = newToken();
  await tx.query('UPDATE broker.partners SET token_hash = $2 WHERE id = $1', [id, hashSecret(token)]);
  await audit(tx, {
    ...change,
    action: 'broker.partner.token',
    subjectType: 'broker.partner',
    subjectId: String(id),
    details: { key },
  });
  changed();
  return { token };
}

export interface NewPoint {
  code: string;
  name: string;
  kind: string;
  active?: boolean;
  users?: { code: string; name: string }[];
}

/**
 * Adds a point (with its operators) to a partner. Idempotent by (partner, point code): a repeat
 * with the same name and kind answers the existing point (`created: false`); other content under
 * a used code is 409 `broker.point_exists`.
 */
export async function createPoint(
  tx: Tx,
  change: Change,
  partnerId: bigint,
  input: NewPoint,
): Promise<{ id: bigint; created: boolean }> {
  const code = checkCode(input.code, 'point_code');
  const name = checkName(input.name, 'point_name', 'название (адрес) точки');
  const kind = checkKind(input.kind);
  const users = (input.users ?? []).map((u) => ({
    code: checkCode(u.code, 'point_user_code'),
    name: checkName(u.name, 'point_user_name', 'ФИО оператора'),
  }));
  if (new Set(users.map((u) => u.code)).size !== users.length)
    invalid('broker.point_user_code', 'point_user_code: коды операторов точки не должны повторяться');
  const partner = await tx.query('SELECT 1 FROM broker.partners WHERE id = $1', [partnerId]);
  if (!partner.rowCount) notFound('partner');
  const { rows } = await tx.query<{ id: bigint }>(
    `INSERT INTO broker.points (partner_id, code, name, kind, active) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (partner_id, code) DO NOTHING RETURNING id`,
    [partnerId, code, name, kind, input.active ?? true],
  );
  if (!rows[0]) {
    const existing = await tx.query<{ id: bigint; name: string; kind: string }>(
      'SELECT id, name, kind FROM broker.points WHERE partner_id = $1 AND code = $2',
      [partnerId, code],
    );
    const point = existing.rows[0]!;
    if (point.name === name && point.kind === kind) return { id: point.id, created: false };
    throw new AppError('conflict', 'broker.point_exists', `у партнёра уже есть точка с point_code «${code}»`);
  }
  const id = rows[0].id;
  for (const u of users)
    await tx.query('INSERT INTO broker.point_users (point_id, code, name) VALUES ($1, $2, $3)', [
      id,
      u.code,
      u.name,
    ]);
  await audit(tx, {
    ...change,
    action: 'broker.point.create',
    subjectType: 'broker.point',
    subjectId: String(id),
    details: { partnerId, code, name, kind, active: input.active ?? true, users: users.map((u) => u.code) },
  });
  changed();
  return { id, created: true };
}

export interface PointPatch {
  code?: string;
  name?: string;
  kind?: string;
  active?: boolean;
}

/** Changes a point; its partner's other point already using the new code is 409. */
export async function updatePoint(tx: Tx, change: Change, id: bigint, patch: PointPatch): Promise<bigint> {
  const before = await tx.query<{
    partner_id: bigint;
    code: string;
    name: string;
    kind: string;
    active: boolean;
  }>('SELECT partner_id, code, name, kind, active FROM broker.points WHERE id = $1 FOR UPDATE', [id]);
  const old = before.rows[0];
  if (!old) notFound('point');
  const next = {
    code: patch.code === undefined ? old.code : checkCode(patch.code, 'point_code'),
    name: patch.name === undefined ? old.name : checkName(patch.name, 'point_name', 'название (адрес) точки'),
    kind: patch.kind === undefined ? old.kind : checkKind(patch.kind),
    active: patch.active ?? old.active,
  };
  if (next.code !== old.code) {
    const taken = await tx.query('SELECT 1 FROM broker.points WHERE partner_id = $1 AND code = $2', [
      old.partner_id,
      next.code,
    ]);
    if (taken.rowCount)
      throw new AppError(
        'conflict',
        'broker.point_exists',
        `у партнёра уже есть точка с point_code «${next.code}»`,
      );
  }
  const diff = diffOf({ code: old.code, name: old.name, kind: old.kind, active: old.active }, next);
  if (Object.keys(diff).length > 0) {
    await tx.query('UPDATE broker.points SET code = $2, name = $3, kind = $4, active = $5 WHERE id = $1', [
      id,
      next.code,
      next.name,
      next.kind,
      next.active,
    ]);
    await audit(tx, {
      ...change,
      action: 'broker.point.update',
      subjectType: 'broker.point',
      subjectId: String(id),
      details: { changes: diff },
    });
    changed();
  }
  return old.partner_id;
}

/**
 * Registers an operator of a point (`point_user_code`, required on POS forms) or renames one;
 * `remove` takes the operator off the point (stored forms keep the code they were sent with).
 */
export async function setPointUser(
  tx: Tx,
  change: Change,
  pointId: bigint,
  input: { code: string; name?: string; remove?: boolean },
): Promise<bigint> {
  const point = await tx.query<{ partner_id: bigint }>(
    'SELECT partner_id FROM broker.points WHERE id = $1 FOR UPDATE',
    [pointId],
  );
  if (!point.rows[0]) notFound('point');
  const code = checkCode(input.code, 'point_user_code');
  if (input.remove) {
    const { rowCount } = await tx.query('DELETE FROM broker.point_users WHERE point_id = $1 AND code = $2', [
      pointId,
      code,
    ]);
    if (rowCount)
      await audit(tx, {
        ...change,
        action: 'broker.point.user_remove',
        subjectType: 'broker.point',
        subjectId: String(pointId),
        details: { code },
      });
  } else {
    const name = checkName(input.name, 'point_user_name', 'ФИО оператора');
    const { rowCount } = await tx.query(
      `INSERT INTO broker.point_users (point_id, code, name) VALUES ($1, $2, $3)
       ON CONFLICT (point_id, code) DO UPDATE SET name = excluded.name WHERE point_users.name <> excluded.name`,
      [pointId, code, name],
    );
    if (rowCount)
      await audit(tx, {
        ...change,
        action: 'broker.point.user_set',
        subjectType: 'broker.point',
        subjectId: String(pointId),
        details: { code, name },
      });
  }
  changed();
  return point.rows[0].partner_id;
}

/**
 * Turns a partner's route to a lender on or off for one kind of form, through `setRoute`; the
 * route's field mapping (set by file or seed) is kept as it is.
 */
export async function setPartnerRoute(
  tx: Tx,
  change: Change,
  partnerId: bigint,
  input: { lender: string; kind: string; enabled: boolean },
): Promise<void> {
  if (!(ROUTE_KINDS as readonly string[]).includes(input.kind))
    invalid('broker.route_kind', 'вид анкет маршрута: pos или bnpl');
  const kind = input.kind as (typeof ROUTE_KINDS)[number];
  const partner = await tx.query('SELECT 1 FROM broker.partners WHERE id = $1 FOR UPDATE', [partnerId]);
  if (!partner.rowCount) notFound('partner');
  const lender = await tx.query<{ id: bigint }>('SELECT id FROM broker.lenders WHERE code = $1', [
    input.lender,
  ]);
  const lenderId = lender.rows[0]?.id;
  if (lenderId === undefined) notFound('lender');
  const current = await tx.query<{ mapping: FieldMapping; enabled: boolean }>(
    'SELECT mapping, enabled FROM broker.routes WHERE partner_id = $1 AND kind = $2 AND lender_id = $3',
    [partnerId, kind, lenderId],
  );
  const route = current.rows[0];
  if (route?.enabled === input.enabled || (!route && !input.enabled)) return;
  await setRoute(tx, { partnerId, kind, lenderId, mapping: route?.mapping ?? {}, enabled: input.enabled });
  await audit(tx, {
    ...change,
    action: 'broker.partner.route',
    subjectType: 'broker.partner',
    subjectId: String(partnerId),
    details: { lender: input.lender, kind, enabled: input.enabled },
  });
  changed();
}

function diffOf<T extends Record<string, unknown>>(
  before: T,
  after: T,
): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after))
    if (before[key] !== after[key]) out[key] = { from: before[key], to: after[key] };
  return out;
}
