import { randomBytes } from 'node:crypto';
import { TtlCache } from '../broker/cache.ts';
import type { FieldCipher } from '../platform/crypto.ts';
import { hashSecret } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { bnplError } from './errors.ts';

export interface Merchant {
  id: bigint;
  code: string;
  name: string;
}

/** Token lookups are cached a few seconds: init runs at hundreds a second; a revoked token dies within 5 s. */
const byToken = new TtlCache<Merchant | undefined>(5_000);

/** The merchant a bare `Authorization` token belongs to (tokens are stored as sha256 only). */
export async function authenticateMerchant(db: Queryable, token: string | undefined): Promise<Merchant> {
  if (!token?.trim())
    throw bnplError('unauthorized', 'unauthorized', 'не передан токен партнёра (заголовок Authorization)');
  const hash = hashSecret(token.trim());
  const merchant = await byToken.get(hash, async () => {
    const { rows } = await db.query<Merchant>(
      `SELECT id, code, name FROM bnpl.merchants WHERE token_hash = $1 AND active`,
      [hash],
    );
    return rows[0];
  });
  if (!merchant) throw bnplError('unauthorized', 'unauthorized', 'неверный токен партнёра');
  return merchant;
}

/** Creates a merchant or rotates its token and callback secret (by code). */
export async function upsertMerchant(
  db: Queryable,
  cipher: FieldCipher,
  m: { code: string; name: string; token: string; callbackSecret: string },
): Promise<Merchant> {
  const { rows } = await db.query<Merchant>(
    `INSERT INTO bnpl.merchants (code, name, token_hash, callback_secret_enc) VALUES ($1, $2, $3, $4)
     ON CONFLICT (code) DO UPDATE SET name = excluded.name, token_hash = excluded.token_hash,
       callback_secret_enc = excluded.callback_secret_enc, active = true
     RETURNING id, code, name`,
    [m.code, m.name, hashSecret(m.token), cipher.encrypt(m.callbackSecret)],
  );
  byToken.clear();
  return rows[0]!;
}

export async function callbackSecret(
  db: Queryable,
  cipher: FieldCipher,
  merchantId: bigint,
): Promise<string> {
  const { rows } = await db.query<{ s: string }>(
    `SELECT callback_secret_enc AS s FROM bnpl.merchants WHERE id = $1`,
    [merchantId],
  );
  if (!rows[0]) throw bnplError('not_found', 'merchant_not_found', 'партнёр не найден');
  return cipher.decrypt(rows[0].s);
}

/**
 * A merchant Kopek opens sessions for itself (the broker's in-house lender: one per broker
 * partner), created on first use. Its token and callback secret are random and never shown, so
 * it cannot call the partner API; its sessions carry no callback URLs.
 */
export async function internalMerchant(
  db: Queryable,
  cipher: FieldCipher,
  m: { code: string; name: string },
): Promise<Merchant> {
  const { rows } = await db.query<Merchant>(
    `WITH ins AS (
       INSERT INTO bnpl.merchants (code, name, token_hash, callback_secret_enc) VALUES ($1, $2, $3, $4)
       ON CONFLICT (code) DO NOTHING RETURNING id, code, name)
     SELECT id, code, name FROM ins UNION ALL SELECT id, code, name FROM bnpl.merchants WHERE code = $1`,
    [
      m.code,
      m.name,
      hashSecret(randomBytes(32).toString('hex')),
      cipher.encrypt(randomBytes(32).toString('hex')),
    ],
  );
  if (rows[0]) return rows[0];
  // Created meanwhile by a parallel call (invisible to this statement's snapshot): read it now.
  const again = await db.query<Merchant>(`SELECT id, code, name FROM bnpl.merchants WHERE code = $1`, [
    m.code,
  ]);
  return again.rows[0]!;
}
