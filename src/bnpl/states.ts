import type { Queryable } from '../platform/db/pool.ts';
import { bnplError } from './errors.ts';

export const SESSION_STATES = [
  'processing',
  'cancelled',
  'authorized',
  'voided',
  'refunded',
  'charged',
] as const;
export type SessionState = (typeof SESSION_STATES)[number];

/**
 * The document's transitions: a session is processed until the first payment opens the loan
 * (authorized) or it is cancelled (declined, abandoned, expired); within 24 hours a full refund
 * voids it, after that it is charged, and a full refund then repays the loan (refunded).
 */
const TRANSITIONS: Record<SessionState, readonly SessionState[]> = {
  processing: ['authorized', 'cancelled'],
  authorized: ['voided', 'charged', 'refunded'],
  charged: ['refunded'],
  cancelled: [],
  voided: [],
  refunded: [],
};

export function canMoveSession(from: SessionState, to: SessionState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Moves a session under its row lock (the caller holds it) and records the change. */
export async function moveSession(
  db: Queryable,
  sessionId: bigint,
  to: SessionState,
  reason: string,
  extra: { authorizedAt?: boolean; chargedAt?: boolean } = {},
): Promise<void> {
  const { rows } = await db.query<{ state: SessionState }>(
    `SELECT state FROM bnpl.sessions WHERE id = $1 FOR UPDATE`,
    [sessionId],
  );
  const from = rows[0]?.state;
  if (!from) throw bnplError('not_found', 'session_not_found', 'платёжная сессия не найдена');
  if (!canMoveSession(from, to))
    throw bnplError('conflict', 'transition_refused', `переход из статуса ${from} в ${to} невозможен`, {
      from,
      to,
    });
  await db.query(
    `UPDATE bnpl.sessions SET state = $2, state_changed_at = now(),
       authorized_at = CASE WHEN $3 THEN now() ELSE authorized_at END,
       charged_at = CASE WHEN $4 THEN now() ELSE charged_at END
     WHERE id = $1`,
    [sessionId, to, extra.authorizedAt ?? false, extra.chargedAt ?? false],
  );
  await db.query(
    `INSERT INTO bnpl.state_history (session_id, from_state, to_state, reason) VALUES ($1, $2, $3, $4)`,
    [sessionId, from, to, reason],
  );
}
