import { smsGateway } from '../broker/sms/gateway.ts';
import { maskPhone } from '../broker/sms/outbox.ts';
import { enqueue } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';

/**
 * Messages to borrowers: queued in the caller's transaction (encrypted, they carry passwords)
 * and delivered by the job `mymfo:send_sms` through the platform's SMS gateway (the same
 * `SmsGateway` adapter the broker uses; the simulator in demo and tests).
 */
export async function queueClientSms(
  db: Queryable,
  ctx: AppContext,
  m: { clientId: bigint; purpose: 'cabinet_password' | 'signing_code'; phone: string; text: string },
): Promise<void> {
  const { rows } = await db.query<{ id: bigint }>(
    `INSERT INTO mymfo.sms_outbox (client_id, purpose, phone_enc, phone_masked, text_enc)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [m.clientId, m.purpose, ctx.cipher.encrypt(m.phone), maskPhone(m.phone), ctx.cipher.encrypt(m.text)],
  );
  await enqueue(db, 'mymfo:send_sms', { id: rows[0]!.id }, { maxAttempts: 8 });
}

/** Job `mymfo:send_sms`: delivers one queued message once. */
export async function deliverClientSms(
  ctx: AppContext,
  id: string,
  attempt: number,
  maxAttempts: number,
): Promise<void> {
  const { rows } = await ctx.pool.query<{ status: string; phone_enc: string; text_enc: string }>(
    `SELECT status, phone_enc, text_enc FROM mymfo.sms_outbox WHERE id = $1`,
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
      `UPDATE mymfo.sms_outbox SET status = 'sent', gateway_id = $2, sent_at = now(), attempts = attempts + 1
       WHERE id = $1`,
      [id, gatewayId],
    );
  } catch (error) {
    await ctx.pool.query(
      `UPDATE mymfo.sms_outbox SET attempts = attempts + 1, last_error = $2, status = $3 WHERE id = $1`,
      [id, (error as Error).message.slice(0, 500), attempt >= maxAttempts ? 'failed' : 'queued'],
    );
    throw error;
  }
}

/** The latest message to a client (decrypted), for staff, the demo and tests. */
export async function latestClientSms(
  db: Queryable,
  ctx: AppContext,
  clientId: bigint,
): Promise<string | undefined> {
  const { rows } = await db.query<{ text_enc: string }>(
    `SELECT text_enc FROM mymfo.sms_outbox WHERE client_id = $1 ORDER BY id DESC LIMIT 1`,
    [clientId],
  );
  return rows[0] ? ctx.cipher.decrypt(rows[0].text_enc) : undefined;
}
