import { type Actor, audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';
import type { DealStatus } from '../types.ts';
import { getDeal } from './repository.ts';
import { ACTIVE_STATUSES, canMove } from './statuses.ts';

export interface HistoryEntry {
  at: Date;
  from: DealStatus | null;
  to: DealStatus;
  actor: Actor;
  reason: string | null;
}

/**
 * Moves a deal to `to` if the transition table allows it from its current status, under the
 * deal's row lock, and records who, when and why (history + audit) in the caller's transaction.
 * `expectFrom` refuses the move when the deal has meanwhile left the status the caller saw.
 */
export async function moveDeal(
  db: Queryable,
  dealId: bigint,
  to: DealStatus,
  actor: Actor,
  reason: string | null,
  expectFrom?: readonly DealStatus[],
): Promise<DealStatus> {
  const deal = await getDeal(db, dealId, true);
  if ((expectFrom && !expectFrom.includes(deal.status)) || !canMove(deal.status, to)) {
    throw new AppError(
      'conflict',
      'lending.transition_refused',
      `переход из статуса «${deal.status}» в «${to}» не разрешён`,
      { deal: deal.number, from: deal.status, to },
    );
  }
  await db.query(`UPDATE lending.deals SET status = $2, status_changed_at = now() WHERE id = $1`, [
    dealId,
    to,
  ]);
  // COB accrues exactly the loans in an active status: paid, sold and written-off loans stop.
  await db.query('UPDATE lending.loan_state SET active = $2 WHERE deal_id = $1 AND active <> $2', [
    dealId,
    ACTIVE_STATUSES.includes(to),
  ]);
  await recordHistory(db, dealId, deal.status, to, actor, reason);
  return deal.status;
}

export async function recordHistory(
  db: Queryable,
  dealId: bigint,
  from: DealStatus | null,
  to: DealStatus,
  actor: Actor,
  reason: string | null,
): Promise<void> {
  await db.query(
    `INSERT INTO lending.deal_history (deal_id, from_status, to_status, actor_type, actor_id, reason)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [dealId, from, to, actor.type, actor.id, reason],
  );
  await audit(db, {
    actor,
    action: 'lending.deal.status',
    subjectType: 'lending.deal',
    subjectId: String(dealId),
    details: { from, to, reason },
  });
}

export async function dealHistory(db: Queryable, dealId: bigint): Promise<HistoryEntry[]> {
  const { rows } = await db.query<{
    at: Date;
    from_status: DealStatus | null;
    to_status: DealStatus;
    actor_type: Actor['type'];
    actor_id: string;
    reason: string | null;
  }>(
    `SELECT at, from_status, to_status, actor_type, actor_id, reason FROM lending.deal_history
     WHERE deal_id = $1 ORDER BY id`,
    [dealId],
  );
  return rows.map((r) => ({
    at: r.at,
    from: r.from_status,
    to: r.to_status,
    actor: { type: r.actor_type, id: r.actor_id },
    reason: r.reason,
  }));
}
