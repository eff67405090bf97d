import { type Actor, audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import { isIsoDate, quarterStart } from '../dates.ts';
import { normalizeRate } from './rates.ts';

/** One published Bank of Russia average ПСК: a category of loan in the quarter whose deals it governs. */
export interface AveragePsk {
  category: string;
  /** First day of the quarter. */
  quarterStart: string;
  /** Percent a year, up to three decimals: '251.087'. */
  averagePercent: string;
}

const QUARTER = /^(\d{4})-?Q([1-4])$/i;
const PERCENT = /^\d{1,6}(?:\.\d{1,3})?$/;

/** '2026-Q4', '2026Q4' or the quarter's first day '2026-10-01' -> '2026-10-01'. */
export function parseQuarter(text: string): string | undefined {
  const m = QUARTER.exec(text);
  if (m) return `${m[1]}-${String((Number(m[2]) - 1) * 3 + 1).padStart(2, '0')}-01`;
  if (isIsoDate(text) && quarterStart(text) === text) return text;
  return undefined;
}

/**
 * The operator's CSV: a header `category,quarter,average_psk`, then one line per category and
 * quarter (`pdl_up_to_30k_up_to_30d,2026-Q4,251.087`); `;` also separates, a decimal comma is
 * accepted. Any bad line refuses the whole file, naming every bad line.
 */
export function parseAveragesCsv(text: string): AveragePsk[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const problems: string[] = [];
  const rows: AveragePsk[] = [];
  const seen = new Set<string>();
  let header = true;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const cells = line.split(line.includes(';') ? ';' : ',').map((c) => c.trim().replace(/^"|"$/g, ''));
    if (header) {
      header = false;
      if (cells.join(',').toLowerCase() === 'category,quarter,average_psk') return;
      problems.push(`строка ${index + 1}: ожидался заголовок category,quarter,average_psk`);
      return;
    }
    const [category = '', quarter = '', percent = ''] = cells;
    const start = parseQuarter(quarter);
    const value = percent.replace(',', '.');
    if (cells.length !== 3) problems.push(`строка ${index + 1}: нужно три поля`);
    else if (category === '' || category.length > 100) problems.push(`строка ${index + 1}: пустая категория`);
    else if (!start) problems.push(`строка ${index + 1}: квартал «${quarter}» (ожидается 2026-Q4)`);
    else if (!PERCENT.test(value) || Number(value) === 0)
      problems.push(`строка ${index + 1}: ПСК «${percent}» (ожидается число больше нуля, до трёх знаков)`);
    else if (seen.has(`${category}|${start}`))
      problems.push(`строка ${index + 1}: повтор ${category} ${quarter}`);
    else {
      seen.add(`${category}|${start}`);
      rows.push({ category, quarterStart: start, averagePercent: normalizeRate(value) });
    }
  });
  if (header) problems.push('файл пуст');
  if (problems.length > 0)
    throw new AppError('validation', 'lending.averages_invalid', `файл не загружен: ${problems.join('; ')}`, {
      problems,
    });
  return rows;
}

/** Stores the averages; a figure loaded again for the same category and quarter replaces the old one (audited). */
export async function loadAveragePsk(db: Queryable, rows: AveragePsk[], actor: Actor): Promise<number> {
  for (const r of rows) {
    const { rows: before } = await db.query<{ average_percent: string }>(
      `SELECT average_percent::text AS average_percent FROM lending.cbr_average_psk
        WHERE category = $1 AND quarter_start = $2::date FOR UPDATE`,
      [r.category, r.quarterStart],
    );
    await db.query(
      `INSERT INTO lending.cbr_average_psk (category, quarter_start, average_percent) VALUES ($1, $2, $3)
       ON CONFLICT (category, quarter_start)
       DO UPDATE SET average_percent = excluded.average_percent, loaded_at = now()`,
      [r.category, r.quarterStart, r.averagePercent],
    );
    await audit(db, {
      actor,
      action: 'lending.average_psk.load',
      subjectType: 'lending.average_psk',
      subjectId: `${r.category}:${r.quarterStart}`,
      details: {
        averagePercent: r.averagePercent,
        previous: before[0] ? normalizeRate(before[0].average_percent) : null,
      },
    });
  }
  return rows.length;
}

export async function listAveragePsk(db: Queryable): Promise<AveragePsk[]> {
  const { rows } = await db.query<{ category: string; quarter_start: string; average_percent: string }>(
    `SELECT category, quarter_start::text AS quarter_start, average_percent::text AS average_percent
       FROM lending.cbr_average_psk ORDER BY quarter_start DESC, category`,
  );
  return rows.map((r) => ({
    category: r.category,
    quarterStart: r.quarter_start,
    averagePercent: normalizeRate(r.average_percent),
  }));
}

export interface CapRule {
  rule: string;
  value: string;
  effectiveFrom: string;
  law: string;
}

export async function listCapRules(db: Queryable): Promise<CapRule[]> {
  const { rows } = await db.query<{ rule: string; value: string; effective_from: string; law: string }>(
    `SELECT rule, value::text AS value, effective_from::text AS effective_from, law
       FROM lending.cap_rules ORDER BY effective_from, rule`,
  );
  return rows.map((r) => ({
    rule: r.rule,
    value: normalizeRate(r.value),
    effectiveFrom: r.effective_from,
    law: r.law,
  }));
}
