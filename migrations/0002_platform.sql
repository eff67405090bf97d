-- Facts about this installation (demo seeded, versions), one row per key.
CREATE TABLE platform_meta (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Append-only record of every state change made by staff, operators and the CLI. It is written
-- in the same transaction as the change it records.
CREATE SCHEMA audit;
CREATE TABLE audit.log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_type text NOT NULL,          -- staff, cli, system, agent ...
  actor_id text NOT NULL,
  action text NOT NULL,              -- e.g. processing.agent.topup
  subject_type text NOT NULL,
  subject_id text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  request_id text
);
CREATE INDEX log_subject_idx ON audit.log (subject_type, subject_id, id);
CREATE INDEX log_at_idx ON audit.log (at);

CREATE FUNCTION audit.forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit.log is append-only';
END;
$$;
CREATE TRIGGER log_append_only BEFORE UPDATE OR DELETE ON audit.log
  FOR EACH ROW EXECUTE FUNCTION audit.forbid_change();
