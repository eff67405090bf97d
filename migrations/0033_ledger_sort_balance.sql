-- The console's sort by balance reads a copy of the balance, refreshed every minute (job
-- ledger:refresh_sort_balances, src/ledger/sort-balances.ts), instead of an index on the balance
-- itself (0016). Every posting updates ledger.accounts.balance: while an index covered it, no such
-- update could be HOT, and each wrote new entries into all six indexes of the table, the trigram
-- GIN among them. Measured on bench/mymfo pay (bench/RESULTS.md, session 8): ledger.post_transfers
-- 6.19 -> 4.82 ms a batch, WAL 155 -> 106 kB a batch, pay p99 76/91 -> 61/66 ms.
DROP INDEX ledger.accounts_balance_idx;
ALTER TABLE ledger.accounts ADD COLUMN sort_balance bigint NOT NULL DEFAULT 0;
UPDATE ledger.accounts SET sort_balance = balance WHERE balance <> 0;
CREATE INDEX accounts_sort_balance_idx ON ledger.accounts (sort_balance, id);
