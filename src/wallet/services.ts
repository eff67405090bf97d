import { BoundedCache } from '../platform/bounded-cache.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { findService, listServices, type Service, type ServiceField } from '../processing/catalog.ts';
import { WALLET_CURRENCY } from './accounts.ts';

/** One parameter of a service as the wallet document describes it. */
export interface ServiceParameter {
  code: string;
  name: string;
  minLength: number | null;
  maxLength: number | null;
  pattern: string;
  type: 'numeric' | 'text';
  patternDescription: string;
  required: boolean;
}

export interface ServiceGroup {
  code: string;
  name: string;
  services: Service[];
}

/** The services a wallet can pay: the processing centre's enabled services in roubles. */
export async function walletServices(db: Queryable): Promise<Service[]> {
  return (await listServices(db, { enabledOnly: true })).filter(isWalletService);
}

/**
 * One service, remembered for a few seconds: every create and pay reads it, and the catalogue
 * changes rarely. The processing centre checks the service itself on every pay, so a stale
 * entry can delay a change on the wallet's screens by seconds, never let a payment through.
 */
const CACHE_MS = 5_000;
export const MAX_CACHED_SERVICES = 1_000;
// Boxed: "no such wallet service" is remembered too. Bounded, expired entries removed.
const cache = new WeakMap<object, BoundedCache<string, { service: Service | undefined }>>();

export async function walletService(db: Queryable, id: string): Promise<Service | undefined> {
  let byId = cache.get(db);
  if (!byId) {
    byId = new BoundedCache({ maxEntries: MAX_CACHED_SERVICES, ttlMs: CACHE_MS });
    cache.set(db, byId);
  }
  const hit = byId.get(id);
  if (hit) return hit.service;
  const s = await findService(db, id);
  const service = s && isWalletService(s) ? s : undefined;
  byId.set(id, { service });
  return service;
}

function isWalletService(s: Service): boolean {
  return s.enabled && s.currency === WALLET_CURRENCY && s.rate === null;
}

/**
 * Lengths from the common regexp shapes (`^\d{10}$`, `^\d{10,20}$`, `^.{1,100}$`); null when the
 * pattern says nothing simple about length, as the document's `valid` parameter shows.
 */
export function describeParameter(f: ServiceField): ServiceParameter {
  const m = /^\^(\\d|\[0-9\]|\.|\\w)\{(\d+)(?:,(\d*))?\}\$$/.exec(f.regexp);
  const numeric = m !== null && (m[1] === '\\d' || m[1] === '[0-9]');
  const minLength = m ? Number(m[2]) : null;
  const maxLength = m ? (m[3] === undefined ? Number(m[2]) : m[3] === '' ? null : Number(m[3])) : null;
  return {
    code: f.name,
    name: f.title || f.name,
    minLength,
    maxLength,
    pattern: f.regexp,
    type: numeric ? 'numeric' : 'text',
    patternDescription: f.title || f.name,
    required: f.required,
  };
}

/** Group codes for the catalogue's Russian group names; others get a code from their position. */
const GROUP_CODES: Record<string, string> = {
  'Банковские услуги': 'bank',
  'Сотовая связь': 'mobile',
  'Микрофинансовые организации': 'mfo',
  МФО: 'mfo',
  'Погашение займов': 'loans',
  'Погашение кредитов и займов': 'loans',
  ЖКХ: 'utilities',
  Интернет: 'internet',
  'Другие услуги': 'other',
};

export function groupServices(services: Service[]): ServiceGroup[] {
  const groups = new Map<string, ServiceGroup>();
  for (const s of services) {
    const name = s.group ?? 'Другие услуги';
    let g = groups.get(name);
    if (!g) {
      g = { code: GROUP_CODES[name] ?? `group${groups.size + 1}`, name, services: [] };
      groups.set(name, g);
    }
    g.services.push(s);
  }
  return [...groups.values()];
}
