import { BoundedCache } from '../platform/bounded-cache.ts';

/**
 * What every agent request reads and almost nothing changes, kept in memory per database (keyed by
 * the pool): the agent behind a token, and the catalogue's services. Entries live a few seconds
 * (changes made by another process, such as the CLI, take effect within that), and every change
 * made through this process's own functions (tokens, IP allowlists, overdrafts, top-ups, the
 * catalogue) forgets them all at once. Money does not depend on the copies: the ledger enforces
 * the overdraft, and a pay's reservation refuses a stale service version (reserve_payment).
 */

/** How long a token's agent is trusted without asking the database again. */
export const AGENT_TTL_MS = 2_000;
/** How long a service definition is used without reading it again (pays check its version). */
export const SERVICE_TTL_MS = 5_000;

/** Bumped by every change made in this process: entries of an older generation are not used. */
let generation = 0;

export function forgetCached(): void {
  generation++;
}

interface Entry<T> {
  value: T;
  generation: number;
  expires: number;
}

/**
 * A small read-through cache: concurrent misses for one key share one load; failed loads and
 * `undefined` are not kept.
 */
export class ReadThrough<T> {
  // Bounded, expired entries removed (src/platform/bounded-cache.ts).
  private readonly entries: BoundedCache<string, Entry<T>>;
  private readonly loading = new Map<string, { generation: number; promise: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    maxEntries = 10_000,
  ) {
    this.entries = new BoundedCache({ maxEntries, ttlMs });
  }

  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.generation === generation && hit.expires > now) return Promise.resolve(hit.value);
    const pending = this.loading.get(key);
    if (pending && pending.generation === generation) return pending.promise;
    const started = generation;
    const promise = load().then(
      (value) => {
        if (this.loading.get(key)?.promise === promise) this.loading.delete(key);
        // A change made while loading may not be in the value: do not keep it. Nothing found
        // (an unknown token or service) is not kept either: creating it takes effect at once.
        if (started === generation && value !== undefined) {
          this.entries.set(key, { value, generation: started, expires: Date.now() + this.ttlMs });
        }
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key)?.promise === promise) this.loading.delete(key);
        throw error;
      },
    );
    this.loading.set(key, { generation: started, promise });
    return promise;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

const scopes = new WeakMap<object, Map<string, ReadThrough<unknown>>>();

/** The cache named `name` for one database (the pool is the scope). */
export function cacheFor<T>(scope: object, name: string, ttlMs: number): ReadThrough<T> {
  let caches = scopes.get(scope);
  if (!caches) {
    caches = new Map();
    scopes.set(scope, caches);
  }
  let cache = caches.get(name);
  if (!cache) {
    cache = new ReadThrough<unknown>(ttlMs);
    caches.set(name, cache);
  }
  return cache as ReadThrough<T>;
}
