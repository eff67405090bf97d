-- Moneywall BNPL checkout (docs/bnpl.md): merchants, payment sessions with their hosted frame,
-- ticket receipts, SMS codes and outbox, acquiring payments of the first instalment, refunds and
-- the signed callbacks to merchants with every delivery attempt. The loan itself is a BNPL3 deal
-- in the lending schema.
CREATE SCHEMA bnpl;

CREATE TABLE bnpl.merchants (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9_-]{1,64}$'),
  name text NOT NULL,
  -- sha256 of the bare token the merchant sends in Authorization (hashSecret)
  token_hash text NOT NULL UNIQUE,
  -- HMAC key of the callbacks' signature, encrypted (ctx.cipher): Kopek must use it, so no hash
  callback_secret_enc text NOT NULL,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bnpl.sessions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  merchant_id bigint NOT NULL REFERENCES bnpl.merchants (id),
  order_id text NOT NULL CHECK (length(order_id) BETWEEN 1 AND 128),
  -- sha256 of the canonical init body: a repeat with another body is refused
  request_hash text NOT NULL,
  -- the init body's personal data (phone, e-mail, passports, address, passengers), encrypted JSON
  request_enc text NOT NULL,
  frame_token text NOT NULL UNIQUE,
  amount bigint NOT NULL CHECK (amount > 0),
  state text NOT NULL DEFAULT 'processing'
    CHECK (state IN ('processing', 'cancelled', 'authorized', 'voided', 'refunded', 'charged')),
  -- where the customer is in the frame
  step text NOT NULL DEFAULT 'form' CHECK (step IN ('form', 'code', 'pay', 'done', 'declined', 'closed')),
  web_mode text NOT NULL CHECK (web_mode IN ('standalone', 'iframe')),
  success_callback_url text NOT NULL,
  failure_callback_url text NOT NULL,
  redirect_url text NOT NULL,
  original_provider_order_id text,
  product_type text,
  expires_at timestamptz,
  departure_date date,
  -- the customer's data as confirmed in the frame, encrypted JSON
  customer_enc text,
  deal_id bigint REFERENCES lending.deals (id),
  first_payment bigint,
  refunded_total bigint NOT NULL DEFAULT 0,
  decline_reason text,
  authorized_at timestamptz,
  charged_at timestamptz,
  state_changed_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (merchant_id, order_id)
);
CREATE INDEX sessions_state_changed ON bnpl.sessions (merchant_id, state_changed_at);
CREATE INDEX sessions_expiring ON bnpl.sessions (expires_at) WHERE state = 'processing';
CREATE INDEX sessions_to_charge ON bnpl.sessions (authorized_at) WHERE state = 'authorized';

-- Every state change, for `states?from=&till=` and for staff.
CREATE TABLE bnpl.state_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES bnpl.sessions (id),
  from_state text,
  to_state text NOT NULL,
  reason text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX state_history_session ON bnpl.state_history (session_id);

-- `payments/product`: ticket receipts and the transaction letter, kept in the database like the
-- broker's scans (8 MB each at most), so every process sees them without a shared disk.
CREATE TABLE bnpl.files (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES bnpl.sessions (id),
  kind text NOT NULL CHECK (kind IN ('ticket_receipt', 'transaction_letter')),
  ticket_number text,
  product_type text,
  name text NOT NULL,
  mime_type text NOT NULL,
  size integer NOT NULL CHECK (size > 0 AND size <= 8388608),
  sha256 text NOT NULL,
  content bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_session ON bnpl.files (session_id);

CREATE TABLE bnpl.sms_codes (
  session_id bigint PRIMARY KEY REFERENCES bnpl.sessions (id),
  -- keyed hash (ctx.cipher.lookupHash) of session + code
  code_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  sends integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bnpl.sms_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES bnpl.sessions (id),
  phone_enc text NOT NULL,
  phone_masked text NOT NULL,
  text_enc text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  gateway_id text,
  sent_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_outbox_session ON bnpl.sms_outbox (session_id);

-- The first instalment by card: the acquirer's payment, never the card number (token + 6/4).
CREATE TABLE bnpl.card_payments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES bnpl.sessions (id),
  external_id text UNIQUE,
  amount bigint NOT NULL CHECK (amount > 0),
  status text NOT NULL DEFAULT 'created'
    CHECK (status IN ('created', 'authorized', 'declined', 'captured', 'voided')),
  card_token text,
  card_first6 text CHECK (card_first6 ~ '^[0-9]{6}$'),
  card_last4 text CHECK (card_last4 ~ '^[0-9]{4}$'),
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX card_payments_session ON bnpl.card_payments (session_id);

CREATE TABLE bnpl.refunds (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES bnpl.sessions (id),
  amount bigint NOT NULL CHECK (amount > 0),
  kind text NOT NULL CHECK (kind IN ('void', 'early_repayment')),
  -- the loan engine's payment (ПКО…) an early repayment became
  payment_number text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_session ON bnpl.refunds (session_id);

-- Callbacks to the merchant (outbox): one row per decision, delivered by the job with retries.
CREATE TABLE bnpl.callbacks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  session_id bigint NOT NULL REFERENCES bnpl.sessions (id),
  kind text NOT NULL CHECK (kind IN ('success', 'failure')),
  url text NOT NULL,
  body text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  last_http_status integer,
  last_error text,
  delivered_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (session_id, kind)
);
CREATE INDEX callbacks_status ON bnpl.callbacks (status, id);

CREATE TABLE bnpl.callback_attempts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  callback_id bigint NOT NULL REFERENCES bnpl.callbacks (id),
  attempt integer NOT NULL,
  http_status integer,
  error text,
  duration_ms integer NOT NULL,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX callback_attempts_callback ON bnpl.callback_attempts (callback_id);
