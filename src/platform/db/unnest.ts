/** Helpers for multi-row statements built on `unnest($1::type[], …)` (batched inserts). */

/**
 * The first item of each key, in key order (a Map iterates in insertion order): a later item
 * with a key already seen is a repeat for the caller to answer from the stored row, and rows
 * written in key order make two batches with a common key wait for each other, never deadlock.
 */
export function firstsByKey<T>(items: T[], key: (item: T) => string): Map<string, T> {
  const firsts = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (!firsts.has(k)) firsts.set(k, item);
  }
  return new Map([...firsts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
}

/** Rows of values as one text array per column (dates as ISO, null kept), for `unnest`. */
export function unnestColumns(rows: unknown[][], count: number): (string | null)[][] {
  return Array.from({ length: count }, (_, i) =>
    rows.map((values) => {
      const v = values[i];
      return v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v);
    }),
  );
}
