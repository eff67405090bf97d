/**
 * Natural batching of one kind of database write across concurrent requests: an item submitted
 * while fewer than `inFlight` batches are running goes out on the next turn of the event loop
 * with whatever else was submitted in the same turn; items submitted while the limit is reached
 * wait for a batch to finish and go out together. A lone request therefore waits for nothing,
 * and under load one statement and one commit serve many requests.
 *
 * When a batch fails as a whole with an error `oneByOne` accepts (a refusal that concerns one
 * item, such as an overdraft), its items are run one by one through `single`, so each gets the
 * answer it would have had alone.
 *
 * With `key` and `locks`, batches running at once never share a key (an agent: its ledger rows),
 * across every batcher given the same locks (reservations and settlements both lock the agent's
 * accounts). An item whose key a running batch holds waits for it in the queue instead of
 * joining a batch that would wait on the database's row lock and make all its other items wait
 * too; items of one key in one batch are fine (one statement).
 */
export class Batcher<I, O> {
  private queue: Entry<I, O>[] = [];
  private running = 0;
  private scheduled = false;
  /** Counters for tests and diagnostics: statements sent, items in them, batches redone one by one. */
  readonly stats = { batches: 0, items: 0, oneByOne: 0 };

  constructor(
    private readonly options: {
      many: (items: I[]) => Promise<O[]>;
      single: (item: I) => Promise<O>;
      oneByOne: (error: unknown) => boolean;
      maxBatch: number;
      inFlight: number;
      key?: (item: I) => string;
      locks?: KeyLocks;
    },
  ) {
    options.locks?.onRelease(() => this.schedule());
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= this.options.inFlight || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.running < this.options.inFlight && this.queue.length > 0) {
        if (!this.flush()) break;
      }
    });
  }

  /** Sends the next batch; false when every queued item waits for a key held by a running batch. */
  private flush(): boolean {
    const { key, locks, maxBatch } = this.options;
    let batch: Entry<I, O>[];
    let keys: Set<string> | undefined;
    if (!key || !locks) batch = this.queue.splice(0, maxBatch);
    else {
      batch = [];
      keys = new Set();
      const rest: Entry<I, O>[] = [];
      for (const e of this.queue) {
        const k = key(e.item);
        if (batch.length < maxBatch && (keys.has(k) || !locks.held(k))) {
          batch.push(e);
          keys.add(k);
        } else rest.push(e);
      }
      if (batch.length === 0) return false;
      this.queue = rest;
      locks.acquire(keys);
    }
    this.running++;
    void this.run(batch).finally(() => {
      this.running--;
      if (keys) locks!.release(keys);
      this.schedule();
    });
    return true;
  }

  private async run(batch: Entry<I, O>[]) {
    if (batch.length === 1) {
      const [only] = batch;
      await this.options.single(only!.item).then(only!.resolve, only!.reject);
      return;
    }
    this.stats.batches++;
    this.stats.items += batch.length;
    let results: O[];
    try {
      results = await this.options.many(batch.map((b) => b.item));
    } catch (error) {
      if (!this.options.oneByOne(error)) {
        for (const b of batch) b.reject(error);
        return;
      }
      this.stats.oneByOne++;
      await Promise.all(batch.map((b) => this.options.single(b.item).then(b.resolve, b.reject)));
      return;
    }
    for (const [i, b] of batch.entries()) b.resolve(results[i]!);
  }
}

interface Entry<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

/**
 * `oneByOne` for a batched INSERT: an error one row may have caused (a value the table refuses,
 * SQLSTATE class 22 or 23) or a lock-order failure (40P01, 40001), so each item gets its own answer.
 */
export function rowRefusalOrLockOrder(error: unknown): boolean {
  return /^(22|23|40P01|40001)/.test((error as { code?: string })?.code ?? '');
}

/** Keys held by running batches, shared by the batchers that must not overlap on a key. */
export class KeyLocks {
  private readonly counts = new Map<string, number>();
  private readonly listeners: (() => void)[] = [];

  held(key: string): boolean {
    return this.counts.has(key);
  }

  acquire(keys: Iterable<string>): void {
    for (const k of keys) this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
  }

  release(keys: Iterable<string>): void {
    for (const k of keys) {
      const n = (this.counts.get(k) ?? 1) - 1;
      if (n > 0) this.counts.set(k, n);
      else this.counts.delete(k);
    }
    for (const wake of this.listeners) wake();
  }

  onRelease(wake: () => void): void {
    this.listeners.push(wake);
  }
}
