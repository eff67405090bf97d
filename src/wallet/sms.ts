import { enqueue } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';

/**
 * A thin adapter over the project's one SMS outbox (`broker.sms_outbox`, delivered by the
 * `broker:send_sms` job through the configured gateway): the wallet writes no SMS system of its
 * own. Its rows carry no form or offer. Returns the outbox id, kept with the code it carries.
 */
export async function queueWalletSms(
  db: Queryable,
  ctx: AppContext,
  phone: string,
  text: string,
): Promise<bigint> {
  const masked = phone.length > 6 ? `${phone.slice(0, 4)}***${phone.slice(-4)}` : '***';
  const { rows } = await db.query<{ id: bigint }>(
    `INSERT INTO broker.sms_outbox (form_id, offer_id, purpose, phone_enc, phone_masked, text_enc)
     VALUES (NULL, NULL, 'signing_code', $1, $2, $3) RETURNING id`,
    [ctx.cipher.encrypt(phone), masked, ctx.cipher.encrypt(text)],
  );
  const id = rows[0]!.id;
  await enqueue(db, 'broker:send_sms', { id }, { maxAttempts: 8 });
  return id;
}

/** The text of a queued SMS (decrypted): for the operator's CLI and tests. */
export async function smsText(db: Queryable, ctx: AppContext, id: bigint): Promise<string | undefined> {
  const { rows } = await db.query<{ text_enc: string }>(
    `SELECT text_enc FROM broker.sms_outbox WHERE id = $1`,
    [id],
  );
  return rows[0] ? ctx.cipher.decrypt(rows[0].text_enc) : undefined;
}
