-- The credit-application broker (DenimHub face `/dp/`): partners and their points, lenders and
-- routing rules, forms with their offers, scans and print forms, SMS codes and the SMS outbox,
-- reconciliation registries. Stands alone: nothing here refers to another module's tables.
CREATE SCHEMA broker;

-- A retailer or credit broker. The API token is stored as a hash and bound to `guid`
-- (`partner_guid` on the wire): a token of one partner never opens another partner's forms.
CREATE TABLE broker.partners (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  guid text NOT NULL UNIQUE,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  -- How long offer collection waits for lenders before `offer_status` becomes `done`.
  offer_deadline_ms integer NOT NULL DEFAULT 30000 CHECK (offer_deadline_ms BETWEEN 100 AND 3600000),
  registry_email text,
  registry_url text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- A shop (or web shop) of a partner. The document has no field saying whether a form is POS
-- credit or BNPL, nor whether it is filled in a shop or online: the point says it.
CREATE TABLE broker.points (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  partner_id bigint NOT NULL REFERENCES broker.partners (id),
  code text NOT NULL,
  name text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('pos_offline', 'pos_online', 'bnpl')),
  active boolean NOT NULL DEFAULT true,
  UNIQUE (partner_id, code)
);

-- Operators of a point (`point_user_code`); POS forms must name a registered one.
CREATE TABLE broker.point_users (
  point_id bigint NOT NULL REFERENCES broker.points (id),
  code text NOT NULL,
  name text NOT NULL,
  PRIMARY KEY (point_id, code)
);

-- A bank or MFO behind one adapter: `http` speaks the generic lender protocol (docs/broker.md),
-- `inhouse` is Kopek's own loan engine.
CREATE TABLE broker.lenders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE,
  name text NOT NULL,
  adapter text NOT NULL CHECK (adapter IN ('http', 'inhouse')),
  base_url text,
  -- HMAC key for request signing, encrypted like personal data.
  secret_enc text,
  timeout_ms integer NOT NULL DEFAULT 10000 CHECK (timeout_ms BETWEEN 50 AND 600000),
  registry_email text,
  registry_url text,
  active boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (adapter <> 'http' OR (base_url IS NOT NULL AND secret_enc IS NOT NULL))
);

-- Routing rules: which lenders get a partner's forms of a kind, and how fields are reshaped
-- for each ("preprocessing for compatibility").
CREATE TABLE broker.routes (
  partner_id bigint NOT NULL REFERENCES broker.partners (id),
  kind text NOT NULL CHECK (kind IN ('pos', 'bnpl')),
  lender_id bigint NOT NULL REFERENCES broker.lenders (id),
  mapping jsonb NOT NULL DEFAULT '{}',
  enabled boolean NOT NULL DEFAULT true,
  PRIMARY KEY (partner_id, kind, lender_id)
);

-- A credit application (анкета). The request is kept whole but encrypted (it holds the passport);
-- the columns beside it are what routing, state checks and registries need.
CREATE TABLE broker.forms (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  guid uuid NOT NULL UNIQUE,
  partner_id bigint NOT NULL REFERENCES broker.partners (id),
  point_id bigint NOT NULL REFERENCES broker.points (id),
  external_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('pos', 'bnpl')),
  offline boolean NOT NULL,
  request_hash text NOT NULL,
  payload_enc text NOT NULL,
  passport_hash text,
  phone_enc text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  initial_payment bigint NOT NULL DEFAULT 0,
  term_value integer,
  status text NOT NULL CHECK (status IN (
    'collecting', 'offers', 'declined', 'error', 'offer_confirmed', 'issued', 'issue_declined', 'cancelled'
  )),
  offer_status text NOT NULL CHECK (offer_status IN ('pending', 'done', 'declined', 'error')),
  deadline_at timestamptz NOT NULL,
  confirmed_offer_id bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  closed_at timestamptz,
  UNIQUE (partner_id, external_id)
);
CREATE INDEX forms_created_idx ON broker.forms (created_at);
CREATE INDEX forms_status_idx ON broker.forms (status) WHERE status = 'collecting';

-- One row per lender a form was sent to: what that lender answered.
CREATE TABLE broker.form_lenders (
  form_id bigint NOT NULL REFERENCES broker.forms (id),
  lender_id bigint NOT NULL REFERENCES broker.lenders (id),
  status text NOT NULL CHECK (status IN ('pending', 'offered', 'declined', 'error', 'late')),
  detail text,
  answered_at timestamptz,
  PRIMARY KEY (form_id, lender_id)
);

CREATE TABLE broker.offers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  guid uuid NOT NULL UNIQUE,
  form_id bigint NOT NULL REFERENCES broker.forms (id),
  lender_id bigint NOT NULL REFERENCES broker.lenders (id),
  lender_offer_id text NOT NULL,
  name text NOT NULL,
  initial_payment bigint NOT NULL,
  amount bigint NOT NULL,
  life_insurance_sum bigint NOT NULL DEFAULT 0,
  work_insurance_sum bigint NOT NULL DEFAULT 0,
  term_value integer NOT NULL,
  term_unit text NOT NULL CHECK (term_unit IN ('day', 'week', 'month')),
  regular_payment_amount bigint NOT NULL,
  regular_period_type text NOT NULL CHECK (regular_period_type IN ('day', 'week', 'month')),
  payments_count integer NOT NULL,
  rate numeric(9, 4) NOT NULL,
  -- What the client pays in all (payments + initial payment + insurance): offers sort by it.
  total_cost bigint NOT NULL,
  status text NOT NULL CHECK (status IN (
    'offered', 'confirmed', 'contract_ready', 'signed', 'issuing', 'issued', 'declined', 'cancelled', 'error'
  )),
  signing_mode text NOT NULL CHECK (signing_mode IN ('sms', 'payment_link')),
  contract_status text CHECK (contract_status IN ('pending', 'done', 'declined', 'error')),
  contract jsonb,
  required_scans text[] NOT NULL DEFAULT '{}',
  -- The lender re-issued print forms after checking scans; cleared when the partner reads the
  -- contract again (`scans_status` says PRINT_FORMS_CHANGED meanwhile).
  print_forms_changed boolean NOT NULL DEFAULT false,
  signing_status text NOT NULL DEFAULT 'NOT_SIGNED'
    CHECK (signing_status IN ('NOT_SIGNED', 'SIGNED', 'CANCELED')),
  signed_at timestamptz,
  payment_url text,
  payment_status text CHECK (payment_status IN ('pending', 'paid', 'partially_paid', 'declined')),
  payments jsonb NOT NULL DEFAULT '[]',
  issue_status text CHECK (issue_status IN ('pending', 'done', 'declined', 'error')),
  issue_detail text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (form_id, lender_id, lender_offer_id)
);
CREATE INDEX offers_form_idx ON broker.offers (form_id, total_cost);

-- Scans and print forms. Files live in the database: they commit with the form they belong to,
-- every process of a cluster sees them without a shared disk, and ownership is one join.
CREATE TABLE broker.files (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  guid uuid NOT NULL UNIQUE,
  partner_id bigint NOT NULL REFERENCES broker.partners (id),
  form_id bigint NOT NULL REFERENCES broker.forms (id),
  offer_id bigint REFERENCES broker.offers (id),
  kind text NOT NULL CHECK (kind IN ('scan', 'print_form')),
  name text NOT NULL,
  mime_type text NOT NULL,
  size integer NOT NULL,
  sha256 text NOT NULL,
  content bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX files_offer_idx ON broker.files (offer_id, kind);

-- The latest scan of each type per form (offline POS forms bring some with `create_form`; the
-- rest come by `save_scans` for the chosen offer). A rescan replaces the row's file.
CREATE TABLE broker.scans (
  form_id bigint NOT NULL REFERENCES broker.forms (id),
  type text NOT NULL,
  file_id bigint REFERENCES broker.files (id),
  status text NOT NULL CHECK (status IN (
    'REQUESTED', 'RECEIVED_FROM_PARTNER', 'CHECKING', 'RESCAN_NEEDED', 'CONFIRMED', 'DECLINED'
  )),
  decline_reason text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (form_id, type)
);

-- The signing code of an offer (код АСП): hashed, with expiry, an attempt limit and a send count.
CREATE TABLE broker.sms_codes (
  offer_id bigint PRIMARY KEY REFERENCES broker.offers (id),
  code_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  sends integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Every SMS the broker sends, delivered by a job through the configured gateway. The text holds
-- a code or a payment link, so it is encrypted.
CREATE TABLE broker.sms_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  form_id bigint REFERENCES broker.forms (id),
  offer_id bigint REFERENCES broker.offers (id),
  purpose text NOT NULL CHECK (purpose IN ('signing_code', 'payment_link')),
  phone_enc text NOT NULL,
  phone_masked text NOT NULL,
  text_enc text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  gateway_id text,
  attempts integer NOT NULL DEFAULT 0,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX sms_outbox_offer_idx ON broker.sms_outbox (offer_id, id);

-- Daily reconciliation registries, one per business date, recipient and format.
CREATE TABLE broker.registries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  business_date date NOT NULL,
  owner_type text NOT NULL CHECK (owner_type IN ('partner', 'lender')),
  owner_id bigint NOT NULL,
  format text NOT NULL CHECK (format IN ('csv', 'xlsx')),
  file_name text NOT NULL,
  rows integer NOT NULL,
  content bytea NOT NULL,
  delivered_at timestamptz,
  delivery_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (business_date, owner_type, owner_id, format)
);
