import type { Queryable } from '../../platform/db/pool.ts';
import type { Kopecks } from '../../platform/money.ts';
import { orderBy, type Page, type PageRequest, Where } from './paging.ts';

/**
 * The console's read model of the wallet module: wallets with their ledger balance and the KYC
 * state of their person data (the verification queue is `kyc=data_entered`). Read-only: a
 * verification goes through src/wallet/person.ts (`verifyPerson`).
 */
export interface WalletRow {
  id: bigint;
  phone: string;
  status: string;
  kyc: string | null;
  name: string | null;
  balance: Kopecks;
  createdAt: Date;
}

export const WALLET_SORTS = { id: 'w.id', createdAt: 'w.created_at', balance: 'a.balance' } as const;
export type WalletSort = keyof typeof WALLET_SORTS;

export async function searchWallets(
  db: Queryable,
  filter: { kyc?: string; phone?: string },
  page: PageRequest<WalletSort>,
): Promise<Page<WalletRow>> {
  const where = new Where().raw('w.deleted_at IS NULL');
  if (filter.kyc === 'none') where.raw('p.status IS NULL');
  else if (filter.kyc === 'rejected')
    where.raw(`p.status = 'data_entered' AND p.verified_by LIKE 'rejected:%'`);
  else if (filter.kyc === 'data_entered')
    where.raw(`p.status = 'data_entered' AND (p.verified_by IS NULL OR p.verified_by NOT LIKE 'rejected:%')`);
  else where.addIf(Boolean(filter.kyc), 'p.status = $?', filter.kyc);
  where.addIf(
    Boolean(filter.phone),
    'w.phone LIKE $?',
    `%${(filter.phone ?? '').replace(/\D/g, '').slice(-10)}`,
  );
  const from = `FROM wallet.wallets w JOIN ledger.accounts a ON a.id = w.account_id
    LEFT JOIN wallet.persons p ON p.wallet_id = w.id ${where.sql()}`;
  const [rows, count] = await Promise.all([
    db.query<{
      id: bigint;
      phone: string;
      status: string;
      kyc: string | null;
      family_name: string | null;
      given_name: string | null;
      patronymic_name: string | null;
      balance: bigint;
      created_at: Date;
    }>(
      `SELECT w.id, w.phone, w.status,
              CASE WHEN p.status = 'data_entered' AND p.verified_by LIKE 'rejected:%' THEN 'rejected'
                   ELSE p.status END AS kyc, p.family_name, p.given_name, p.patronymic_name,
              a.balance, w.created_at
       ${from} ${orderBy(WALLET_SORTS, page, 'w.id')} LIMIT ${page.limit} OFFSET ${page.offset}`,
      where.values,
    ),
    db.query<{ n: bigint }>(`SELECT count(*) AS n ${from}`, where.values),
  ]);
  return {
    total: Number(count.rows[0]!.n),
    rows: rows.rows.map((r) => ({
      id: r.id,
      phone: r.phone,
      status: r.status,
      kyc: r.kyc,
      name: r.family_name ? [r.family_name, r.given_name, r.patronymic_name].filter(Boolean).join(' ') : null,
      balance: r.balance,
      createdAt: r.created_at,
    })),
  };
}
