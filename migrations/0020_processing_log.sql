-- Issue 9: what Kopek and the providers said to each other about each payment, and the delivery
-- attempts of agents' webhooks, for the operator console (docs/processing.md, "Logs").

-- One row per provider exchange of a payment (pay, or a follow-up's status). Written by the
-- settlement statement itself (processing.settle_payment_logged / settle_payments_logged), so
-- the log costs the pay no statement and no commit of its own. Checks are not stored (a check
-- writes nothing; see the doc). No secrets: the provider's address without its query or
-- userinfo, Kopek's own parameters, never the Authorization header. `body` is the provider's
-- raw answer, cut to 4 000 characters by the caller.
--
-- On the pay path, so kept cheap: one index (no primary key index, no foreign key check; the rows
-- are written only by the settlement of their payment, and payments are never deleted).
CREATE TABLE processing.provider_exchanges (
  id bigint GENERATED ALWAYS AS IDENTITY,
  payment_id bigint NOT NULL,
  command text NOT NULL,
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL,
  request jsonb NOT NULL,
  http_status integer,
  provider_code text,
  result smallint NOT NULL,
  comment text,
  body text,
  error text
);
CREATE INDEX provider_exchanges_payment_idx ON processing.provider_exchanges (payment_id, id);

-- p_exchange: one JSON object (the columns above, camelCase) for the exchange whose answer this
-- settles. Kept even when a concurrent follow-up settled the payment first (the exchange happened).
CREATE FUNCTION processing.settle_payment_logged(
  p_id bigint,
  p_result smallint,
  p_final boolean,
  p_message text,
  p_provider_txn_id text,
  p_answer jsonb,
  p_delay_s integer,
  p_exchange jsonb
) RETURNS TABLE (payment processing.payments, crossed boolean, crossed_available bigint, crossed_notification bigint)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY SELECT * FROM processing.settle_payment(p_id, p_result, p_final, p_message, p_provider_txn_id,
    p_answer, p_delay_s);
  IF p_exchange IS NOT NULL THEN
    INSERT INTO processing.provider_exchanges (payment_id, command, started_at, duration_ms, request, http_status,
      provider_code, result, comment, body, error)
    SELECT p_id, e.command, e."startedAt", e."durationMs", coalesce(e.request, '{}'), e."httpStatus",
      e."providerCode", e.result, e.comment, e.body, e.error
    FROM jsonb_to_record(p_exchange) AS e(command text, "startedAt" timestamptz, "durationMs" integer, request jsonb,
      "httpStatus" integer, "providerCode" text, result smallint, comment text, body text, error text);
  END IF;
END;
$$;

CREATE FUNCTION processing.settle_payments_logged(
  p_id bigint[],
  p_result smallint[],
  p_final boolean[],
  p_message text[],
  p_provider_txn_id text[],
  p_answer jsonb[],
  p_delay_s integer[],
  p_exchange jsonb[]
) RETURNS TABLE (item integer, payment processing.payments, crossed boolean, crossed_available bigint,
  crossed_notification bigint)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  RETURN QUERY SELECT * FROM processing.settle_payments(p_id, p_result, p_final, p_message, p_provider_txn_id,
    p_answer, p_delay_s);
  INSERT INTO processing.provider_exchanges (payment_id, command, started_at, duration_ms, request, http_status,
    provider_code, result, comment, body, error)
  SELECT x.id, e.command, e."startedAt", e."durationMs", coalesce(e.request, '{}'), e."httpStatus",
    e."providerCode", e.result, e.comment, e.body, e.error
  FROM unnest(p_id, p_exchange) AS x(id, ex),
    LATERAL jsonb_to_record(x.ex) AS e(command text, "startedAt" timestamptz, "durationMs" integer, request jsonb,
      "httpStatus" integer, "providerCode" text, result smallint, comment text, body text, error text)
  WHERE x.ex IS NOT NULL;
END;
$$;

-- One row per delivery attempt of an agent's webhook (processing:balance_notification). Kept
-- 90 days (processing:prune_webhook_log, daily).
CREATE TABLE processing.webhook_deliveries (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_id bigint NOT NULL REFERENCES processing.agents (id),
  event text NOT NULL,
  job_id text,
  attempt integer NOT NULL,
  url text NOT NULL,
  status_code integer,
  duration_ms integer NOT NULL,
  error text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_agent_idx ON processing.webhook_deliveries (agent_id, id DESC);
CREATE INDEX webhook_deliveries_at_idx ON processing.webhook_deliveries (at);
