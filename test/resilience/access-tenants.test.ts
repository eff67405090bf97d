/**
 * Access between tenants: an agent, a wallet, a partner only ever reach their own payments, forms
 * and files; rotated or revoked credentials of the faces not covered in access.test.ts die.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { upsertMerchant } from '../../src/bnpl/merchants.ts';
import { upsertPartner } from '../../src/broker/partners.ts';
import { clearAuthCache } from '../../src/faces/mymfo/auth.ts';
import { revokeCredential } from '../../src/mymfo/credentials.ts';
import { CLI_ACTOR } from '../../src/platform/audit.ts';
import { OFFLINE_SCANS, posForm } from '../broker/harness.ts';
import {
  type ProcessingWorld,
  payBody,
  call as pcall,
  processingWorld,
  testAgent,
} from '../processing/helpers.ts';
import {
  activeWallet,
  type WalletWorld,
  walletWorld,
  basic as wbasic,
  call as wcall,
} from '../wallet/helpers.ts';
import { basic } from './profiles.ts';
import { demoWorld, type World } from './world.ts';

/** Polls until refused (401/403): credential caches live a few seconds (docs/resilience.md). */
async function refusedWithin(send: () => Promise<{ statusCode: number }>, ms = 20_000): Promise<number> {
  const deadline = Date.now() + ms;
  for (;;) {
    const { statusCode } = await send();
    if (statusCode === 401 || statusCode === 403 || Date.now() > deadline) return statusCode;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('processing: an agent cannot reach another agent’s payments', () => {
  let w: ProcessingWorld;
  before(async () => {
    w = await processingWorld();
  });
  after(() => w.close());

  it('B’s pay with A’s agentTransactionId is B’s own new payment, never A’s answer; balance is the caller’s', async () => {
    const a = await testAgent(w.ctx, { balance: 100_000_000n });
    const b = await testAgent(w.ctx, { balance: 50_000_000n });
    const body = payBody();
    const first = await pcall(w.app, a.token, 'pay', body);
    assert.equal(first.json.result, 0, first.text);
    // Different data under the same id: were the key the id alone, B would get A's stored answer
    // (or a conflict); it is B's own id space, so this is a fresh payment of B's.
    const asB = await pcall(w.app, b.token, 'pay', {
      ...body,
      account: '7770017722',
      amountTo: '300.00',
      amountFrom: '300.00',
    });
    assert.equal(asB.json.result, 0, asB.text);
    assert.notEqual(String(asB.json.transactionId), String(first.json.transactionId));
    // A's repeat still gives A's first answer.
    const again = await pcall(w.app, a.token, 'pay', body);
    assert.equal(String(again.json.transactionId), String(first.json.transactionId));

    const { rows } = await w.ctx.pool.query<{ agent_id: bigint; n: number }>(
      `SELECT agent_id, count(*)::int AS n FROM processing.payments WHERE agent_txn_id = $1 GROUP BY agent_id`,
      [String(body.agentTransactionId)],
    );
    assert.deepEqual(
      rows.map((r) => [String(r.agent_id), r.n]).sort(),
      [
        [String(a.agent.id), 1],
        [String(b.agent.id), 1],
      ].sort(),
    );

    const balA = (await pcall(w.app, a.token, 'balance', {})).json.agent as Record<string, unknown>;
    const balB = (await pcall(w.app, b.token, 'balance', {})).json.agent as Record<string, unknown>;
    assert.equal(String(balA.agentId), String(a.agent.id));
    assert.equal(String(balB.agentId), String(b.agent.id));
    assert.equal(balA.agentName, a.agent.name);
    assert.equal(balB.agentName, b.agent.name);
    assert.notEqual(String(balA.balance), String(balB.balance));
  });
});

describe('wallet: a wallet cannot see or pay another wallet’s payments', () => {
  let w: WalletWorld;
  before(async () => {
    w = await walletWorld();
  });
  after(() => w.close());

  it('GET, POST and /pay of another wallet’s payment id are 404 payment_not_found; history is one’s own', async () => {
    const a = await activeWallet(w.ctx);
    const b = await activeWallet(w.ctx);
    const authA = wbasic(a.phone, a.password);
    const authB = wbasic(b.phone, b.password);
    const created = await wcall(w.app, 'POST', '/v1/payments', {
      auth: authA,
      body: {
        type: 'out',
        client_payment_id: randomUUID(),
        amount: 1,
        service: 1,
        parameters: { phoneNumber: '9267101280' },
      },
    });
    assert.equal(created.status, 200, created.text);
    const id = (created.json.data as { id: string | number }).id;
    assert.equal((await wcall(w.app, 'GET', `/v1/payments/${id}`, { auth: authA })).status, 200);

    for (const [method, url, body] of [
      ['GET', `/v1/payments/${id}`, undefined],
      ['POST', `/v1/payments/${id}`, { parameters: { phoneNumber: '9267101281' } }],
      ['POST', `/v1/payments/${id}/pay`, undefined],
    ] as const) {
      const r = await wcall(w.app, method, url, { auth: authB, ...(body ? { body } : {}) });
      assert.equal(r.status, 404, `${method} ${url}: ${r.text}`);
      assert.equal(r.json.meta.error, 'payment_not_found', r.text);
      assert.equal(r.json.data, undefined, r.text);
    }
    // Nothing happened to A's payment: still waiting to be paid.
    const own = await wcall(w.app, 'GET', `/v1/payments/${id}`, { auth: authA });
    assert.equal(own.json.meta.next_action, created.json.meta.next_action, own.text);

    const listA = (await wcall(w.app, 'GET', '/v1/payments', { auth: authA })).json.data as { id: unknown }[];
    const listB = await wcall(w.app, 'GET', '/v1/payments', { auth: authB });
    assert.deepEqual(
      listA.map((p) => String(p.id)),
      [String(id)],
    );
    assert.equal(listB.status, 200);
    assert.deepEqual(listB.json.data, []);
  });

  it('a session cookie is refused after logout, for payments too', async () => {
    const a = await activeWallet(w.ctx);
    const login = await wcall(w.app, 'GET', '/v1/wallet', { auth: wbasic(a.phone, a.password) });
    const cookie = login.cookie!;
    assert.equal((await wcall(w.app, 'GET', '/v1/payments', { cookie })).status, 200);
    assert.equal((await wcall(w.app, 'POST', '/v1/wallet/logout', { cookie })).status, 200);
    assert.equal((await wcall(w.app, 'GET', '/v1/wallet', { cookie })).status, 401);
    assert.equal((await wcall(w.app, 'GET', '/v1/payments', { cookie })).status, 401);
  });
});

describe('DenimHub, Moneywall, «Моя МФО»: files, scans, rotated and revoked credentials', () => {
  let world: World;
  before(async () => {
    world = await demoWorld();
  });
  after(() => world.close());

  const dp = (method: string, token: string, body: unknown) =>
    world.app.inject({
      method: 'POST',
      url: `/dp/${method}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });

  it('DenimHub: another partner’s scan file (get_file) and form scans are refused', async () => {
    const created = await dp(
      'create_form',
      'demo-partner-token',
      posForm('demo-partner', 'demo-point', { point_user_code: 'demo-operator', scans: OFFLINE_SCANS }),
    );
    const form = created.json() as { status: string; data: { form_guid: string } };
    assert.equal(form.status, 'success', created.body);
    const { rows } = await world.db.ctx.pool.query<{ guid: string }>(
      `SELECT fl.guid::text FROM broker.files fl JOIN broker.forms f ON f.id = fl.form_id WHERE f.guid = $1 ORDER BY fl.id`,
      [form.data.form_guid],
    );
    assert.equal(rows.length, 3);
    const fileGuid = rows[0]!.guid;
    const other = `other-${randomUUID().slice(0, 8)}`;
    await upsertPartner(world.db.ctx.pool, { guid: other, name: 'Другой партнёр', token: `${other}-token` });
    const getFile = (partner: string, token: string) =>
      world.app.inject({
        method: 'GET',
        url: `/dp/get_file?partner_guid=${partner}&file_guid=${fileGuid}`,
        headers: { authorization: `Bearer ${token}` },
      });
    const own = await getFile('demo-partner', 'demo-partner-token');
    assert.equal(own.statusCode, 200);
    assert.ok(own.rawPayload.length > 0);

    const asOther = await getFile(other, `${other}-token`);
    assert.equal(asOther.statusCode, 404, asOther.body);
    assert.equal(asOther.json().error_code, 1004);
    assert.ok(!asOther.rawPayload.includes(own.rawPayload), 'no file bytes');
    const borrowed = await getFile('demo-partner', `${other}-token`);
    assert.equal(borrowed.statusCode, 403, borrowed.body);
    assert.equal(borrowed.json().error_code, 1003);

    // The form's scans and their state: the other partner gets an error naming nothing of them.
    for (const method of ['get_scans_status', 'save_scans', 'cancel']) {
      const r = await dp(method, `${other}-token`, {
        partner_guid: other,
        form_guid: form.data.form_guid,
        offer_guid: randomUUID(),
        scans: OFFLINE_SCANS,
      });
      assert.equal(r.json().status, 'error', `${method}: ${r.body}`);
      assert.doesNotMatch(r.body, /PASSPORT|Петрова|\+7 912/, method);
    }
    // cancel above was refused: the owner still sees the form.
    assert.equal(
      (
        await dp('get_offers', 'demo-partner-token', {
          partner_guid: 'demo-partner',
          form_guid: form.data.form_guid,
        })
      ).json().status,
      'success',
    );
  });

  it('DenimHub: a rotated partner token is refused', async () => {
    const guid = `rot-${randomUUID().slice(0, 8)}`;
    await upsertPartner(world.db.ctx.pool, { guid, name: 'Партнёр', token: `${guid}-old` });
    const ask = (token: string) => dp('get_offers', token, { partner_guid: guid, form_guid: randomUUID() });
    assert.notEqual((await ask(`${guid}-old`)).statusCode, 401);
    await upsertPartner(world.db.ctx.pool, { guid, name: 'Партнёр', token: `${guid}-new` });
    assert.equal(await refusedWithin(() => ask(`${guid}-old`)), 401);
    assert.notEqual((await ask(`${guid}-new`)).statusCode, 401);
  });

  it('Moneywall: a rotated merchant token is refused (within the 5 s cache)', async () => {
    const code = `rot-${randomUUID().slice(0, 8)}`;
    const merchant = (token: string) =>
      upsertMerchant(world.db.ctx.pool, world.db.ctx.cipher, {
        code,
        name: 'Магазин',
        token,
        callbackSecret: `${code}-secret`,
      });
    await merchant(`${code}-old`);
    const state = (token: string) =>
      world.app.inject({
        method: 'GET',
        url: `/api/partners/payments/state?order_id=${randomUUID()}`,
        headers: { authorization: token },
      });
    assert.equal((await state(`${code}-old`)).statusCode, 404, 'authenticated: no such order');
    await merchant(`${code}-new`);
    assert.equal(await refusedWithin(() => state(`${code}-old`)), 401);
    assert.equal((await state(`${code}-new`)).statusCode, 404);
  });

  it('«Моя МФО»: a revoked payment credential is refused', async () => {
    const check = () =>
      world.app.inject({
        method: 'GET',
        url: '/MeMFOWork/hs/Payment/qiwi/?command=check&txn_id=1&account=1&sum=10.00',
        headers: { authorization: basic('qiwi', 'qiwi-password') },
      });
    assert.equal((await check()).statusCode, 200);
    await revokeCredential(world.db.ctx.pool, 'qiwi', CLI_ACTOR);
    clearAuthCache();
    assert.equal(await refusedWithin(check), 401);
  });
});
