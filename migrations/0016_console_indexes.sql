-- Indexes for the operator console's searches and sorts on large tables (issue 9, bench/console).
-- Read paths only; every index here is named by the console query it serves.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Ledger accounts list (src/staff/console/ledger-read.ts): `q` is a code substring (ILIKE
-- '%…%'), sorts by balance and opening time with id as the tie-breaker.
CREATE INDEX accounts_code_trgm_idx ON ledger.accounts USING gin (code gin_trgm_ops);
CREATE INDEX accounts_balance_idx ON ledger.accounts (balance, id);
CREATE INDEX accounts_created_idx ON ledger.accounts (created_at, id);

-- Dashboard: transfers per day over the last N days.
CREATE INDEX transfers_created_idx ON ledger.transfers (created_at);

-- Deal search (src/lending/admin-queries.ts): number prefix (LIKE 'ТСК0001%' needs a pattern
-- index whatever the database collation), number part (trigrams: numbers are ASCII), client
-- name from its start; sorts by creation
-- time and amount, alone or within a status.
CREATE INDEX deals_number_pattern_idx ON lending.deals (number text_pattern_ops);
CREATE INDEX deals_number_trgm_idx ON lending.deals USING gin (number gin_trgm_ops);
CREATE INDEX deals_created_idx ON lending.deals (created_at, id);
CREATE INDEX deals_status_created_idx ON lending.deals (status, created_at, id);
CREATE INDEX deals_amount_idx ON lending.deals (amount, id);
-- Client name from its start, case-insensitive (ICU lowers Cyrillic whatever the ctype); the
-- expression is CLIENT_NAME_KEY in src/lending/admin-queries.ts. (Trigrams would not do: with a
-- C ctype pg_trgm sees no letters in Cyrillic text.)
CREATE INDEX clients_name_prefix_idx ON lending.clients
  (lower((last_name || ' ' || first_name || ' ' || coalesce(middle_name, '')) COLLATE "und-x-icu") text_pattern_ops);

-- Dashboard: repayments of the business date.
CREATE INDEX payments_business_date_idx ON lending.payments (business_date);

-- Dashboard and payments list: processing payments by time.
CREATE INDEX processing_payments_created_idx ON processing.payments (created_at);
