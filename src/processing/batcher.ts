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
 */
export class Batcher<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
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
    },
  ) {}

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
      while (this.running < this.options.inFlight && this.queue.length > 0) this.flush();
    });
  }

  private flush(): void {
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.running++;
    void this.run(batch).finally(() => {
      this.running--;
      this.schedule();
    });
  }

  private async run(batch: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[]) {
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
