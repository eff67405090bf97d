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

/** `ORDER BY` for a whitelisted sort key, with `id` as the tie-breaker so pages never overlap. */
export function orderBy<S extends string>(
  columns: Record<S, string>,
  page: PageRequest<S>,
  tieBreak: string,
) {
  const column = columns[page.sort];
  const dir = page.desc ? 'DESC' : 'ASC';
  return column === tieBreak
    ? `ORDER BY ${column} ${dir}`
    : `ORDER BY ${column} ${dir} NULLS LAST, ${tieBreak} ${dir}`;
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
