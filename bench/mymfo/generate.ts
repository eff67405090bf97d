/**
 * The bench's database: `count` issued loans written set-based in SQL by the COB bench's
 * generator (deal, schedule, principal account, balanced issue transfer, loan state), then the
 * clients' passports encrypted with the server's data key, so that PS/deal finds a deal by its
 * client's passport exactly as in production.
 */
import { normalisePassport } from '../../src/lending/clients/repository.ts';
import { FieldCipher } from '../../src/platform/crypto.ts';
import type { Pool } from '../../src/platform/db/pool.ts';
import { generateLoans } from '../cob/generate.ts';
import { clientPassport } from './numbers.ts';

const CLIENT_BASE = 1_000_000_000;

export async function generateDeals(
  pool: Pool,
  count: number,
  businessDate: string,
  dataKey: Buffer,
  log: (line: string) => void,
): Promise<void> {
  await generateLoans(pool, count, businessDate, log);
  const cipher = new FieldCipher(dataKey);
  const clients = Math.ceil(count / 100);
  const ids: string[] = [];
  const encrypted: string[] = [];
  const hashes: string[] = [];
  for (let c = 1; c <= clients; c++) {
    const passport = normalisePassport(clientPassport(c));
    ids.push(String(CLIENT_BASE + c));
    encrypted.push(cipher.encrypt(passport));
    hashes.push(cipher.lookupHash(passport));
  }
  const t0 = performance.now();
  await pool.query(
    `UPDATE lending.clients c SET passport_enc = x.enc, passport_hash = x.hash
     FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(id, enc, hash) WHERE c.id = x.id`,
    [ids, encrypted, hashes],
  );
  log(`  passports: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
