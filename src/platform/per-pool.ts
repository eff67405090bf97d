/**
 * State kept per database pool and made on first use: statement batchers, their key locks and
 * caches belong to the pool they serve (a process may hold several pools, as tests and benches
 * do, and each gets its own).
 */
export class PerPool<T> {
  private readonly made = new WeakMap<object, T>();

  /** The value for `pool`, made by `make` the first time it is asked for. */
  of(pool: object, make: () => T): T {
    let value = this.made.get(pool);
    if (value === undefined) {
      value = make();
      this.made.set(pool, value);
    }
    return value;
  }

  /** The value for `pool` if it was made (the stats of a batcher never used: undefined). */
  peek(pool: object): T | undefined {
    return this.made.get(pool);
  }
}
