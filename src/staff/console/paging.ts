/**
 * Server-side paging and sorting for the console's lists. Sort keys are whitelisted per list and
 * mapped to SQL expressions, so a request can never inject an ORDER BY of its own.
 */
export interface PageRequest<S extends string = string> {
  offset: number;
  limit: number;
  sort: S;
  desc: boolean;
}

export interface Page<T> {
  rows: T[];
  total: number;
}

export const MAX_PAGE_SIZE = 500;

/**
 * Lists over large tables count matches only up to this many (a total of COUNT_CAP + 1 means
 * "more"): an exact count of a million rows costs more than the page itself.
 */
export const COUNT_CAP = 10_000;

/**
 * `ORDER BY` for a whitelisted sort key, with `id` as the tie-breaker so pages never overlap.
 * Nulls go last; `notNull` (every sort column is NOT NULL) leaves the NULLS clause out, so a
 * descending sort can read a plain btree index backwards (PostgreSQL does not infer it from the
 * constraint, and `DESC NULLS LAST` does not match a backward scan).
 */
export function orderBy<S extends string>(
  columns: Record<S, string>,
  page: PageRequest<S>,
  tieBreak: string,
  options: { notNull?: boolean } = {},
) {
  const column = columns[page.sort];
  const dir = page.desc ? 'DESC' : 'ASC';
  if (column === tieBreak) return `ORDER BY ${column} ${dir}`;
  return `ORDER BY ${column} ${dir}${options.notNull ? '' : ' NULLS LAST'}, ${tieBreak} ${dir}`;
}

/** Collects `WHERE` conditions with numbered parameters. */
export class Where {
  readonly values: unknown[] = [];
  private readonly conditions: string[] = [];

  /** Adds a condition; `$?` in it is replaced by the next parameter number. */
  add(condition: string, value: unknown): this {
    this.values.push(value);
    this.conditions.push(condition.replaceAll('$?', `$${this.values.length}`));
    return this;
  }

  /** Adds a condition whose parameters came from `param`. */
  raw(condition: string): this {
    this.conditions.push(condition);
    return this;
  }

  addIf(present: boolean, condition: string, value: unknown): this {
    return present ? this.add(condition, value) : this;
  }

  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  sql(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

/** Escapes LIKE wildcards in user text. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
