import { CALLBACK_MAX_ATTEMPTS } from '../../bnpl/callbacks.ts';
import { enqueue } from '../../jobs/queue.ts';
import { type Actor, audit } from '../../platform/audit.ts';
import type { Tx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';

/**
 * An operator's manual resend of a BNPL callback (a merchant lost it, or the retries ran out):
 * the stored body goes again through the module's own job `bnpl:callback` (deliverCallback, same
 * signature, same attempt log). Only a callback no job is delivering may be resent, so the
 * merchant never gets two deliveries racing.
 */
export async function resendCallback(
  tx: Tx,
  callbackId: bigint,
  actor: Actor,
  sessionId: bigint,
): Promise<bigint> {
  const { rows } = await tx.query<{ session_id: bigint; status: string; kind: string }>(
    'SELECT session_id, status, kind FROM bnpl.callbacks WHERE id = $1 FOR UPDATE',
    [callbackId],
  );
  const row = rows[0];
  if (!row || row.session_id !== sessionId)
    throw new AppError('not_found', 'bnpl.callback_not_found', `колбэк ${callbackId} не найден`);
  if (row.status === 'pending')
    throw new AppError(
      'conflict',
      'bnpl.callback_pending',
      'колбэк ещё доставляется: дождитесь результата попыток',
    );
  await tx.query(
    `UPDATE bnpl.callbacks SET status = 'pending', last_error = NULL, delivered_at = NULL WHERE id = $1`,
    [callbackId],
  );
  await enqueue(tx, 'bnpl:callback', { id: callbackId }, { maxAttempts: CALLBACK_MAX_ATTEMPTS });
  await audit(tx, {
    actor,
    action: 'bnpl.callback.resend',
    subjectType: 'bnpl_session',
    subjectId: String(row.session_id),
    details: { callbackId, kind: row.kind, previousStatus: row.status },
  });
  return row.session_id;
}
