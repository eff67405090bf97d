import { BoundedCache } from './bounded-cache.ts';

interface Entry<V> {
  value: V;
  /** The hard end of the entry: `ttlMs` after the check that made it started. */
  expires: number;
}

/**
 * The outcome of an expensive check (a password's scrypt), remembered per key for `ttlMs`. During
 * the last `refreshMs` of an entry's life a request still gets the entry at once and starts the
 * check again in the background: a credential in steady use never makes a request wait for it.
 * Without that, a payment service sending 1,000 requests a second with one login had every
 * request held for the length of one scrypt on a busy machine (~100 ms) each time its entry
 * expired. The TTL stays a hard limit — an entry is never served later than `ttlMs` after the
 * start of the check that made it — so a revoked credential stops working within the TTL as
 * before, and sooner when a background check refuses it (the entry goes at once). Concurrent
 * misses of one key share one check; a check that fails or refuses is not kept, and one that
 * started before `clear()` does not bring its entry back. Bounded (src/platform/bounded-cache.ts).
 */
export class VerifiedCache<V> {
  private readonly entries: BoundedCache<string, Entry<V>>;
  private readonly pending = new Map<string, Promise<V | undefined>>();
  private readonly now: () => number;
  private generation = 0;

  constructor(
    private readonly options: { ttlMs: number; refreshMs: number; maxEntries: number; now?: () => number },
  ) {
    if (!(options.refreshMs > 0 && options.refreshMs < options.ttlMs))
      throw new Error('VerifiedCache: refreshMs must be between 0 and ttlMs');
    this.now = options.now ?? Date.now;
    this.entries = new BoundedCache({ maxEntries: options.maxEntries, ttlMs: options.ttlMs, now: this.now });
  }

  /** The remembered value of `key`, or `check`'s (undefined: refused, not kept). */
  get(key: string, check: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (hit) {
      if (hit.expires - this.now() <= this.options.refreshMs && !this.pending.has(key))
        // A failed background check leaves the entry to its hard end; the next miss checks again.
        this.run(key, check).catch(() => {});
      return Promise.resolve(hit.value);
    }
    return this.pending.get(key) ?? this.run(key, check);
  }

  /** Removes every entry whose value `test` holds for (a wallet's passwords on a reset). */
  deleteWhere(test: (value: V) => boolean): void {
    this.entries.deleteWhere((entry) => test(entry.value));
  }

  /** Forgets every entry, and what checks running now would have stored. */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private run(key: string, check: () => Promise<V | undefined>): Promise<V | undefined> {
    const started = this.now();
    const generation = this.generation;
    const promise = check()
      .then((value) => {
        if (generation !== this.generation) return value;
        if (value === undefined) this.entries.delete(key);
        else {
          const expires = started + this.options.ttlMs;
          this.entries.set(key, { value, expires }, expires - this.now());
        }
        return value;
      })
      .finally(() => {
        if (this.pending.get(key) === promise) this.pending.delete(key);
      });
    this.pending.set(key, promise);
    return promise;
  }
}
