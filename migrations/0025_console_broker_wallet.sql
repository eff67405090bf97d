-- Indexes for the console's wallet payments list (src/staff/console/wallet-payments-read.ts,
-- issue 9), chosen against the pay path: every payment is one insert and two state changes, and
-- a state change already rewrites every index entry (payments_paying_idx names the state), so
-- each btree here costs three index writes per payment. Measured in docs/console.md ("Wallet
-- payments"). The wallet's own per-wallet history index serves `wallet=`.

-- The date range filter. Payments are appended in creation order and their state changes follow
-- within seconds, so heap blocks follow dates: a BRIN index finds a day by block ranges, is a
-- few pages for millions of rows and is written once per range, not per row.
CREATE INDEX payments_created_brin ON wallet.payments USING brin (created_at);

-- Filter by state: the states an operator looks for (stuck, canceled, unfinished) are the rare
-- ones. Partial, so a payment that ends `finished` (most do) leaves no live entry here.
CREATE INDEX payments_state_idx ON wallet.payments (state, id) WHERE state <> 'finished';
