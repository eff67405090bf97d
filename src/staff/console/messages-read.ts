import type { Queryable } from '../../platform/db/pool.ts';
import { orderBy, type Page, type PageRequest, Where } from './paging.ts';

/**
 * The SMS outboxes of the modules (the broker's signing codes and payment links, the site's
 * cabinet passwords) as one list for staff: masked phones, never the texts (they hold codes).
 */
export interface SmsRow {
  outbox: 'broker' | 'mymfo';
  id: bigint;
  purpose: string;
  phoneMasked: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export const SMS_SORTS = { createdAt: 'created_at', status: 'status' } as const;
export type SmsSort = keyof typeof SMS_SORTS;

const OUTBOXES = {
  broker: 'broker.sms_outbox',
  mymfo: 'mymfo.sms_outbox',
} as const;

export async function searchSms(
  db: Queryable,
  filter: { outbox?: 'broker' | 'mymfo'; status?: string },
  page: PageRequest<SmsSort>,
): Promise<Page<SmsRow>> {
  const where = new Where();
  where.addIf(Boolean(filter.status), 'status = $?', filter.status);
  const boxes = filter.outbox ? [filter.outbox] : (Object.keys(OUTBOXES) as (keyof typeof OUTBOXES)[]);
  const union = boxes
    .map(
      (
        b,
      ) => `SELECT '${b}' AS outbox, id, purpose, phone_masked, status, attempts, last_error, created_at, sent_at
              FROM ${OUTBOXES[b]} ${where.sql()}`,
    )
    .join(' UNION ALL ');
  const [rows, count] = await Promise.all([
    db.query<{
      outbox: 'broker' | 'mymfo';
      id: bigint;
      purpose: string;
      phone_masked: string;
      status: string;
      attempts: number;
      last_error: string | null;
      created_at: Date;
      sent_at: Date | null;
    }>(
      `SELECT * FROM (${union}) s ${orderBy(SMS_SORTS, page, 'created_at')}, id LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    db.query<{ n: bigint }>(`SELECT count(*) AS n FROM (${union}) s`, where.values),
  ]);
  return {
    total: Number(count.rows[0]!.n),
    rows: rows.rows.map((r) => ({
      outbox: r.outbox,
      id: r.id,
      purpose: r.purpose,
      phoneMasked: r.phone_masked,
      status: r.status,
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: r.created_at,
      sentAt: r.sent_at,
    })),
  };
}
