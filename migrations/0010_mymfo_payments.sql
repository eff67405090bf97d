-- Payments of the "Моя МФО" site API (docs/mymfo-payments.md): what a payment service told us
-- about each transaction it reported with `Payment/<PayService>/` or `Payment/Site/<id>/`
-- (command=pay). The payment itself — allocation, ledger transfer, idempotency by
-- (service, txn_id) — is the loan engine's row in lending.payments; this keeps the protocol's
-- own data beside it for reconciliation with the service's registers.
CREATE SCHEMA IF NOT EXISTS mymfo;

CREATE TABLE mymfo.payment_txns (
  -- the payment service as lending.payments.service ('QIWI', 'Site/<IDPayService>', ...)
  service text NOT NULL,
  -- osmp_txn_id: the service's own transaction id
  txn_id text NOT NULL,
  -- txn_date as sent (yyyymmddhhmmss, the service's local time, no zone)
  txn_date timestamp NOT NULL,
  -- account as sent: the deal number
  account text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service, txn_id),
  -- Written before the engine's payment row in the same transaction (so that nothing runs
  -- after the engine has locked the lender's ledger accounts): checked at commit.
  FOREIGN KEY (service, txn_id) REFERENCES lending.payments (service, txn_id) DEFERRABLE INITIALLY DEFERRED
);
