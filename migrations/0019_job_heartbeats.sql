-- Kopek job workers alive right now: each graphile-worker worker of each process registers its
-- workerId and refreshes seen_at every ~15 s. A worker not seen for a minute died without
-- releasing its jobs (SIGKILL, power loss); jobs:unlock_dead_workers hands its jobs back to the
-- queue (graphile_worker.force_unlock_workers) instead of graphile-worker's 4-hour lock timeout.
CREATE SCHEMA jobs;

CREATE TABLE jobs.workers (
  worker_id text PRIMARY KEY,
  pid integer NOT NULL,
  host text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX workers_seen_at ON jobs.workers (seen_at);
