-- One SMS outbox for every module (src/notify): the broker's signing codes and payment links,
-- the "Моя МФО" cabinet passwords and ASP codes, the BNPL checkout codes and the wallet's
-- activation / password-reset codes. Delivered by the job `notify:send_sms` through the
-- configured gateway. Phone and text are encrypted (ctx.cipher): texts carry codes, passwords
-- and payment links; the modules keep only keyed hashes of their codes.
CREATE SCHEMA IF NOT EXISTS notify;

CREATE TABLE notify.sms_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  module text NOT NULL CHECK (module IN ('broker', 'mymfo', 'bnpl', 'wallet')),
  purpose text NOT NULL CHECK (purpose ~ '^[a-z_]{1,40}$'),
  -- The module's own row the message is about: broker offer, mymfo client, bnpl session, wallet.
  subject_id bigint,
  phone_enc text NOT NULL,
  phone_masked text NOT NULL,
  text_enc text NOT NULL,
  status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  gateway_id text,
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX sms_outbox_subject_idx ON notify.sms_outbox (module, subject_id, purpose, id);
CREATE INDEX sms_outbox_created_idx ON notify.sms_outbox (created_at, id);
CREATE INDEX sms_outbox_status_idx ON notify.sms_outbox (status, created_at);

-- The broker's rows keep their ids: wallet.codes.sms_id points at them. Rows without an offer
-- were the wallet's (it wrote into the broker's outbox); their purpose comes from the code row
-- that still points at them, else 'code'.
INSERT INTO notify.sms_outbox (id, module, purpose, subject_id, phone_enc, phone_masked, text_enc,
                               status, attempts, gateway_id, last_error, created_at, sent_at)
OVERRIDING SYSTEM VALUE
SELECT o.id,
       CASE WHEN o.offer_id IS NULL THEN 'wallet' ELSE 'broker' END,
       CASE WHEN o.offer_id IS NULL THEN coalesce(c.purpose, 'code') ELSE o.purpose END,
       coalesce(o.offer_id, c.wallet_id),
       o.phone_enc, o.phone_masked, o.text_enc, o.status, o.attempts, o.gateway_id, o.last_error,
       o.created_at, o.sent_at
FROM broker.sms_outbox o
LEFT JOIN wallet.codes c ON o.offer_id IS NULL AND c.sms_id = o.id
ORDER BY o.id;

SELECT setval(pg_get_serial_sequence('notify.sms_outbox', 'id'),
              greatest((SELECT max(id) FROM notify.sms_outbox), 1),
              (SELECT max(id) FROM notify.sms_outbox) IS NOT NULL);

INSERT INTO notify.sms_outbox (module, purpose, subject_id, phone_enc, phone_masked, text_enc,
                               status, attempts, gateway_id, last_error, created_at, sent_at)
SELECT 'mymfo', purpose, client_id, phone_enc, phone_masked, text_enc, status, attempts, gateway_id,
       last_error, created_at, sent_at
FROM mymfo.sms_outbox ORDER BY id;

INSERT INTO notify.sms_outbox (module, purpose, subject_id, phone_enc, phone_masked, text_enc,
                               status, attempts, gateway_id, last_error, created_at, sent_at)
SELECT 'bnpl', 'checkout_code', session_id, phone_enc, phone_masked, text_enc, status, attempts,
       gateway_id, last_error, created_at, sent_at
FROM bnpl.sms_outbox ORDER BY id;

-- Pending deliveries of the old per-module jobs move to `notify:send_sms` (on an upgraded
-- database; a fresh one has no queue schema yet and nothing to move).
DO $$
BEGIN
  IF to_regclass('graphile_worker.jobs') IS NOT NULL THEN
    EXECUTE $q$
      SELECT graphile_worker.complete_jobs(coalesce(array_agg(id), '{}'))
      FROM graphile_worker.jobs
      WHERE task_identifier IN ('broker:send_sms', 'mymfo:send_sms', 'bnpl:send_sms') AND locked_at IS NULL
    $q$;
    EXECUTE $q$
      SELECT count(graphile_worker.add_job('notify:send_sms', json_build_object('id', id::text), max_attempts => 8))
      FROM notify.sms_outbox WHERE status = 'queued'
    $q$;
  END IF;
END $$;

DROP TABLE broker.sms_outbox;
DROP TABLE mymfo.sms_outbox;
DROP TABLE bnpl.sms_outbox;
