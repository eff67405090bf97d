import { Readable } from 'node:stream';
import type { TObject, TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { audit } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { MAX_PAGE_SIZE, type Page, type PageRequest } from '../../staff/console/paging.ts';
import type { Permission } from '../../staff/permissions.ts';
import { changeOf, noStore, staffOf } from './guard.ts';
import { ErrorBody, PageOf, type Text } from './schemas.ts';

/** One column of a list's CSV export. */
export interface CsvColumn<Row> {
  header: Text;
  value(row: Row): string | number | bigint | boolean | null | undefined;
}

/**
 * A console list: one definition gives a paged, sorted, filtered JSON endpoint at `path` and a
 * CSV export of every matching row at `path.csv` (needs `export.csv` too). Modules define their
 * lists with it, so every table of the console pages, sorts, filters and exports the same way.
 */
export interface ListDefinition<Row, Filter, Sort extends string, Item> {
  path: string;
  permission: Permission;
  summary: string;
  tags: string[];
  query: TObject;
  item: TSchema;
  sorts: Record<Sort, string>;
  defaultSort: Sort;
  defaultDesc: boolean;
  filter(query: Record<string, string | undefined>): Filter;
  fetch(db: Queryable, filter: Filter, page: PageRequest<Sort>): Promise<Page<Row>>;
  toItem(row: Row): Item;
  csv: { name: string; columns: CsvColumn<Row>[] };
}

export const DEFAULT_PAGE_SIZE = 25;
/** Rows one CSV export may hold; narrow the filters for more. */
export const CSV_MAX_ROWS = 100_000;
const CSV_CHUNK = 1_000;

function pageOf<Sort extends string>(
  query: Record<string, string | undefined>,
  def: { sorts: Record<Sort, string>; defaultSort: Sort; defaultDesc: boolean },
): PageRequest<Sort> {
  const offset = query.offset === undefined ? 0 : Number(query.offset);
  const limit = query.limit === undefined ? DEFAULT_PAGE_SIZE : Number(query.limit);
  if (limit < 1 || limit > MAX_PAGE_SIZE)
    throw new AppError('validation', 'list.limit', `limit: от 1 до ${MAX_PAGE_SIZE}`);
  let sort = def.defaultSort;
  let desc = def.defaultDesc;
  if (query.sort) {
    const key = query.sort.replace(/^-/, '');
    if (!Object.hasOwn(def.sorts, key))
      throw new AppError(
        'validation',
        'list.sort',
        `sort: сортировка возможна по полям ${Object.keys(def.sorts).join(', ')}`,
      );
    sort = key as Sort;
    desc = query.sort.startsWith('-');
  }
  return { offset, limit, sort, desc };
}

export function registerList<Row, Filter, Sort extends string, Item>(
  app: FaceApp,
  ctx: AppContext,
  def: ListDefinition<Row, Filter, Sort, Item>,
): void {
  app.get(
    def.path,
    {
      config: { adminPermission: def.permission },
      schema: {
        summary: def.summary,
        description: `Право: \`${def.permission}\`. Сортировка: ${Object.keys(def.sorts).join(', ')} (\`-\` — по убыванию).`,
        tags: def.tags,
        querystring: def.query,
        response: { 200: PageOf(def.item), '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const page = pageOf(query, def);
      const result = await def.fetch(ctx.pool, def.filter(query), page);
      noStore(reply);
      return {
        items: result.rows.map(def.toItem),
        total: result.total,
        offset: page.offset,
        limit: page.limit,
      };
    },
  );
  app.get(
    `${def.path}.csv`,
    {
      config: { adminPermission: def.permission },
      schema: {
        summary: `${def.summary}: CSV`,
        description: `Права: \`${def.permission}\` и \`export.csv\`. Все строки по фильтрам (до ${CSV_MAX_ROWS}), UTF-8 с BOM, разделитель «;».`,
        tags: def.tags,
        querystring: def.query,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const session = staffOf(request);
      if (!session.permissions.includes('export.csv'))
        throw new AppError('forbidden', 'auth.forbidden', 'недостаточно прав: нужно право «export.csv»', {
          permission: 'export.csv',
        });
      const query = request.query as Record<string, string | undefined>;
      const page = pageOf({ ...query, offset: undefined, limit: undefined }, def);
      const filter = def.filter(query);
      const first = await def.fetch(ctx.pool, filter, { ...page, offset: 0, limit: CSV_CHUNK });
      if (first.total > CSV_MAX_ROWS)
        throw new AppError(
          'limit',
          'list.too_many_rows',
          `выгрузка ограничена ${CSV_MAX_ROWS} строками, по фильтрам найдено ${first.total}; уточните фильтры`,
        );
      await recordExport(ctx, request, def.path, query, first.total);
      const locale = session.locale;
      async function* lines() {
        yield `\uFEFF${def.csv.columns.map((c) => csvCell(c.header[locale])).join(';')}\r\n`;
        let chunk = first.rows;
        let offset = 0;
        while (chunk.length > 0) {
          yield chunk
            .map((row) => `${def.csv.columns.map((c) => csvCell(c.value(row))).join(';')}\r\n`)
            .join('');
          offset += chunk.length;
          if (chunk.length < CSV_CHUNK || offset >= first.total) break;
          chunk = (await def.fetch(ctx.pool, filter, { ...page, offset, limit: CSV_CHUNK })).rows;
        }
      }
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header('cache-control', 'no-store')
        .header('content-disposition', `attachment; filename="${def.csv.name}-${day}.csv"`)
        .type('text/csv; charset=utf-8')
        .send(Readable.from(lines()));
    },
  );
}

async function recordExport(
  ctx: AppContext,
  request: FastifyRequest,
  path: string,
  query: Record<string, string | undefined>,
  rows: number,
): Promise<void> {
  await withTx(ctx.pool, (tx) =>
    audit(tx, {
      ...changeOf(request),
      action: 'console.export',
      subjectType: 'console.list',
      subjectId: path,
      details: { filters: query, rows },
    }),
  );
}

/**
 * One CSV cell, quoted when needed. Text that a spreadsheet would run as a formula (`=`, `+`,
 * `@`, or `-` not starting a number) is defused with a leading apostrophe.
 */
export function csvCell(value: string | number | bigint | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (/^[=+@\t\r]/.test(text) || (/^-/.test(text) && !/^-\d+(\.\d+)?$/.test(text))) text = `'${text}`;
  return /[";\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
