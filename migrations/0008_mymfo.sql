-- The "Моя МФО" site API face (docs/mymfo.md): the credentials of the site and of the payment
-- services that call it, the borrower's cabinet passwords and their throttle, the SMS outbox
-- of cabinet passwords, idempotent applications (`Request/`) and attached cards. Loans,
-- clients and payments live in the lending schema; signing (0009) and payments (0010) add theirs.
CREATE SCHEMA mymfo;

-- Who may call the face, with HTTP Basic: the lender's site ('site') or a payment service
-- ('payment': QIWI, ZK, MKB, Elecsnet, or the IDPayService of a Payment/Site service).
CREATE TABLE mymfo.credentials (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  login text NOT NULL UNIQUE CHECK (login ~ '^[A-Za-z0-9_.-]{1,64}$'),
  -- scrypt (src/platform/crypto.ts hashPassword)
  password_hash text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('site', 'payment')),
  payment_service text CHECK (payment_service ~ '^[A-Za-z0-9_.-]{1,64}$'),
  -- Addresses (CIDR) the credential may call from; null: any. Enforced for payment credentials.
  ip_allowlist cidr[],
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  CHECK ((kind = 'payment') = (payment_service IS NOT NULL))
);

-- Cabinet password of a borrower (service `client`). The site sends pass = sha256(phone +
-- password), so what must be checked is that value; it is stored as an scrypt hash of it.
CREATE TABLE mymfo.cabinet_passwords (
  client_id bigint PRIMARY KEY REFERENCES lending.clients (id),
  -- the phone the pass was derived with (a new phone needs a new password)
  phone text NOT NULL,
  pass_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Throttle of the cabinet login per phone (keyed hash): wrong passes and password sends.
CREATE TABLE mymfo.cabinet_throttle (
  phone_hash text PRIMARY KEY,
  failures int NOT NULL DEFAULT 0,
  window_started_at timestamptz NOT NULL DEFAULT now(),
  locked_until timestamptz,
  last_password_sent_at timestamptz
);

-- Messages to borrowers (cabinet passwords), delivered by the job `mymfo:send_sms` through the
-- platform's SMS gateway. Phone and text are encrypted: the text carries a password.
CREATE TABLE mymfo.sms_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id bigint NOT NULL REFERENCES lending.clients (id),
  purpose text NOT NULL CHECK (purpose IN ('cabinet_password')),
  phone_enc text NOT NULL,
  phone_masked text NOT NULL,
  text_enc text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts int NOT NULL DEFAULT 0,
  gateway_id text,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX sms_outbox_client_idx ON mymfo.sms_outbox (client_id, id);

-- `Request/`: one row per accepted application. The key is the site's "ID" when it sends one,
-- otherwise a hash of the whole body: a site that retries after a timeout gets the first answer.
CREATE TABLE mymfo.requests (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_key text NOT NULL UNIQUE,
  body_hash text NOT NULL,
  deal_id bigint REFERENCES lending.deals (id),
  answer jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Cards attached by `card/attachtoclient` and `card/attachtodeal`: the payout service's token,
-- first 6 and last 4 digits only (never the full number), holder, validity, service.
CREATE TABLE mymfo.cards (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id bigint NOT NULL REFERENCES lending.clients (id),
  deal_id bigint REFERENCES lending.deals (id),
  token text NOT NULL,
  first6 char(6) NOT NULL CHECK (first6 ~ '^[0-9]{6}$'),
  last4 char(4) NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
  holder text NOT NULL,
  valid_month smallint NOT NULL CHECK (valid_month BETWEEN 1 AND 12),
  valid_year smallint NOT NULL,
  service text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX cards_client_token_idx ON mymfo.cards (client_id, token, coalesce(deal_id, 0));
CREATE INDEX cards_deal_idx ON mymfo.cards (deal_id) WHERE deal_id IS NOT NULL;

-- `fixingissue`: the site's report that a loan was paid out outside Kopek, idempotent by deal.
CREATE TABLE mymfo.external_issues (
  deal_id bigint PRIMARY KEY REFERENCES lending.deals (id),
  issue_date date NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  method text NOT NULL,
  reference text,
  created_at timestamptz NOT NULL DEFAULT now()
);
