import type { AppContext } from '../../platform/context.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import { CONFIG_TTL_MS, TtlCache } from '../cache.ts';
import type { LenderAdapter } from './adapter.ts';
import { HttpLender } from './http-lender.ts';
import { InhouseLender } from './inhouse-lender.ts';

export interface LenderRow {
  id: bigint;
  code: string;
  adapter: 'http' | 'inhouse';
  base_url: string | null;
  secret_enc: string | null;
  timeout_ms: number;
}

/**
 * Kopek's own loan engine as a lender (`InhouseLender`, in-process). `setInhouseLender` replaces
 * it (tests, or another engine); `undefined` unwires it, and forms routed to an `inhouse` lender
 * then record that lender as erred.
 */
let inhouse: ((ctx: AppContext) => LenderAdapter) | undefined = (ctx) => new InhouseLender(ctx);

export function setInhouseLender(factory: ((ctx: AppContext) => LenderAdapter) | undefined): void {
  inhouse = factory;
}

const lenders = new TtlCache<LenderRow | undefined>(CONFIG_TTL_MS);

export async function loadLender(db: Queryable, lenderId: bigint | string): Promise<LenderRow> {
  const row = await lenders.get(String(lenderId), () => readLender(db, lenderId));
  if (!row) throw new Error(`lender ${lenderId} not found`);
  return row;
}

async function readLender(db: Queryable, lenderId: bigint | string): Promise<LenderRow | undefined> {
  const { rows } = await db.query<LenderRow>(
    `SELECT id, code, adapter, base_url, secret_enc, timeout_ms FROM broker.lenders WHERE id = $1`,
    [lenderId],
  );
  return rows[0];
}

/**
 * An HTTP lender's adapter is kept with its cached row (the secret is decrypted once per row,
 * not once per call); a reloaded row (after CONFIG_TTL_MS) brings a fresh one.
 */
const httpAdapters = new WeakMap<AppContext, WeakMap<LenderRow, LenderAdapter>>();

export function adapterFor(ctx: AppContext, lender: LenderRow): LenderAdapter {
  if (lender.adapter === 'http') {
    const byRow = httpAdapters.get(ctx) ?? new WeakMap<LenderRow, LenderAdapter>();
    httpAdapters.set(ctx, byRow);
    let adapter = byRow.get(lender);
    if (!adapter) {
      adapter = new HttpLender({
        baseUrl: lender.base_url!,
        secret: ctx.cipher.decrypt(lender.secret_enc!),
        timeoutMs: lender.timeout_ms,
      });
      byRow.set(lender, adapter);
    }
    return adapter;
  }
  if (!inhouse)
    throw new AppError('unavailable', 'broker.inhouse_not_wired', 'собственный кредитор ещё не подключён');
  return inhouse(ctx);
}
