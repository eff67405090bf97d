-- The consumer e-wallet "mserver 2" (docs/wallet.md). Balances live in the ledger
-- (`wallet:<id>:balance`, lower bound 0); these tables hold the wallet's own state.
CREATE SCHEMA wallet;

-- Payment ids look like the document's (1401089234881): 13 digits, sortable.
CREATE SEQUENCE wallet.payment_ids START 1401089234881;

CREATE TABLE wallet.wallets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  phone text NOT NULL,
  password_hash text NOT NULL,
  account_id bigint NOT NULL,
  -- Paid totals on their way to the wallet agent's float, and the operator's fees from this
  -- wallet: per wallet, so no payment waits on another's lock (the agent's float is refilled
  -- from the outgoing accounts by a minute job).
  outgoing_account_id bigint NOT NULL,
  fees_account_id bigint NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'active')),
  activated_at timestamptz,
  -- Throttling of wrong passwords: consecutive failures and the lock they earned.
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- One live wallet per phone; a deleted (dev) wallet frees its phone.
CREATE UNIQUE INDEX wallets_phone_live ON wallet.wallets (phone) WHERE deleted_at IS NULL;

-- Sessions (cookie JSESSIONID): only the SHA-256 of the token is stored.
CREATE TABLE wallet.sessions (
  token_hash text PRIMARY KEY,
  wallet_id bigint NOT NULL REFERENCES wallet.wallets (id),
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sessions_wallet_idx ON wallet.sessions (wallet_id);

-- SMS codes (activation, password reset): keyed hash, expiry, tries and sends counted.
CREATE TABLE wallet.codes (
  wallet_id bigint NOT NULL REFERENCES wallet.wallets (id),
  purpose text NOT NULL CHECK (purpose IN ('activation', 'password_reset')),
  code_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  sends integer NOT NULL DEFAULT 1,
  sms_id bigint,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (wallet_id, purpose)
);

-- Personal data (KYC). Passport, INN and SNILS are encrypted (ctx.cipher); names are not.
CREATE TABLE wallet.persons (
  wallet_id bigint PRIMARY KEY REFERENCES wallet.wallets (id),
  family_name text NOT NULL,
  given_name text NOT NULL,
  patronymic_name text,
  passport_enc text NOT NULL,
  passport_hash text NOT NULL,
  passport_issued_at date NOT NULL,
  itn_enc text,
  ssn_enc text,
  status text NOT NULL CHECK (status IN ('data_entered', 'data_verified')),
  verified_at timestamptz,
  verified_by text,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Payments. Money in kopecks. state: checking (the provider is to be asked, next_action get),
-- input (the provider asked for more parameters, update), ready (pay), paying (hold placed,
-- the processing centre works), finished, canceled.
CREATE TABLE wallet.payments (
  id bigint PRIMARY KEY DEFAULT nextval('wallet.payment_ids'),
  wallet_id bigint NOT NULL REFERENCES wallet.wallets (id),
  client_payment_id uuid NOT NULL,
  request_hash text NOT NULL,
  type text NOT NULL DEFAULT 'out' CHECK (type IN ('out')),
  service_id text NOT NULL,
  service_name text NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  fee bigint CHECK (fee >= 0),
  state text NOT NULL CHECK (state IN ('checking', 'input', 'ready', 'paying', 'finished', 'canceled')),
  -- [{code, name, value}] in the order shown to the client
  parameters jsonb NOT NULL,
  -- [{code, name, value, editable}] from the provider's last check
  current_parameters jsonb,
  -- bumped by every change of state or parameters; a check's answer applies only to its version
  version integer NOT NULL DEFAULT 0,
  hold_id bigint,
  -- the processing-centre agent the pay went through (its agentTransactionId is this id)
  agent_id bigint,
  result integer,
  result_message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  UNIQUE (wallet_id, client_payment_id)
);
CREATE INDEX payments_history_idx ON wallet.payments (wallet_id, created_at DESC, id DESC);
CREATE INDEX payments_paying_idx ON wallet.payments (id) WHERE state = 'paying';
