import { openAccount } from '../ledger/index.ts';
import { BoundedCache } from '../platform/bounded-cache.ts';
import type { Queryable } from '../platform/db/pool.ts';

/**
 * Ledger accounts of the processing centre, by code. Ids never change once opened, so they are
 * remembered per database (keyed by the pool) to spare a query on every payment. There is one per
 * (service, agent) pair, so each database keeps at most 100,000 (least recently used out).
 */
const known = new WeakMap<object, BoundedCache<string, bigint>>();

async function accountId(
  scope: object,
  db: Queryable,
  code: string,
  spec: { ownerType: string; ownerId: string; kind: string; currency: string },
): Promise<bigint> {
  let codes = known.get(scope);
  if (!codes) {
    codes = new BoundedCache({ maxEntries: 100_000 });
    known.set(scope, codes);
  }
  const cached = codes.get(code);
  if (cached !== undefined) return cached;
  const account = await openAccount(db, { code, ...spec });
  codes.set(code, account.id);
  return account.id;
}

/**
 * What the processing centre owes a service's provider from one agent's payments, in the agent's
 * currency. Kept per agent (a provider's total is the sum over its accounts, owner = provider):
 * a single account per provider would be a row every payment locks until its commit, which
 * serializes all agents' payments behind one row.
 */
export function providerPayableAccount(
  scope: object,
  db: Queryable,
  serviceId: string,
  currency: string,
  agentId: bigint,
): Promise<bigint> {
  return accountId(scope, db, `provider:${serviceId}:payable:${currency}:agent:${agentId}`, {
    ownerType: 'provider',
    ownerId: serviceId,
    kind: 'provider_payable',
    currency,
  });
}

/** The processing centre's commission paid to one agent (agents' rewards); per agent, as above. */
export function commissionAccount(
  scope: object,
  db: Queryable,
  currency: string,
  agentId: bigint,
): Promise<bigint> {
  return accountId(scope, db, `system:commission:${currency}:agent:${agentId}`, {
    ownerType: 'system',
    ownerId: 'processing',
    kind: 'commission',
    currency,
  });
}

export function agentAccountCode(agentId: bigint): string {
  return `agent:${agentId}:balance`;
}
