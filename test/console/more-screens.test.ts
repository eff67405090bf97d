import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { deliverCallback } from '../../src/bnpl/callbacks.ts';
import { upsertMerchant } from '../../src/bnpl/merchants.ts';
import { adminFace } from '../../src/faces/admin/face.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { createAgent } from '../../src/processing/agents.ts';
import { importServices, readCatalogFile } from '../../src/processing/catalog.ts';
import { DEMO_CATALOG_FILE } from '../../src/processing/demo.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { STAFF } from '../lending/lending-fixtures.ts';
import { type Signed, signIn } from './helpers.ts';

/**
 * The processing screen's changes through the admin API against a real database: an agent
 * top-up is one ledger transfer, idempotent by the console's key (also under parallel retries),
 * audited; the IP allowlist edit; the service catalogue; BNPL merchants, refunds and the manual
 * resend of a callback (delivered for real to a loopback merchant); refusals by role.
 */
describe('admin API: processing, BNPL and further console screens', () => {
  let db: TestDatabase;
  let app: FaceApp;
  let admin: Signed;
  let accountant: Signed;
  let support: Signed;
  let agentId = 0n;
  let sessionId = 0n;
  let callbackId = 0n;
  const received: { body: string; signature: string | undefined }[] = [];
  const merchant = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      received.push({ body, signature: req.headers['x-moneywall-signature'] as string | undefined });
      res.writeHead(200).end('ok');
    });
  });

  const get = (who: Signed, url: string) =>
    app.inject({ method: 'GET', url: `/admin/api${url}`, headers: who.headers });
  const post = (who: Signed, url: string, payload: unknown) =>
    app.inject({ method: 'POST', url: `/admin/api${url}`, headers: who.headers, payload: payload as object });

  before(async () => {
    await new Promise<void>((resolve) => merchant.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(merchant.address() as AddressInfo).port}/hook`;
    db = await testDatabase();
    await withTx(db.ctx.pool, async (tx) => {
      await staffSeeder.seed(tx, db.ctx);
      await importServices(tx, readCatalogFile(DEMO_CATALOG_FILE));
      agentId = (
        await createAgent(tx, { login: 'topup-agent', name: 'Агент пополнения', currency: 'RUB' }, STAFF)
      ).id;
      const m = await upsertMerchant(tx, db.ctx.cipher, {
        code: 'console-shop',
        name: 'Магазин консоли',
        token: 'console-shop-token',
        callbackSecret: 'console-shop-secret',
      });
      const session = await tx.query<{ id: bigint }>(
        `INSERT INTO bnpl.sessions (merchant_id, order_id, request_hash, request_enc, frame_token, amount, state, step,
           web_mode, success_callback_url, failure_callback_url, redirect_url, refunded_total)
         VALUES ($1, 'order-1', 'h', $2, 'frame-console-1', 1200000, 'voided', 'done', 'iframe', $3, $3,
           'https://shop.example/back', 300000) RETURNING id`,
        [m.id, db.ctx.cipher.encrypt('{}'), hook],
      );
      sessionId = session.rows[0]!.id;
      await tx.query(`INSERT INTO bnpl.refunds (session_id, amount, kind) VALUES ($1, 300000, 'void')`, [
        sessionId,
      ]);
      const cb = await tx.query<{ id: bigint }>(
        `INSERT INTO bnpl.callbacks (session_id, kind, url, body, status, attempts, last_error)
         VALUES ($1, 'success', $2, '{"id":1,"state":"authorized"}', 'failed', 12, 'HTTP 503') RETURNING id`,
        [sessionId, hook],
      );
      callbackId = cb.rows[0]!.id;
    });
    app = await buildServer(db.ctx, [adminFace]);
    [admin, accountant, support] = await Promise.all([
      signIn(app, 'admin'),
      signIn(app, 'accountant'),
      signIn(app, 'support'),
    ]);
  });

  after(async () => {
    merchant.close();
    await app?.close();
    await db?.close();
  });

  it('tops up an agent once per key, even under parallel retries, and audits it', async () => {
    const url = `/processing/agents/${agentId}/topup`;
    const body = { amount: '1500.00', reason: 'п/п 77', key: 'form-0001-abcd' };
    assert.equal((await post(support, url, body)).statusCode, 403);
    const answers = await Promise.all([1, 2, 3, 4].map(() => post(accountant, url, body)));
    for (const a of answers) assert.equal(a.statusCode, 200, a.body);
    const card = (await get(admin, `/processing/agents/${agentId}`)).json();
    assert.equal(card.agent.balance, '1500.00');
    const transfers = await db.ctx.pool.query<{ n: bigint }>(
      "SELECT count(*) AS n FROM ledger.transfers WHERE kind = 'processing.agent.topup'",
    );
    assert.equal(Number(transfers.rows[0]!.n), 1);

    const second = await post(accountant, url, { ...body, amount: '0.50', key: 'form-0002-abcd' });
    assert.equal(second.json().agent.balance, '1500.50');
    const audit = (await get(admin, '/audit?action=processing.agent.topup&limit=100')).json();
    assert.ok(audit.items.length >= 2, JSON.stringify(audit.items));

    for (const amount of ['0.00', '-5.00', '12', 'abc']) {
      const bad = await post(admin, url, { ...body, amount, key: 'form-0003-abcd' });
      assert.ok([400, 422].includes(bad.statusCode), `${amount}: ${bad.statusCode}`);
      assert.ok(bad.json().error.message, amount);
    }
    const missing = await post(admin, '/processing/agents/999999/topup', body);
    assert.equal(missing.statusCode, 404);
  });

  it('edits the IP allowlist, refusing a bad address with a clear message', async () => {
    const url = `/processing/agents/${agentId}/ips`;
    assert.equal((await post(support, url, { ip: '10.0.0.1' })).statusCode, 403);
    const added = await post(admin, url, { ip: '10.1.2.0/24' });
    assert.equal(added.statusCode, 200, added.body);
    assert.deepEqual(added.json().ips, ['10.1.2.0/24']);
    const twice = await post(admin, url, { ip: '10.1.2.0/24' });
    assert.deepEqual(twice.json().ips, ['10.1.2.0/24']);
    const bad = await post(admin, url, { ip: '10.1.2.300' });
    assert.equal(bad.statusCode, 422);
    assert.equal(bad.json().error.code, 'processing.ip');
    assert.match(bad.json().error.message, /неверный IP-адрес/);
    const removed = await post(admin, url, { ip: '10.1.2.0/24', remove: true });
    assert.deepEqual(removed.json().ips, []);
    const audit = (await get(admin, '/audit?action=processing.agent.&limit=100')).json();
    const actions = audit.items.map((i: { action: string }) => i.action);
    assert.ok(actions.includes('processing.agent.allow_ip'), actions.join(','));
    assert.ok(actions.includes('processing.agent.disallow_ip'), actions.join(','));
  });

  it('lists the service catalogue for any role with processing.read', async () => {
    const list = await get(support, '/processing/services');
    assert.equal(list.statusCode, 200, list.body);
    const items = list.json().items as { id: string; minAmount: string; provider: string }[];
    const stored = await db.ctx.pool.query<{ n: bigint }>('SELECT count(*) AS n FROM processing.services');
    assert.equal(items.length, Number(stored.rows[0]!.n));
    assert.ok(items.length > 0);
    for (const s of items) {
      assert.match(s.minAmount, /^[0-9]+\.[0-9]{2}$/);
      assert.equal(s.provider, 'osmp');
    }
    const collector = await signIn(app, 'collector');
    assert.equal((await get(collector, '/processing/services')).statusCode, 403);
  });

  it("lists BNPL merchants and a session's refunds", async () => {
    const merchants = (await get(support, '/bnpl/merchants')).json();
    const shop = merchants.items.find((m: { code: string }) => m.code === 'console-shop');
    assert.equal(shop.sessions, 1);
    assert.equal(shop.approved, 0);
    assert.equal(JSON.stringify(merchants).includes('secret'), false);
    const card = (await get(support, `/bnpl/sessions/${sessionId}`)).json();
    assert.equal(card.refunds.length, 1);
    assert.equal(card.refunds[0].amount, '3000.00');
    assert.equal(card.refunds[0].kind, 'void');
  });

  it('resends a failed callback through the module job, audited, refusing a pending one', async () => {
    const url = `/bnpl/sessions/${sessionId}/callbacks/${callbackId}/resend`;
    assert.equal((await post(support, url, {})).statusCode, 403);
    assert.equal(
      (await post(admin, `/bnpl/sessions/${sessionId}/callbacks/999999/resend`, {})).statusCode,
      404,
    );
    const resent = await post(admin, url, {});
    assert.equal(resent.statusCode, 200, resent.body);
    assert.equal(resent.json().callbacks[0].status, 'pending');
    const jobs = await db.ctx.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM graphile_worker.jobs WHERE task_identifier = 'bnpl:callback'",
    );
    assert.equal(jobs.rows[0]!.n, 1);
    const again = await post(admin, url, {});
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'bnpl.callback_pending');

    // What the worker runs for that job: the merchant receives the stored body, signed.
    await deliverCallback(db.ctx, String(callbackId), 1, 12);
    assert.equal(received.length, 1);
    assert.equal(received[0]!.body, '{"id":1,"state":"authorized"}');
    assert.match(received[0]!.signature ?? '', /^sha256=[0-9a-f]{64}$/);
    const card = (await get(admin, `/bnpl/sessions/${sessionId}`)).json();
    assert.equal(card.callbacks[0].status, 'delivered');
    const audit = (await get(admin, '/audit?action=bnpl.callback.resend&limit=10')).json();
    assert.equal(audit.items.length, 1);
  });
});
