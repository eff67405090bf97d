import { type Actor, audit } from '../../platform/audit.ts';
import type { Pool } from '../../platform/db/pool.ts';
import { withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { isBusinessDate } from '../dates.ts';
import { applyAdvances } from '../repayments/advance.ts';
import { accrueRange } from './post-accrual.ts';

/** Loans per chunk: one transaction, one statement and one ledger transfer each. */
export const COB_CHUNK = 50_000n;

export interface CobProgress {
  date: string;
  chunk: number;
  chunks: number;
  deals: number;
  interest: Kopecks;
  penalty: Kopecks;
  elapsedMs: number;
}

export interface CobResult {
  date: string;
  deals: number;
  interest: Kopecks;
  penalty: Kopecks;
  statusMoves: number;
  advancesApplied: number;
  elapsedMs: number;
}

/**
 * Close of business for one business date: every active loan gets its interest and penalty for
 * the days through `date` (stopping at the cap), its overdue state and days past due; advances
 * are applied to what fell due; statuses move. Chunks of deal ids are fixed (id / COB_CHUNK),
 * each committed with its ledger transfer (`lending:cob:<date>:<run>:<chunk>`). Idempotency
 * comes from the loans themselves: one accrued through `date` is skipped, so a second run, or a
 * rerun after a crash, accrues only what the first did not (nothing, or the chunks that did not
 * commit, or a loan registered since with an earlier issue date).
 */
export async function runCob(
  pool: Pool,
  date: string,
  onProgress: (p: CobProgress) => void = () => undefined,
  chunkSize: bigint = COB_CHUNK,
  actor: Actor = { type: 'system', id: 'cob' },
): Promise<CobResult> {
  if (!isBusinessDate(date)) throw new AppError('validation', 'lending.date', `неверная дата: ${date}`);
  const started = Date.now();
  const run = (
    await pool.query<{ runs: number }>(
      `INSERT INTO lending.cob_runs (business_date) VALUES ($1)
       ON CONFLICT (business_date) DO UPDATE SET started_at = now(), runs = lending.cob_runs.runs + 1
       RETURNING runs`,
      [date],
    )
  ).rows[0]!.runs;
  const bounds = (
    await pool.query<{ lo: bigint | null; hi: bigint | null }>(
      'SELECT min(deal_id) AS lo, max(deal_id) AS hi FROM lending.loan_state WHERE active',
    )
  ).rows[0]!;
  let deals = 0;
  let interest = 0n;
  let penalty = 0n;
  if (bounds.lo !== null && bounds.hi !== null) {
    const first = bounds.lo / chunkSize;
    const last = bounds.hi / chunkSize;
    const chunks = Number(last - first + 1n);
    for (let c = first; c <= last; c++) {
      const lo = c * chunkSize;
      const hi = lo + chunkSize - 1n;
      const t = await withTx(pool, (tx) => accrueRange(tx, date, lo, hi, `lending:cob:${date}:${run}:${c}`));
      deals += t.deals;
      interest += t.interest;
      penalty += t.penalty;
      onProgress({
        date,
        chunk: Number(c - first + 1n),
        chunks,
        deals,
        interest,
        penalty,
        elapsedMs: Date.now() - started,
      });
    }
  }
  const advancesApplied = await applyAdvances(pool, date);
  const statusMoves = await moveStatuses(pool, date);
  const result = {
    date,
    deals,
    interest,
    penalty,
    statusMoves,
    advancesApplied,
    elapsedMs: Date.now() - started,
  };
  await withTx(pool, async (tx) => {
    await tx.query(
      `UPDATE lending.cob_runs SET finished_at = now(), deals = deals + $2, interest = interest + $3, penalty = penalty + $4
       WHERE business_date = $1`,
      [date, deals, interest, penalty],
    );
    await audit(tx, {
      actor,
      action: 'lending.cob.run',
      subjectType: 'lending.cob',
      subjectId: date,
      details: { deals, interest, penalty, statusMoves, advancesApplied },
    });
  });
  return result;
}

/**
 * Status moves of the day, set-based: an advance that has been used up while the loan is past
 * due returns "Внесен аванс" to "Выдан". (Paid-off loans move to "Оплачен" at the payment.)
 */
async function moveStatuses(pool: Pool, date: string): Promise<number> {
  return withTx(pool, async (tx) => {
    const { rowCount } = await tx.query(
      `WITH moved AS (
         UPDATE lending.deals d SET status = 'Выдан', status_changed_at = now()
         FROM lending.loan_state s
         WHERE s.deal_id = d.id AND s.active AND d.status = 'Внесен аванс' AND s.advance = 0 AND s.dpd > 0
         RETURNING d.id)
       INSERT INTO lending.deal_history (deal_id, from_status, to_status, actor_type, actor_id, reason)
       SELECT id, 'Внесен аванс', 'Выдан', 'system', 'cob', 'закрытие дня ' || $1 || ': аванс израсходован, просрочка'
       FROM moved`,
      [date],
    );
    return rowCount ?? 0;
  });
}
