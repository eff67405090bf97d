-- The broker's in-house lender (Kopek's own loan engine, docs/broker.md "In-house lender"): the
-- loan applications it opened for a broker form, one per MFO product it offered. A repeated
-- scoring call answers from these rows; confirm, sign, issue and cancel find their deal here.
CREATE TABLE broker.inhouse_deals (
  application_id uuid NOT NULL,
  product_code text NOT NULL,
  deal_id bigint NOT NULL UNIQUE REFERENCES lending.deals (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (application_id, product_code)
);

-- create_form's outbox mark: a form is committed without its `broker:collect` job, and a
-- dispatcher enqueues the jobs of many forms with one add_jobs call, then sets this. A sweep
-- picks up forms a crashed process left undispatched.
ALTER TABLE broker.forms ADD COLUMN dispatched_at timestamptz;
-- Forms created before this migration were dispatched by their own job.
UPDATE broker.forms SET dispatched_at = created_at;
CREATE INDEX forms_undispatched_idx ON broker.forms (created_at) WHERE dispatched_at IS NULL;
