import type { Queryable } from './db/pool.ts';
import { bigintAsString } from './json.ts';

export interface Actor {
  type: 'staff' | 'cli' | 'system' | 'agent' | 'partner' | 'merchant' | 'client';
  id: string;
}

export interface AuditEntry {
  actor: Actor;
  action: string;
  subjectType: string;
  subjectId: string;
  details?: Record<string, unknown>;
  requestId?: string;
}

/** Appends an audit record; pass the transaction of the change it records. */
export async function audit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit.log (actor_type, actor_id, action, subject_type, subject_id, details, request_id)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)`,
    [
      entry.actor.type,
      entry.actor.id,
      entry.action,
      entry.subjectType,
      entry.subjectId,
      JSON.stringify(entry.details ?? {}, bigintAsString),
      entry.requestId ?? null,
    ],
  );
}

export const CLI_ACTOR: Actor = { type: 'cli', id: process.env.USER ?? 'operator' };
