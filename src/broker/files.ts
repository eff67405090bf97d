import { randomUUID } from 'node:crypto';
import { sha256Hex } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { AppError } from '../platform/errors.ts';

export interface StoredFile {
  id: bigint;
  guid: string;
  name: string;
}

/**
 * Files (scans, print forms) are rows in `broker.files`: they commit with the form they belong
 * to, every Kopek process sees them without a shared disk, and `get_file` checks ownership in the
 * same query that reads them. Scans are capped at 5 MB, so the database carries them easily.
 */
export async function storeFile(
  db: Queryable,
  f: {
    partnerId: bigint;
    formId: bigint;
    offerId: bigint | null;
    kind: 'scan' | 'print_form';
    name: string;
    mimeType: string;
    content: Buffer;
  },
): Promise<StoredFile> {
  const guid = randomUUID();
  const { rows } = await db.query<{ id: bigint }>(
    `INSERT INTO broker.files (guid, partner_id, form_id, offer_id, kind, name, mime_type, size, sha256, content)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      guid,
      f.partnerId,
      f.formId,
      f.offerId,
      f.kind,
      f.name,
      f.mimeType,
      f.content.length,
      sha256Hex(f.content),
      f.content,
    ],
  );
  return { id: rows[0]!.id, guid, name: f.name };
}

/** `get_file`: the file, only to the partner that owns it; anyone else gets "not found". */
export async function readOwnedFile(
  db: Queryable,
  partnerId: bigint,
  fileGuid: unknown,
): Promise<{ name: string; mimeType: string; content: Buffer }> {
  const notFound = new AppError('not_found', 'broker.file_not_found', 'файл не найден');
  if (typeof fileGuid !== 'string' || !/^[0-9a-f-]{36}$/i.test(fileGuid)) throw notFound;
  const { rows } = await db.query<{ name: string; mime_type: string; content: Buffer }>(
    `SELECT name, mime_type, content FROM broker.files WHERE guid = $1 AND partner_id = $2`,
    [fileGuid, partnerId],
  );
  if (!rows[0]) throw notFound;
  return { name: rows[0].name, mimeType: rows[0].mime_type, content: rows[0].content };
}

/** Print forms of an offer as the document's File objects. */
export async function printFormsOf(
  db: Queryable,
  offerId: bigint,
): Promise<{ file_guid: string; file_name: string }[]> {
  const { rows } = await db.query<{ guid: string; name: string }>(
    `SELECT guid::text, name FROM broker.files WHERE offer_id = $1 AND kind = 'print_form' ORDER BY id`,
    [offerId],
  );
  return rows.map((r) => ({ file_guid: r.guid, file_name: r.name }));
}
