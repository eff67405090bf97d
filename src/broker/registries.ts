import ExcelJS from 'exceljs';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { formatRoubles } from '../platform/money.ts';

/**
 * Daily reconciliation registries («реестры для сверки»): one per partner and one per lender for
 * each business date (UTC), as CSV (UTF-8 with BOM, `;`, what Excel in Russian opens) and XLSX.
 * Generating a date again replaces its files, so the job is idempotent; files then go to the
 * recipient's `registry_url` (POST) when one is set.
 */
export const REGISTRY_COLUMNS = [
  ['form_guid', 'Анкета'],
  ['external_id', 'Номер у партнёра'],
  ['partner', 'Партнёр'],
  ['point', 'Точка'],
  ['lender', 'Кредитор'],
  ['created_at', 'Создана'],
  ['kind', 'Продукт'],
  ['amount', 'Сумма, руб.'],
  ['form_status', 'Статус анкеты'],
  ['lender_status', 'Ответ кредитора'],
  ['offers', 'Предложений'],
  ['chosen_offer', 'Выбранное предложение'],
  ['credit_amount', 'Сумма кредита, руб.'],
  ['issue_status', 'Статус выдачи'],
] as const;

export interface RegistryRow {
  form_guid: string;
  external_id: string;
  partner: string;
  point: string;
  lender: string;
  created_at: string;
  kind: string;
  amount: string;
  form_status: string;
  lender_status: string;
  offers: string;
  chosen_offer: string;
  credit_amount: string;
  issue_status: string;
}

export async function registryRows(
  db: Queryable,
  date: string,
  owner: 'partner' | 'lender',
  ownerId: bigint,
): Promise<RegistryRow[]> {
  const { rows } = await db.query<{
    form_guid: string;
    external_id: string;
    partner: string;
    point: string;
    lender: string;
    created_at: Date;
    kind: string;
    amount: bigint;
    form_status: string;
    lender_status: string;
    offers: bigint;
    chosen_offer: string | null;
    credit_amount: bigint | null;
    issue_status: string | null;
  }>(
    `SELECT f.guid::text AS form_guid, f.external_id, p.guid AS partner, pt.code AS point, l.code AS lender,
       f.created_at, f.kind, f.amount, f.status AS form_status, fl.status AS lender_status,
       (SELECT count(*) FROM broker.offers o WHERE o.form_id = f.id AND o.lender_id = l.id) AS offers,
       c.name AS chosen_offer, c.amount AS credit_amount, c.issue_status
     FROM broker.forms f
     JOIN broker.partners p ON p.id = f.partner_id
     JOIN broker.points pt ON pt.id = f.point_id
     JOIN broker.form_lenders fl ON fl.form_id = f.id
     JOIN broker.lenders l ON l.id = fl.lender_id
     LEFT JOIN broker.offers c ON c.id = f.confirmed_offer_id AND c.lender_id = l.id
     WHERE f.created_at >= $1::date AND f.created_at < $1::date + 1
       AND ${owner === 'partner' ? 'f.partner_id' : 'fl.lender_id'} = $2
     ORDER BY f.id, l.code`,
    [date, ownerId],
  );
  return rows.map((r) => ({
    form_guid: r.form_guid,
    external_id: r.external_id,
    partner: r.partner,
    point: r.point,
    lender: r.lender,
    created_at: r.created_at.toISOString(),
    kind: r.kind,
    amount: formatRoubles(r.amount),
    form_status: r.form_status,
    lender_status: r.lender_status,
    offers: String(r.offers),
    chosen_offer: r.chosen_offer ?? '',
    credit_amount: r.credit_amount === null ? '' : formatRoubles(r.credit_amount),
    issue_status: r.issue_status ?? '',
  }));
}

function csvCell(value: string): string {
  // Cells starting with = + - @ are neutralised so a spreadsheet never runs them as formulas.
  const safe = /^[=+\-@]/.test(value) && !/^-?\d/.test(value) ? `'${value}` : value;
  return /[";\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function toCsv(rows: RegistryRow[]): Buffer {
  const lines = [REGISTRY_COLUMNS.map(([, title]) => title).join(';')];
  for (const row of rows) lines.push(REGISTRY_COLUMNS.map(([key]) => csvCell(row[key])).join(';'));
  return Buffer.from(`\ufeff${lines.join('\r\n')}\r\n`, 'utf8');
}

export async function toXlsx(rows: RegistryRow[], title: string): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'Kopek';
  const sheet = book.addWorksheet(title.slice(0, 31));
  sheet.columns = REGISTRY_COLUMNS.map(([key, header]) => ({
    key,
    header,
    width: Math.max(12, header.length + 4),
  }));
  sheet.getRow(1).font = { bold: true };
  // Amounts stay text: an exact decimal, never a float in a spreadsheet cell.
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** Builds and stores every registry of `date`; returns how many files were written. */
export async function generateRegistries(ctx: AppContext, date: string): Promise<number> {
  const owners = [
    ...(
      await ctx.pool.query<{ id: bigint; code: string; url: string | null }>(
        `SELECT id, guid AS code, registry_url AS url FROM broker.partners`,
      )
    ).rows.map((r) => ({ ...r, type: 'partner' as const })),
    ...(
      await ctx.pool.query<{ id: bigint; code: string; url: string | null }>(
        `SELECT id, code, registry_url AS url FROM broker.lenders`,
      )
    ).rows.map((r) => ({ ...r, type: 'lender' as const })),
  ];
  let written = 0;
  for (const owner of owners) {
    const rows = await registryRows(ctx.pool, date, owner.type, owner.id);
    if (rows.length === 0) continue;
    const files = [
      { format: 'csv', name: `registry_${owner.code}_${date}.csv`, content: toCsv(rows) },
      {
        format: 'xlsx',
        name: `registry_${owner.code}_${date}.xlsx`,
        content: await toXlsx(rows, `Реестр ${date}`),
      },
    ];
    for (const f of files) {
      await ctx.pool.query(
        `INSERT INTO broker.registries (business_date, owner_type, owner_id, format, file_name, rows, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (business_date, owner_type, owner_id, format) DO UPDATE SET file_name = excluded.file_name,
           rows = excluded.rows, content = excluded.content, created_at = now(), delivered_at = NULL, delivery_error = NULL`,
        [date, owner.type, owner.id, f.format, f.name, rows.length, f.content],
      );
      written += 1;
    }
    if (owner.url) await deliver(ctx, owner.url, date, owner.type, owner.id, files);
  }
  return written;
}

async function deliver(
  ctx: AppContext,
  url: string,
  date: string,
  type: 'partner' | 'lender',
  id: bigint,
  files: { format: string; name: string; content: Buffer }[],
): Promise<void> {
  let error: string | null = null;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        business_date: date,
        files: files.map((f) => ({
          file_name: f.name,
          format: f.format,
          base64: f.content.toString('base64'),
        })),
      }),
      signal: AbortSignal.timeout(30_000),
    });
    if (!response.ok) error = `HTTP ${response.status}`;
  } catch (e) {
    error = (e as Error).message;
  }
  if (error) ctx.log.warn({ url, error }, 'broker: registry delivery failed');
  await ctx.pool.query(
    `UPDATE broker.registries SET delivered_at = CASE WHEN $5::text IS NULL THEN now() END, delivery_error = $5
     WHERE business_date = $1 AND owner_type = $2 AND owner_id = $3 AND format = ANY($4)`,
    [date, type, id, files.map((f) => f.format), error],
  );
}

/** A stored registry file, for staff to download (the console issue exposes it). */
export async function registryFile(db: Queryable, id: bigint) {
  const { rows } = await db.query<{ file_name: string; format: string; content: Buffer }>(
    `SELECT file_name, format, content FROM broker.registries WHERE id = $1`,
    [id],
  );
  return rows[0];
}

export async function listRegistries(db: Queryable, date: string) {
  const { rows } = await db.query(
    `SELECT id, business_date::text, owner_type, owner_id, format, file_name, rows, delivered_at, delivery_error
     FROM broker.registries WHERE business_date = $1 ORDER BY owner_type, owner_id, format`,
    [date],
  );
  return rows;
}
