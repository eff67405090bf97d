import { enqueue } from '../jobs/queue.ts';
import type { AppContext } from '../platform/context.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { smsGateway } from './gateway.ts';

/** The modules that send SMS; each names its purposes (`signing_code`, `payment_link`, …). */
export const SMS_MODULES = ['broker', 'mymfo', 'bnpl', 'wallet'] as const;
export type SmsModule = (typeof SMS_MODULES)[number];

/** Deliveries a message gets before it is marked failed (graphile-worker backs off between them). */
export const SMS_MAX_ATTEMPTS = 8;

export interface SmsMessage {
  module: SmsModule;
  /** Lower-case words with `_`, the module's own name for the kind of message. */
  purpose: string;
  /** The module's row the message is about (broker offer, mymfo client, bnpl session, wallet). */
  subjectId?: bigint | undefined;
  phone: string;
  text: string;
}

export function maskPhone(phone: string): string {
  return phone.length > 6 ? `${phone.slice(0, 4)}***${phone.slice(-4)}` : '***';
}

/**
 * A gateway's error fit for a log, the outbox and the job queue: every run of 4+ digits that the
 * message's text or phone holds (codes, passwords, the number) is replaced, and so is the text.
 */
export function redactSms(message: string, sms: { phone: string; text: string }): string {
  let out = message;
  if (sms.text) out = out.split(sms.text).join('[скрыто]');
  const secrets = new Set([...`${sms.text} ${sms.phone}`.matchAll(/\d{4,}/g)].map((m) => m[0]));
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('[скрыто]');
  // Passwords in texts are not digits only: any word after a colon in the text is hidden too.
  for (const m of sms.text.matchAll(/:\s*(\S{4,}?)[.,]?(?:\s|$)/g)) out = out.split(m[1]!).join('[скрыто]');
  return out;
}

/**
 * Queues an SMS in the caller's transaction (phone and text encrypted) with its delivery job:
 * a rolled-back transaction leaves neither. Returns the outbox id.
 */
export async function sendSms(db: Queryable, ctx: AppContext, m: SmsMessage): Promise<bigint> {
  const { rows } = await db.query<{ id: bigint }>(
    `INSERT INTO notify.sms_outbox (module, purpose, subject_id, phone_enc, phone_masked, text_enc)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [
      m.module,
      m.purpose,
      m.subjectId ?? null,
      ctx.cipher.encrypt(m.phone),
      maskPhone(m.phone),
      ctx.cipher.encrypt(m.text),
    ],
  );
  const id = rows[0]!.id;
  await enqueue(db, 'notify:send_sms', { id }, { maxAttempts: SMS_MAX_ATTEMPTS });
  return id;
}

/**
 * Job `notify:send_sms`: hands one queued message to the gateway once. A failure counts an
 * attempt and is thrown (the queue retries with backoff); the last allowed attempt marks the
 * message failed. Logs and stored errors never carry the text or the codes in it.
 */
export async function deliverSms(
  ctx: AppContext,
  id: string,
  attempt: number,
  maxAttempts: number,
): Promise<void> {
  const { rows } = await ctx.pool.query<{
    status: string;
    module: string;
    purpose: string;
    phone_enc: string;
    phone_masked: string;
    text_enc: string;
  }>(
    `SELECT status, module, purpose, phone_enc, phone_masked, text_enc FROM notify.sms_outbox WHERE id = $1`,
    [id],
  );
  const row = rows[0];
  if (row?.status !== 'queued') return;
  const sms = { phone: ctx.cipher.decrypt(row.phone_enc), text: ctx.cipher.decrypt(row.text_enc) };
  const about = {
    smsId: id,
    module: row.module,
    purpose: row.purpose,
    phoneMasked: row.phone_masked,
    attempt,
  };
  let gatewayId: string;
  try {
    ({ gatewayId } = await smsGateway(ctx.config).send(sms));
  } catch (error) {
    const reason = redactSms(String((error as Error)?.message ?? error), sms).slice(0, 500);
    const failed = attempt >= maxAttempts;
    await ctx.pool.query(
      `UPDATE notify.sms_outbox SET attempts = attempts + 1, last_error = $2, status = $3 WHERE id = $1`,
      [id, reason, failed ? 'failed' : 'queued'],
    );
    ctx.log.warn(
      { ...about, error: reason },
      failed ? 'sms failed for good' : 'sms not delivered, will retry',
    );
    // The queue keeps and logs the job's error: a redacted one, never the gateway's own.
    throw new Error(`sms ${id}: ${reason}`);
  }
  await ctx.pool.query(
    `UPDATE notify.sms_outbox SET status = 'sent', gateway_id = $2, sent_at = now(), attempts = attempts + 1
     WHERE id = $1`,
    [id, gatewayId],
  );
  ctx.log.info({ ...about, gatewayId }, 'sms sent');
}

/** The latest message text about a module's row (decrypted): for staff CLIs, the demo and tests. */
export async function latestSmsText(
  db: Queryable,
  ctx: AppContext,
  m: { module: SmsModule; subjectId: bigint; purpose?: string },
): Promise<string | undefined> {
  const { rows } = await db.query<{ text_enc: string }>(
    `SELECT text_enc FROM notify.sms_outbox
     WHERE module = $1 AND subject_id = $2 AND ($3::text IS NULL OR purpose = $3)
     ORDER BY id DESC LIMIT 1`,
    [m.module, m.subjectId, m.purpose ?? null],
  );
  return rows[0] ? ctx.cipher.decrypt(rows[0].text_enc) : undefined;
}

/** How many messages of a purpose a module's row has had (send limits). */
export async function countSms(
  db: Queryable,
  m: { module: SmsModule; subjectId: bigint; purpose: string },
): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM notify.sms_outbox WHERE module = $1 AND subject_id = $2 AND purpose = $3`,
    [m.module, m.subjectId, m.purpose],
  );
  return Number(rows[0]!.n);
}

/** The text of one message (decrypted): for the operator's CLIs and tests. */
export async function smsTextById(db: Queryable, ctx: AppContext, id: bigint): Promise<string | undefined> {
  const { rows } = await db.query<{ text_enc: string }>(
    `SELECT text_enc FROM notify.sms_outbox WHERE id = $1`,
    [id],
  );
  return rows[0] ? ctx.cipher.decrypt(rows[0].text_enc) : undefined;
}

/** The latest messages with their texts (decrypted), optionally of one module: the demo CLIs. */
export async function recentSms(
  db: Queryable,
  ctx: AppContext,
  m: { module?: SmsModule; limit: number },
): Promise<
  {
    id: bigint;
    module: string;
    purpose: string;
    phoneMasked: string;
    status: string;
    createdAt: Date;
    text: string;
  }[]
> {
  const { rows } = await db.query<{
    id: bigint;
    module: string;
    purpose: string;
    phone_masked: string;
    status: string;
    created_at: Date;
    text_enc: string;
  }>(
    `SELECT id, module, purpose, phone_masked, status, created_at, text_enc FROM notify.sms_outbox
     WHERE $1::text IS NULL OR module = $1 ORDER BY id DESC LIMIT $2`,
    [m.module ?? null, Math.min(Math.max(m.limit, 1), 1000)],
  );
  return rows.map((r) => ({
    id: r.id,
    module: r.module,
    purpose: r.purpose,
    phoneMasked: r.phone_masked,
    status: r.status,
    createdAt: r.created_at,
    text: ctx.cipher.decrypt(r.text_enc),
  }));
}
