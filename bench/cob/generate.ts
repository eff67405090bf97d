/**
 * Generates `count` active loans for the COB bench directly in SQL, as issue would leave them:
 * a client per 100 loans, a deal in "Выдан" with a one-line 30-day schedule (every tenth a
 * three-line one), its principal account, the issue transfer and entries, and its loan state.
 * Issue dates are spread over the 60 days before the business date, so about half the loans
 * are past due (penalties, days past due) and the rest accrue interest only. The ledger stays
 * verifiable: every generated transfer balances and the cached balances equal the entries.
 */
import type { Pool } from '../../src/platform/db/pool.ts';

/** Generated ids start here, far above what the identity columns hand out to the bench's own rows. */
const BASE = 1_000_000_000n;

export async function generateLoans(
  pool: Pool,
  count: number,
  businessDate: string,
  log: (line: string) => void,
): Promise<void> {
  const step = async (what: string, sql: string, params: unknown[] = []) => {
    const t0 = performance.now();
    await pool.query(sql, params);
    log(`  ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  };
  await step(
    'product',
    `INSERT INTO lending.products (code, name, kind, period, min_amount, max_amount, min_term_days, max_term_days,
       daily_rate, penalty_rate_year, max_amount_new, max_amount_repeat, psk_category)
     VALUES ('BENCH30', 'Бенчмарк', 'single', NULL, 100000, 3000000, 5, 90, 0.8, 20, 3000000, 3000000, 'bench')
     ON CONFLICT (code) DO NOTHING`,
  );
  await step(
    'clients',
    `INSERT INTO lending.clients (id, last_name, first_name, birth_date, phone, passport_enc, passport_hash, monthly_income)
     OVERRIDING SYSTEM VALUE
     SELECT $2::bigint + c, 'Бенчев', 'Клиент', '1990-01-01', '89110000000', 'bench', 'bench-' || c, 10000000
     FROM generate_series(1, ($1::int + 99) / 100) c`,
    [count, BASE],
  );
  // Loan i: amount 1 000..30 000 roubles, issued (i % 60) + 1 days before the business date.
  await step(
    'deals',
    `INSERT INTO lending.deals (id, number, org, client_id, product_id, status, amount, term_days, source,
       daily_rate, penalty_rate_year, cap_percent, contract_date, issue_date, signed_at)
     OVERRIDING SYSTEM VALUE
     SELECT $3::bigint + i, 'BENCH' || lpad(i::text, 9, '0'), 'main', $3::bigint + (i + 99) / 100,
       (SELECT id FROM lending.products WHERE code = 'BENCH30'), 'Выдан', 100000 + (i % 29) * 100000, 30, 'bench',
       0.8, 20, CASE WHEN i % 2 = 0 THEN 130 ELSE 100 END,
       $2::date - (i % 60 + 1), $2::date - (i % 60 + 1), now()
     FROM generate_series(1, $1::int) i`,
    [count, businessDate, BASE],
  );
  await step(
    'schedules',
    `INSERT INTO lending.schedule_lines (deal_id, n, due_date, principal, interest, total, principal_after, cum_principal, cum_interest)
     SELECT d.id, 1, d.issue_date + 30, d.amount, d.amount * 24 / 100, d.amount * 124 / 100, 0, d.amount, d.amount * 24 / 100
     FROM lending.deals d WHERE d.id > $1 AND d.source = 'bench' AND d.id % 10 <> 0
     UNION ALL
     SELECT d.id, n, d.issue_date + 10 * n, d.amount / 3 + CASE WHEN n = 3 THEN d.amount % 3 ELSE 0 END,
       d.amount * 8 / 100, d.amount / 3 + d.amount * 8 / 100, d.amount - (d.amount / 3) * n,
       least(d.amount, (d.amount / 3) * n + CASE WHEN n = 3 THEN d.amount % 3 ELSE 0 END), d.amount * 8 / 100 * n
     FROM lending.deals d CROSS JOIN generate_series(1, 3) n WHERE d.id > $1 AND d.source = 'bench' AND d.id % 10 = 0`,
    [BASE],
  );
  await step(
    'ledger accounts',
    `INSERT INTO ledger.accounts (id, code, owner_type, owner_id, kind, currency, lower_bound, balance, sort_balance)
     OVERRIDING SYSTEM VALUE
     SELECT d.id, 'deal:' || d.id || ':principal', 'lending.deal', d.id::text, 'loan_principal', 'RUB', 0, d.amount, d.amount
     FROM lending.deals d WHERE d.id > $1 AND d.source = 'bench'`,
    [BASE],
  );
  await step(
    'issue transfers',
    `INSERT INTO ledger.transfers (id, idem_key, kind, content_hash, status)
     OVERRIDING SYSTEM VALUE
     SELECT d.id, 'lending:issue:' || d.id, 'lending.issue', 'bench', 'posted'
     FROM lending.deals d WHERE d.id > $1 AND d.source = 'bench'`,
    [BASE],
  );
  await step(
    'cash account',
    `INSERT INTO ledger.accounts (code, owner_type, owner_id, kind, currency)
     VALUES ('mfo:cash:RUB', 'mfo', 'main', 'cash', 'RUB') ON CONFLICT (code) DO NOTHING`,
  );
  await step(
    'issue entries',
    `INSERT INTO ledger.entries (transfer_id, account_id, amount)
     SELECT d.id, x.account, x.amount
     FROM lending.deals d
     CROSS JOIN LATERAL (VALUES ((SELECT id FROM ledger.accounts WHERE code = 'mfo:cash:RUB'), -d.amount), (d.id, d.amount)) x(account, amount)
     WHERE d.id > $1 AND d.source = 'bench'`,
    [BASE],
  );
  await step(
    'cash balance',
    `UPDATE ledger.accounts SET balance = balance - s.total, sort_balance = balance - s.total
     FROM (SELECT sum(amount) AS total FROM lending.deals WHERE id > $1 AND source = 'bench') s
     WHERE code = 'mfo:cash:RUB'`,
    [BASE],
  );
  await step(
    'loan states',
    `INSERT INTO lending.loan_state (deal_id, client_id, accrual_mode, principal, daily_rate, penalty_rate_year,
       cap_percent, cap_amount, issue_date, last_due_date, accrued_through, principal_account_id)
     SELECT d.id, d.client_id, 'daily', d.amount, d.daily_rate, d.penalty_rate_year, d.cap_percent,
       d.amount * d.cap_percent / 100, d.issue_date, (SELECT max(due_date) FROM lending.schedule_lines l WHERE l.deal_id = d.id),
       -- Closed through the day before the business date, as after last night's COB.
       $2::date - 1, d.id
     FROM lending.deals d WHERE d.id > $1 AND d.source = 'bench'`,
    [BASE, businessDate],
  );
  await step('vacuum analyze', 'VACUUM ANALYZE');
}
