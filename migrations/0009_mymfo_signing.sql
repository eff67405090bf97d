-- Signing of loan contracts with an ASP code ("аналог собственноручной подписи") through the
-- "Моя МФО" site API: dealsign/code and dealsign/codereview (docs/mymfo-signing.md).
CREATE SCHEMA IF NOT EXISTS mymfo;

-- The live signing code of a deal: one row per deal, replaced by each new code. The code itself
-- is never stored: `review_hash` is a keyed hash (HMAC, FieldCipher.lookupHash) of the value the
-- site must send to codereview, sha256(IDClient + IDDeal + code) — a bare SHA-256 of six digits
-- would be brute-forced from a copy of the table in a second.
CREATE TABLE mymfo.signing_codes (
  deal_id bigint PRIMARY KEY REFERENCES lending.deals (id),
  review_hash text NOT NULL,
  expires_at timestamptz NOT NULL,
  -- wrong codereviews of this code; at the limit (5) the code is dead until a new one is asked
  attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- codes sent in the current throttle window, and when it began
  sends int NOT NULL DEFAULT 1 CHECK (sends >= 0),
  window_started_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz NOT NULL DEFAULT now(),
  -- set when the code signed the deal
  used_at timestamptz
);

-- A signed contract: the proof of the simple electronic signature and the signed PDF as it was
-- served, so a repeated codereview returns the same bytes. One per deal: a deal is signed once.
CREATE TABLE mymfo.signatures (
  deal_id bigint PRIMARY KEY REFERENCES lending.deals (id),
  -- what the site sent: sha256 hex of IDClient + IDDeal + ASP code
  code_hash text NOT NULL,
  phone text NOT NULL,
  signed_at timestamptz NOT NULL,
  ip text NOT NULL,
  -- sha256 hex of the unsigned PDF the client signed (the bytes dealinpdf serves)
  document_hash text NOT NULL CHECK (document_hash ~ '^[0-9a-f]{64}$'),
  pdf bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Signing codes go out through the face's SMS outbox (0008) and its job `mymfo:send_sms`.
ALTER TABLE mymfo.sms_outbox DROP CONSTRAINT IF EXISTS sms_outbox_purpose_check;
ALTER TABLE mymfo.sms_outbox ADD CONSTRAINT sms_outbox_purpose_check
  CHECK (purpose IN ('cabinet_password', 'signing_code'));
