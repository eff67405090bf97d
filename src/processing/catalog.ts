import { readFileSync } from 'node:fs';
import type { Pool, Queryable } from '../platform/db/pool.ts';
import { AppError } from '../platform/errors.ts';
import { type Kopecks, parseRoubles } from '../platform/money.ts';
import { cacheFor, forgetCached, SERVICE_TTL_MS } from './cache.ts';

/** One parameter the payer enters (`inputs`) or the provider returns for display (`displays`). */
export interface ServiceField {
  name: string;
  required: boolean;
  title: string;
  regexp: string;
}

/** How the processing centre reaches the provider; a new provider is a data change. */
export interface ProviderConfig {
  adapter: 'osmp';
  url: string;
  login?: string;
  password?: string;
}

export type SchemeType = 0 | 1 | 2;

export interface Service {
  id: string;
  /** 0 simple, 1 with choice ("с выбором", contracts), 2 complex ("комплексная", invoice). */
  type: SchemeType;
  name: string;
  group: string | null;
  country: string | null;
  fixedPayment: boolean;
  currency: string;
  /** Provider-currency units per agent-currency unit, decimal text; null: no conversion. */
  rate: string | null;
  inputs: ServiceField[];
  displays: ServiceField[];
  minAmount: Kopecks;
  maxAmount: Kopecks;
  feeMin: Kopecks;
  feeMax: Kopecks;
  commissionBp: number;
  commissionFixed: Kopecks;
  provider: ProviderConfig;
  enabled: boolean;
  /** Changes with every update of the stored service (absent on a definition not yet stored). */
  version?: bigint;
}

interface ServiceRow {
  id: string;
  type: number;
  name: string;
  service_group: string | null;
  country: string | null;
  fixed_payment: boolean;
  currency: string;
  rate: string | null;
  inputs: ServiceField[];
  displays: ServiceField[];
  min_amount: bigint;
  max_amount: bigint;
  fee_min: bigint;
  fee_max: bigint;
  commission_bp: number;
  commission_fixed: bigint;
  provider: ProviderConfig;
  enabled: boolean;
  version: bigint;
}

const COLUMNS = `id, type, name, service_group, country, fixed_payment, currency, rate::text AS rate, inputs,
  displays, min_amount, max_amount, fee_min, fee_max, commission_bp, commission_fixed, provider, enabled, version`;

function toService(r: ServiceRow): Service {
  return {
    id: r.id,
    type: r.type as SchemeType,
    name: r.name,
    group: r.service_group,
    country: r.country,
    fixedPayment: r.fixed_payment,
    currency: r.currency,
    rate: r.rate === null ? null : trimDecimal(r.rate),
    inputs: r.inputs,
    displays: r.displays,
    minAmount: r.min_amount,
    maxAmount: r.max_amount,
    feeMin: r.fee_min,
    feeMax: r.fee_max,
    commissionBp: r.commission_bp,
    commissionFixed: r.commission_fixed,
    provider: r.provider,
    enabled: r.enabled,
    version: r.version,
  };
}

function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

export async function findService(db: Queryable, id: string): Promise<Service | undefined> {
  const { rows } = await db.query<ServiceRow>(`SELECT ${COLUMNS} FROM processing.services WHERE id = $1`, [
    id,
  ]);
  return rows[0] && toService(rows[0]);
}

/**
 * `findService` for the agent protocol's hot path: a copy kept for SERVICE_TTL_MS
 * (src/processing/cache.ts). A pay's reservation compares the copy's version with the stored
 * one and reads it again when they differ, so only a check may see a change a few seconds late.
 */
export function cachedService(pool: Pool, id: string): Promise<Service | undefined> {
  return cacheFor<Service | undefined>(pool, 'service', SERVICE_TTL_MS).get(id, () => findService(pool, id));
}

export async function listServices(
  db: Queryable,
  options: { enabledOnly?: boolean } = {},
): Promise<Service[]> {
  const { rows } = await db.query<ServiceRow>(
    `SELECT ${COLUMNS} FROM processing.services ${options.enabledOnly ? 'WHERE enabled' : ''} ORDER BY id`,
  );
  return rows.map(toService);
}

/** A service as written in a catalogue file: amounts as decimal strings ("200.00"). */
export interface ServiceDefinition {
  serviceId: string;
  type: number;
  name: string;
  group?: string;
  country?: string;
  fixedPayment?: boolean;
  currency: string;
  rate?: string;
  inputs?: ServiceField[];
  displays?: ServiceField[];
  minAmount: string;
  maxAmount: string;
  feeMin?: string;
  feeMax?: string;
  commissionPercent?: string;
  commissionFixed?: string;
  provider: ProviderConfig;
  enabled?: boolean;
}

/** Checks one catalogue entry and converts it; a bad entry names itself in the error. */
export function parseServiceDefinition(value: unknown): Service {
  const d = value as Partial<ServiceDefinition>;
  const where = `услуга ${typeof d?.serviceId === 'string' ? d.serviceId : '?'}`;
  const fail = (why: string): never => {
    throw new AppError('validation', 'processing.catalog', `${where}: ${why}`);
  };
  if (typeof d !== 'object' || d === null) fail('ожидается объект');
  if (typeof d.serviceId !== 'string' || !/^[A-Za-z0-9_-]{1,32}$/.test(d.serviceId))
    fail('неверный serviceId');
  if (d.type !== 0 && d.type !== 1 && d.type !== 2) fail('type должен быть 0, 1 или 2');
  if (typeof d.name !== 'string' || d.name === '') fail('не указано name');
  if (typeof d.currency !== 'string' || !/^[A-Z]{3}$/.test(d.currency)) fail('неверная валюта');
  if (d.rate !== undefined && !/^\d{1,10}(\.\d{1,10})?$/.test(d.rate)) fail('неверный курс rate');
  const fields = (list: unknown, name: string): ServiceField[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) return fail(`${name} должен быть массивом`);
    return list.map((f: Partial<ServiceField>) => {
      if (typeof f?.name !== 'string' || typeof f.regexp !== 'string') fail(`${name}: нужны name и regexp`);
      try {
        new RegExp(f.regexp as string);
      } catch {
        fail(`${name}.${f.name}: неверное регулярное выражение`);
      }
      return { name: f.name!, required: f.required !== false, title: f.title ?? '', regexp: f.regexp! };
    });
  };
  const money = (v: unknown, name: string, fallback?: Kopecks): Kopecks => {
    if (v === undefined && fallback !== undefined) return fallback;
    try {
      return parseRoubles(v);
    } catch (error) {
      return fail(`${name}: ${(error as Error).message}`);
    }
  };
  const p = d.provider;
  if (p?.adapter !== 'osmp' || typeof p.url !== 'string') fail('provider: нужен {adapter: "osmp", url}');
  try {
    new URL(p!.url);
  } catch {
    fail('provider.url: неверный адрес');
  }
  const percent = d.commissionPercent ?? '0';
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(percent)) fail('commissionPercent: до двух знаков после точки');
  const [whole, frac = ''] = percent.split('.');
  const commissionBp = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  if (commissionBp > 10_000) fail('commissionPercent не больше 100');
  const minAmount = money(d.minAmount, 'minAmount');
  const maxAmount = money(d.maxAmount, 'maxAmount');
  if (minAmount <= 0n || maxAmount < minAmount) fail('нужно 0 < minAmount ≤ maxAmount');
  const feeMin = money(d.feeMin, 'feeMin', 0n);
  const feeMax = money(d.feeMax, 'feeMax', 0n);
  if (feeMax < feeMin) fail('нужно feeMin ≤ feeMax');
  return {
    id: d.serviceId!,
    type: d.type as SchemeType,
    name: d.name!,
    group: d.group ?? null,
    country: d.country ?? null,
    fixedPayment: d.fixedPayment ?? false,
    currency: d.currency!,
    rate: d.rate ?? null,
    inputs: fields(d.inputs, 'inputs'),
    displays: fields(d.displays, 'displays'),
    minAmount,
    maxAmount,
    feeMin,
    feeMax,
    commissionBp,
    commissionFixed: money(d.commissionFixed, 'commissionFixed', 0n),
    provider: { adapter: 'osmp', url: p!.url, login: p!.login, password: p!.password },
    enabled: d.enabled ?? true,
  };
}

/** Inserts or replaces a service of the catalogue. */
export async function upsertService(db: Queryable, s: Service): Promise<void> {
  forgetCached();
  await db.query(
    `INSERT INTO processing.services (id, type, name, service_group, country, fixed_payment, currency, rate,
       inputs, displays, min_amount, max_amount, fee_min, fee_max, commission_bp, commission_fixed, provider, enabled)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
     ON CONFLICT (id) DO UPDATE SET type = excluded.type, name = excluded.name,
       service_group = excluded.service_group, country = excluded.country,
       fixed_payment = excluded.fixed_payment, currency = excluded.currency, rate = excluded.rate,
       inputs = excluded.inputs, displays = excluded.displays, min_amount = excluded.min_amount,
       max_amount = excluded.max_amount, fee_min = excluded.fee_min, fee_max = excluded.fee_max,
       commission_bp = excluded.commission_bp, commission_fixed = excluded.commission_fixed,
       provider = excluded.provider, enabled = excluded.enabled, updated_at = now()`,
    [
      s.id,
      s.type,
      s.name,
      s.group,
      s.country,
      s.fixedPayment,
      s.currency,
      s.rate,
      JSON.stringify(s.inputs),
      JSON.stringify(s.displays),
      s.minAmount,
      s.maxAmount,
      s.feeMin,
      s.feeMax,
      s.commissionBp,
      s.commissionFixed,
      JSON.stringify(s.provider),
      s.enabled,
    ],
  );
}

/** Reads a catalogue file: a JSON array of service definitions (or `{services: [...]}`). */
export function readCatalogFile(file: string): Service[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const list = Array.isArray(parsed) ? parsed : (parsed as { services?: unknown })?.services;
  if (!Array.isArray(list))
    throw new AppError('validation', 'processing.catalog', 'файл каталога: ожидается массив услуг');
  return list.map(parseServiceDefinition);
}

/** Imports every service of a catalogue, in the caller's transaction. */
export async function importServices(db: Queryable, services: Service[]): Promise<number> {
  for (const s of services) await upsertService(db, s);
  return services.length;
}
