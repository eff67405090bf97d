/**
 * The one in-process cache shape Kopek uses: a Map with a hard bound on its entries and, when
 * given a TTL, expiry that removes entries rather than only ignoring them. A long-running server
 * must not grow with the number of distinct keys it has ever seen (the soak bench,
 * docs/resilience.md): at the bound the least recently used entry goes, and expired entries go
 * when read and in a sweep at most once a TTL (each `set` sweeps when one is due, so a cache
 * that stops being read still shrinks when it is written). No timers: nothing keeps the process
 * alive or runs when the cache is idle.
 */
export interface BoundedCacheOptions {
  /** Most entries kept; the least recently used one goes to make room. */
  maxEntries: number;
  /** Entries older than this (ms after their `set`) are gone; none for values that never change. */
  ttlMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  expires: number;
}

export class BoundedCache<K, V> {
  // A Map iterates in insertion order: re-inserting on every hit keeps the least recently used first.
  private readonly entries = new Map<K, Entry<V>>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private nextSweep: number;

  constructor(options: BoundedCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1)
      throw new Error('BoundedCache: maxEntries must be a positive integer');
    this.maxEntries = options.maxEntries;
    this.ttlMs = options.ttlMs ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
    this.nextSweep = this.now() + this.ttlMs;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= this.now()) return undefined;
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** Stores `value` for the cache's TTL, or for `ttlMs` when shorter (a session that ends sooner). */
  set(key: K, value: V, ttlMs = this.ttlMs): this {
    const now = this.now();
    if (now >= this.nextSweep) this.sweep(now);
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, { value, expires: now + Math.min(ttlMs, this.ttlMs) });
    return this;
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  /** Removes every entry for which `test` holds (a wallet's sessions on logout). */
  deleteWhere(test: (value: V, key: K) => boolean): void {
    for (const [key, entry] of this.entries) if (test(entry.value, key)) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Removes expired entries now (also run by `set` at most once a TTL). */
  sweep(now = this.now()): void {
    for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
    this.nextSweep = now + this.ttlMs;
  }
}
