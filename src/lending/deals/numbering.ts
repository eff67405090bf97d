import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';

/**
 * Takes the organisation's next deal number: prefix + zero-padded sequence (ТСК000157). The
 * counter row stays locked until the caller's transaction ends, so committed numbers have no gaps.
 */
export async function nextDealNumber(db: Queryable, org = 'main'): Promise<string> {
  const { rows } = await db.query<{ prefix: string; width: number; last_value: bigint }>(
    `UPDATE lending.deal_number_series SET last_value = last_value + 1 WHERE org = $1
     RETURNING prefix, width, last_value`,
    [org],
  );
  const row = rows[0];
  if (!row) throw new AppError('not_found', 'lending.org_not_found', `организация ${org} не найдена`);
  return `${row.prefix}${String(row.last_value).padStart(row.width, '0')}`;
}
