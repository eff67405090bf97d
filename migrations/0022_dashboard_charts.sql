-- The dashboard's charts over a period (issue 9, src/staff/console/chart-*.ts, bench/console).

-- Per chart and Moscow day, the day's figures as last computed ([{key, count, amount}]): a day
-- computed long enough after it ended is final and read from here; the last few days are
-- recomputed by each dashboard refresh (src/staff/console/chart-rollup.ts).
CREATE TABLE staff.dashboard_days (
  chart text NOT NULL,
  day date NOT NULL,
  figures jsonb NOT NULL,
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chart, day)
);

-- The indexes the recomputation reads: each covering (INCLUDE) and partial where the chart
-- filters, so a span of days is an index-only scan of that span's entries, not of the table.

-- Issued volume and count by day: deals by issue date (set once, at issue).
CREATE INDEX deals_issue_date_idx ON lending.deals (issue_date) INCLUDE (amount)
  WHERE issue_date IS NOT NULL;

-- Collections by day: repayments accepted, not reversed, not internal advance offsets.
CREATE INDEX payments_collections_idx ON lending.payments (business_date) INCLUDE (amount)
  WHERE reversed_at IS NULL AND service <> 'advance';

-- Processing turnover by agent: successful payments (final, result 0) by time.
CREATE INDEX payments_turnover_idx ON processing.payments (created_at) INCLUDE (agent_id, amount_to)
  WHERE final AND result = 0;

-- Broker funnel: forms created in the period with their status, then per form its offers and
-- how many were signed (one index-only probe per form).
CREATE INDEX forms_funnel_idx ON broker.forms (created_at) INCLUDE (id, status);
CREATE INDEX offers_funnel_idx ON broker.offers (form_id) INCLUDE (signed_at);

-- BNPL checkouts of the period by state, with their amounts.
CREATE INDEX sessions_created_idx ON bnpl.sessions (created_at) INCLUDE (state, amount);
