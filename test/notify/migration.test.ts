import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { migrateQueue } from '../../src/jobs/queue.ts';
import { MIGRATIONS_DIR, migrate } from '../../src/platform/db/migrate.ts';
import { createPool, type Pool } from '../../src/platform/db/pool.ts';
import { emptyDatabase } from '../helpers/db.ts';

/**
 * 0021 moves the three old outboxes (broker's, which the wallet also wrote into, mymfo's and
 * bnpl's) into notify.sms_outbox, keeps the broker's ids (wallet.codes.sms_id points at them),
 * moves pending old-name delivery jobs to `notify:send_sms` and drops the old tables.
 */
describe('migration 0021: the old SMS outboxes move into notify.sms_outbox', () => {
  let database: { url: string; drop(): Promise<void> };
  let pool: Pool;
  let before0021: string;

  before(async () => {
    database = await emptyDatabase();
    pool = createPool(database.url, 2);
    before0021 = mkdtempSync(path.join(os.tmpdir(), 'kopek-mig-'));
    for (const f of readdirSync(MIGRATIONS_DIR))
      if (/^\d{4}_.*\.sql$/.test(f) && Number(f.slice(0, 4)) < 21)
        copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(before0021, f));
    await migrate(pool, () => undefined, before0021);
    await migrateQueue(database.url);
  });

  after(async () => {
    await pool?.end();
    await database?.drop();
    if (before0021) rmSync(before0021, { recursive: true, force: true });
  });

  it('copies every row with its module, purpose, subject and state, then drops the old tables', async () => {
    const c = await pool.connect();
    try {
      // Rows of made-up offers, clients and sessions: the foreign keys are not what is tested.
      await c.query(`SET session_replication_role = replica`);
      await c.query(
        `INSERT INTO broker.sms_outbox (id, form_id, offer_id, purpose, phone_enc, phone_masked, text_enc, status, attempts, gateway_id, sent_at)
         OVERRIDING SYSTEM VALUE VALUES
           (5, 1, 10, 'signing_code', 'pe1', '+791***0001', 'te1', 'sent', 1, 'sim-1', now()),
           (9, NULL, NULL, 'signing_code', 'pe2', '+791***0002', 'te2', 'queued', 0, NULL, NULL),
           (12, NULL, NULL, 'signing_code', 'pe3', '+791***0003', 'te3', 'failed', 8, NULL, NULL)`,
      );
      await c.query(`SELECT setval(pg_get_serial_sequence('broker.sms_outbox', 'id'), 12)`);
      await c.query(
        `INSERT INTO wallet.codes (wallet_id, purpose, code_hash, expires_at, sms_id)
         VALUES (77, 'password_reset', 'h', now(), 9)`,
      );
      await c.query(
        `INSERT INTO mymfo.sms_outbox (client_id, purpose, phone_enc, phone_masked, text_enc, status, last_error)
         VALUES (3, 'cabinet_password', 'pe4', '+791***0004', 'te4', 'queued', 'timeout')`,
      );
      await c.query(
        `INSERT INTO bnpl.sms_outbox (session_id, phone_enc, phone_masked, text_enc) VALUES (4, 'pe5', '+791***0005', 'te5')`,
      );
      await c.query(`SET session_replication_role = DEFAULT`);
      await c.query(
        `SELECT graphile_worker.add_job('mymfo:send_sms', '{"id": "1"}'::json), graphile_worker.add_job('broker:send_sms', '{"id": "9"}'::json)`,
      );
    } finally {
      c.release();
    }

    assert.ok((await migrate(pool, () => undefined)).includes(21));

    const { rows } = await pool.query<{
      id: string;
      module: string;
      purpose: string;
      subject_id: string | null;
      phone_enc: string;
      phone_masked: string;
      text_enc: string;
      status: string;
      attempts: number;
      gateway_id: string | null;
      last_error: string | null;
    }>(
      `SELECT id::text, module, purpose, subject_id::text, phone_enc, phone_masked, text_enc, status, attempts, gateway_id, last_error
       FROM notify.sms_outbox o ORDER BY o.id`,
    );
    assert.deepEqual(
      rows.map((r) => [r.id, r.module, r.purpose, r.subject_id, r.text_enc, r.status]),
      [
        ['5', 'broker', 'signing_code', '10', 'te1', 'sent'],
        ['9', 'wallet', 'password_reset', '77', 'te2', 'queued'],
        ['12', 'wallet', 'code', null, 'te3', 'failed'],
        ['13', 'mymfo', 'cabinet_password', '3', 'te4', 'queued'],
        ['14', 'bnpl', 'checkout_code', '4', 'te5', 'queued'],
      ],
    );
    assert.equal(rows[0]!.gateway_id, 'sim-1');
    assert.equal(rows[2]!.attempts, 8);
    assert.equal(rows[3]!.last_error, 'timeout');
    assert.equal(rows[4]!.phone_enc, 'pe5');

    for (const old of ['broker.sms_outbox', 'mymfo.sms_outbox', 'bnpl.sms_outbox']) {
      const { rows: r } = await pool.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [old]);
      assert.equal(r[0]!.t, null, `${old} is dropped`);
    }

    // Old-name jobs are gone; every queued message has its notify job (ids as the new rows').
    const { rows: jobs } = await pool.query<{ task: string; id: string }>(
      `SELECT t.identifier AS task, j.payload->>'id' AS id FROM graphile_worker._private_jobs j
       JOIN graphile_worker._private_tasks t ON t.id = j.task_id ORDER BY (j.payload->>'id')::bigint`,
    );
    assert.deepEqual(jobs, [
      { task: 'notify:send_sms', id: '9' },
      { task: 'notify:send_sms', id: '13' },
      { task: 'notify:send_sms', id: '14' },
    ]);

    // New rows continue after the moved ones.
    const next = await pool.query<{ id: string }>(
      `INSERT INTO notify.sms_outbox (module, purpose, phone_enc, phone_masked, text_enc)
       VALUES ('broker', 'payment_link', 'p', 'm', 't') RETURNING id::text`,
    );
    assert.equal(next.rows[0]!.id, '15');
  });
});
