import { type Actor, audit } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import { withTx } from '../platform/db/tx.ts';

/** `verified_by` prefix that marks person data an operator rejected (status stays `data_entered`). */
export const REJECTED_PREFIX = 'rejected:';

/**
 * An operator rejects person data waiting for verification. The wallet protocol knows only
 * `data_entered` and `data_verified`, so the person stays `data_entered` (the wallet must send
 * corrected data) and the rejection is a marker: `verified_by = 'rejected:<actor>'` with its time
 * in `verified_at`; the reason is kept in the audit record. Sending changed data clears the marker
 * (src/wallet/person.ts resets `verified_by`). True when it changed.
 */
export async function rejectPerson(
  ctx: AppContext,
  walletId: bigint,
  reason: string,
  actor: Actor,
): Promise<boolean> {
  return withTx(ctx.pool, async (tx) => {
    const { rowCount } = await tx.query(
      `UPDATE wallet.persons SET verified_at = now(), verified_by = $2
       WHERE wallet_id = $1 AND status = 'data_entered'
         AND (verified_by IS NULL OR verified_by NOT LIKE 'rejected:%')`,
      [walletId, `${REJECTED_PREFIX}${actor.type}:${actor.id}`],
    );
    if (!rowCount) return false;
    await audit(tx, {
      actor,
      action: 'wallet.person.reject',
      subjectType: 'wallet',
      subjectId: String(walletId),
      details: { reason },
    });
    return true;
  });
}
