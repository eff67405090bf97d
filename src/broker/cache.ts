import { BoundedCache } from '../platform/bounded-cache.ts';

/**
 * A few seconds of memory for configuration every `create_form` reads (partner by token, point,
 * operators, routes): it saves several round trips per form at hundreds of forms a second. Only
 * configuration lives here, never state another process needs; a change (a revoked token, a new
 * route) takes effect within `ttlMs` everywhere. Bounded (src/platform/bounded-cache.ts): at most
 * `maxEntries` keys, so that unknown tokens sent by the thousand (kept as "not found" too) cannot
 * grow it, and expired entries are removed.
 */
export class TtlCache<V> {
  // Boxed: a remembered `undefined` (no such partner) is a hit, not a miss.
  private readonly entries: BoundedCache<string, { value: V }>;

  constructor(ttlMs: number, maxEntries = 10_000) {
    this.entries = new BoundedCache({ maxEntries, ttlMs });
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) return hit.value;
    const value = await load();
    this.entries.set(key, { value });
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

export const CONFIG_TTL_MS = 5_000;
