import { type Actor, audit } from '../../platform/audit.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { AppError } from '../../platform/errors.ts';

export interface DealFileInput {
  /** passport_page, car_pledge, other */
  kind: string;
  filename: string;
  content: Buffer;
}

const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Attaches files (passport pages, car pledge documents) to a deal. */
export async function attachFiles(
  db: Queryable,
  dealId: bigint,
  files: DealFileInput[],
  actor: Actor,
): Promise<bigint[]> {
  const ids: bigint[] = [];
  for (const f of files) {
    if (f.content.length > MAX_FILE_BYTES)
      throw new AppError('validation', 'lending.file_too_large', `файл ${f.filename} больше 10 МБ`);
    const { rows } = await db.query<{ id: bigint }>(
      `INSERT INTO lending.deal_files (deal_id, kind, filename, content) VALUES ($1, $2, $3, $4) RETURNING id`,
      [dealId, f.kind, f.filename, f.content],
    );
    ids.push(rows[0]!.id);
  }
  if (ids.length > 0) {
    await audit(db, {
      actor,
      action: 'lending.deal.files',
      subjectType: 'lending.deal',
      subjectId: String(dealId),
      details: { files: files.map((f) => f.filename) },
    });
  }
  return ids;
}

export async function listFiles(
  db: Queryable,
  dealId: bigint,
): Promise<{ id: bigint; kind: string; filename: string; size: number }[]> {
  const { rows } = await db.query<{ id: bigint; kind: string; filename: string; size: number }>(
    `SELECT id, kind, filename, octet_length(content) AS size FROM lending.deal_files WHERE deal_id = $1 ORDER BY id`,
    [dealId],
  );
  return rows;
}
