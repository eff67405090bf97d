import type { Queryable } from '../../platform/db/pool.ts';
import { orderBy, type Page, type PageRequest, Where } from './paging.ts';

/**
 * The one SMS outbox (`notify.sms_outbox`: the broker's signing codes and payment links, the
 * site's cabinet passwords and ASP codes, BNPL checkout codes, wallet codes) as a list for staff,
 * filtered by module and status: masked phones, never the texts (they hold codes).
 */
export interface SmsRow {
  module: string;
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

export async function searchSms(
  db: Queryable,
  filter: { module?: string; status?: string },
  page: PageRequest<SmsSort>,
): Promise<Page<SmsRow>> {
  const where = new Where();
  where.addIf(Boolean(filter.module), 'module = $?', filter.module);
  where.addIf(Boolean(filter.status), 'status = $?', filter.status);
  const [rows, count] = await Promise.all([
    db.query<{
      module: string;
      id: bigint;
      purpose: string;
      phone_masked: string;
      status: string;
      attempts: number;
      last_error: string | null;
      created_at: Date;
      sent_at: Date | null;
    }>(
      `SELECT module, id, purpose, phone_masked, status, attempts, last_error, created_at, sent_at
       FROM notify.sms_outbox ${where.sql()}
       ${orderBy(SMS_SORTS, page, 'created_at')}, id LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    db.query<{ n: bigint }>(`SELECT count(*) AS n FROM notify.sms_outbox ${where.sql()}`, where.values),
  ]);
  return {
    total: Number(count.rows[0]!.n),
    rows: rows.rows.map((r) => ({
      module: r.module,
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
