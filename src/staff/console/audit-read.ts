import type { Queryable } from '../../platform/db/pool.ts';
import { likeEscape, orderBy, type Page, type PageRequest, Where } from './paging.ts';

/** The audit log (audit.log, written by src/platform/audit.ts) as the console reads it. */
export interface AuditRow {
  id: bigint;
  at: Date;
  actorType: string;
  actorId: string;
  /** The staff user's login when the actor is a staff user. */
  actorLogin: string | null;
  action: string;
  subjectType: string;
  subjectId: string;
  details: Record<string, unknown>;
  requestId: string | null;
}

export interface AuditFilter {
  actorType?: string;
  actorId?: string;
  /** An action, or the start of one: `staff.` matches every staff action. */
  action?: string;
  subjectType?: string;
  subjectId?: string;
  from?: Date;
  to?: Date;
}

export const AUDIT_SORTS = { id: 'l.id', at: 'l.at', action: 'l.action' } as const;
export type AuditSort = keyof typeof AUDIT_SORTS;

export async function searchAudit(
  db: Queryable,
  filter: AuditFilter,
  page: PageRequest<AuditSort>,
): Promise<Page<AuditRow>> {
  const where = new Where();
  where.addIf(Boolean(filter.actorType), 'l.actor_type = $?', filter.actorType);
  where.addIf(Boolean(filter.actorId), 'l.actor_id = $?', filter.actorId);
  where.addIf(Boolean(filter.action), 'l.action LIKE $?', `${likeEscape(filter.action ?? '')}%`);
  where.addIf(Boolean(filter.subjectType), 'l.subject_type = $?', filter.subjectType);
  where.addIf(Boolean(filter.subjectId), 'l.subject_id = $?', filter.subjectId);
  where.addIf(filter.from !== undefined, 'l.at >= $?', filter.from);
  where.addIf(filter.to !== undefined, 'l.at < $?', filter.to);
  const [rows, count] = await Promise.all([
    db.query<{
      id: bigint;
      at: Date;
      actor_type: string;
      actor_id: string;
      actor_login: string | null;
      action: string;
      subject_type: string;
      subject_id: string;
      details: Record<string, unknown>;
      request_id: string | null;
    }>(
      `SELECT l.id, l.at, l.actor_type, l.actor_id, u.login AS actor_login, l.action, l.subject_type,
              l.subject_id, l.details, l.request_id
       FROM audit.log l
       LEFT JOIN staff.users u
         ON u.id = CASE WHEN l.actor_type = 'staff' AND l.actor_id ~ '^[0-9]{1,18}$' THEN l.actor_id::bigint END
       ${where.sql()} ${orderBy(AUDIT_SORTS, page, 'l.id', { notNull: true })}
       LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    db.query<{ n: bigint }>(`SELECT count(*) AS n FROM audit.log l ${where.sql()}`, where.values),
  ]);
  return {
    total: Number(count.rows[0]!.n),
    rows: rows.rows.map((r) => ({
      id: r.id,
      at: r.at,
      actorType: r.actor_type,
      actorId: r.actor_id,
      actorLogin: r.actor_login,
      action: r.action,
      subjectType: r.subject_type,
      subjectId: r.subject_id,
      details: r.details,
      requestId: r.request_id,
    })),
  };
}
