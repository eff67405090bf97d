import type { Queryable } from '../platform/db/pool.ts';
import { CONFIG_TTL_MS, TtlCache } from './cache.ts';

export interface Route {
  lenderId: bigint;
  lenderCode: string;
  mapping: FieldMapping;
}

/**
 * Per-lender reshaping of a form ("preprocessing for compatibility"): fields renamed, fields
 * dropped, phones written the lender's way, constants added. Applied when the form is sent, so
 * a changed rule applies to the next form without touching stored ones.
 */
export interface FieldMapping {
  rename?: Record<string, string>;
  omit?: string[];
  /** `plus7` (+79123456789), `digits` (79123456789, as stored), `eight` (89123456789). */
  phoneFormat?: 'plus7' | 'digits' | 'eight';
  constants?: Record<string, unknown>;
}

const routes = new TtlCache<Route[]>(CONFIG_TTL_MS);

export function routesFor(db: Queryable, partnerId: bigint, kind: 'pos' | 'bnpl'): Promise<Route[]> {
  return routes.get(`${partnerId}/${kind}`, () => loadRoutes(db, partnerId, kind));
}

export function clearRouteCache(): void {
  routes.clear();
}

async function loadRoutes(db: Queryable, partnerId: bigint, kind: 'pos' | 'bnpl'): Promise<Route[]> {
  const { rows } = await db.query<{ lender_id: bigint; code: string; mapping: FieldMapping }>(
    `SELECT r.lender_id, l.code, r.mapping FROM broker.routes r JOIN broker.lenders l ON l.id = r.lender_id
     WHERE r.partner_id = $1 AND r.kind = $2 AND r.enabled AND l.active ORDER BY l.code`,
    [partnerId, kind],
  );
  return rows.map((r) => ({ lenderId: r.lender_id, lenderCode: r.code, mapping: r.mapping }));
}

const PHONE_FIELDS = new Set(['mobile_phone']);

export function applyMapping(
  fields: Record<string, unknown>,
  mapping: FieldMapping,
): Record<string, unknown> {
  // No rule: the form goes as it is (most routes; callers only read the result).
  if (!mapping.omit && !mapping.rename && !mapping.phoneFormat && !mapping.constants) return fields;
  const omit = new Set(mapping.omit ?? []);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (omit.has(key)) continue;
    let v = value;
    if (PHONE_FIELDS.has(key) && typeof v === 'string' && /^7\d{10}$/.test(v)) {
      if (mapping.phoneFormat === 'plus7') v = `+${v}`;
      else if (mapping.phoneFormat === 'eight') v = `8${v.slice(1)}`;
    }
    out[mapping.rename?.[key] ?? key] = v;
  }
  return { ...out, ...(mapping.constants ?? {}) };
}
