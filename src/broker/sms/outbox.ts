import { enqueue } from '../../jobs/queue.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { smsGateway } from './gateway.ts';

export function maskPhone(phone: string): string {
  return phone.length > 6 ? `${phone.slice(0, 4)}***${phone.slice(-4)}` : '***';
}

/** Queues an SMS in the caller's transaction; the `broker:send_sms` job delivers it. */
export async function queueSms(
  db: Queryable,
  ctx: AppContext,
  m: {
    formId: bigint;
    offerId: bigint;
    purpose: 'signing_code' | 'payment_link';
    phone: string;
    text: string;
  },
): Promise<void> {
  const { rows } = await db.query<{ id: bigint }>(
    `INSERT INTO broker.sms_outbox (form_id, offer_id, purpose, phone_enc, phone_masked, text_enc)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      m.formId,
      m.offerId,
      m.purpose,
      ctx.cipher.encrypt(m.phone),
      maskPhone(m.phone),
      ctx.cipher.encrypt(m.text),
    ],
  );
  await enqueue(db, 'broker:send_sms', { id: rows[0]!.id }, { maxAttempts: 8 });
}

/** Job `broker:send_sms`: delivers one queued message; a message already sent is not sent again. */
export async function deliverSms(
  ctx: AppContext,
  id: string,
  attempt: number,
  maxAttempts: number,
): Promise<void> {
  const { rows } = await ctx.pool.query<{ status: string; phone_enc: string; text_enc: string }>(
    `SELECT status, phone_enc, text_enc FROM broker.sms_outbox WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  if (row?.status !== 'queued') return;
  try {
    const { gatewayId } = await smsGateway().send({
      phone: ctx.cipher.decrypt(row.phone_enc),
      text: ctx.cipher.decrypt(row.text_enc),
    });
    await ctx.pool.query(
      `UPDATE broker.sms_outbox SET status = 'sent', gateway_id = $2, sent_at = now(), attempts = attempts + 1
       WHERE id = $1`,
      [id, gatewayId],
    );
  } catch (error) {
    await ctx.pool.query(
      `UPDATE broker.sms_outbox SET attempts = attempts + 1, last_error = $2, status = $3 WHERE id = $1`,
      [id, (error as Error).message.slice(0, 500), attempt >= maxAttempts ? 'failed' : 'queued'],
    );
    throw error;
  }
}

/** The latest message text of an offer, for staff and tests (decrypted). */
export async function latestSms(
  db: Queryable,
  ctx: AppContext,
  offerId: bigint,
  purpose: 'signing_code' | 'payment_link',
): Promise<string | undefined> {
  const { rows } = await db.query<{ text_enc: string }>(
    `SELECT text_enc FROM broker.sms_outbox WHERE offer_id = $1 AND purpose = $2 ORDER BY id DESC LIMIT 1`,
    [offerId, purpose],
  );
  return rows[0] ? ctx.cipher.decrypt(rows[0].text_enc) : undefined;
}
