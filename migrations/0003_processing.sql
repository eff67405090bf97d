-- The payment processing centre for agents (protocol v20): agents and their credentials, the
-- service catalogue, and payments. Money is bigint minor units (kopecks/tiyn); an agent's balance
-- lives in the ledger (agents.account_id), never here.
CREATE SCHEMA processing;

-- transactionId of the protocol, for checks and pays alike: one sequence across processes.
CREATE SEQUENCE processing.transaction_id_seq START WITH 1000000;

CREATE TABLE processing.agents (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  login text NOT NULL UNIQUE CHECK (login ~ '^[A-Za-z0-9_.-]{1,64}$'),
  name text NOT NULL,
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- ledger account `agent:<id>:balance`, lower_bound = -overdraft
  account_id bigint NOT NULL UNIQUE REFERENCES ledger.accounts (id),
  overdraft bigint NOT NULL DEFAULT 0 CHECK (overdraft >= 0),
  -- balance at which the agent's staff is notified
  notification bigint NOT NULL DEFAULT 0,
  -- set when the balance went below `notification`, cleared when it came back: one event per crossing
  below_notification boolean NOT NULL DEFAULT false,
  webhook_url text,
  -- result 250 until the first top-up
  topped_up_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Tokens: created -> awaiting_confirmation -> confirmed -> revoked; only confirmed ones authenticate.
CREATE TABLE processing.agent_tokens (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_id bigint NOT NULL REFERENCES processing.agents (id),
  token_hash text NOT NULL UNIQUE,
  status text NOT NULL CHECK (status IN ('created', 'awaiting_confirmation', 'confirmed', 'revoked')),
  created_at timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX agent_tokens_agent_idx ON processing.agent_tokens (agent_id);

-- IP allowlist; no row for an agent means no restriction.
CREATE TABLE processing.agent_ips (
  agent_id bigint NOT NULL REFERENCES processing.agents (id),
  ip inet NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (agent_id, ip)
);

CREATE TABLE processing.services (
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,32}$'),
  -- scheme: 0 simple, 1 with choice (contracts), 2 complex (invoice)
  type smallint NOT NULL CHECK (type IN (0, 1, 2)),
  name text NOT NULL,
  service_group text,
  country text,
  fixed_payment boolean NOT NULL DEFAULT false,
  -- the provider's currency; differs from the agent's for international providers
  currency char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  -- provider-currency units per agent-currency unit, exact decimal text (conversion only)
  rate numeric(20, 10),
  inputs jsonb NOT NULL DEFAULT '[]',
  displays jsonb NOT NULL DEFAULT '[]',
  min_amount bigint NOT NULL DEFAULT 1 CHECK (min_amount > 0),
  max_amount bigint NOT NULL CHECK (max_amount >= min_amount),
  -- allowed amountFrom - amountTo (the client's fee), outside it: result 255
  fee_min bigint NOT NULL DEFAULT 0 CHECK (fee_min >= 0),
  fee_max bigint NOT NULL DEFAULT 0 CHECK (fee_max >= fee_min),
  -- the agent's reward per payment: basis points of amountTo plus a fixed amount
  commission_bp integer NOT NULL DEFAULT 0 CHECK (commission_bp BETWEEN 0 AND 10000),
  commission_fixed bigint NOT NULL DEFAULT 0 CHECK (commission_fixed >= 0),
  -- {adapter: 'osmp', url, login, password}
  provider jsonb NOT NULL,
  -- false: result 155 (payments for this service are refused)
  enabled boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per (agent, agentTransactionId) pay: the idempotency key of the protocol.
CREATE TABLE processing.payments (
  id bigint PRIMARY KEY DEFAULT nextval('processing.transaction_id_seq'),
  agent_id bigint NOT NULL REFERENCES processing.agents (id),
  agent_txn_id bigint NOT NULL,
  -- hash of the request's content: a repeat with another body gets 215 or 202
  request_hash text NOT NULL,
  service_id text NOT NULL REFERENCES processing.services (id),
  account text NOT NULL,
  amount_to bigint NOT NULL CHECK (amount_to > 0),
  amount_from bigint NOT NULL CHECK (amount_from >= amount_to),
  commission bigint NOT NULL DEFAULT 0,
  agent_txn_date text NOT NULL,
  request jsonb NOT NULL,
  -- the protocol's result code as last known; final says whether it can change
  result smallint NOT NULL,
  final boolean NOT NULL,
  result_message text NOT NULL,
  -- conversion and other fields the first answer carried, returned again on repeats
  answer jsonb NOT NULL DEFAULT '{}',
  hold_id bigint,
  provider_txn_id text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  status_at timestamptz,
  UNIQUE (agent_id, agent_txn_id)
);
CREATE INDEX payments_pending_idx ON processing.payments (next_attempt_at) WHERE NOT final;
