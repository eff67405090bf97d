import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { findWalletByPhone } from '../../src/wallet/wallets.ts';
import {
  type Answer,
  activeWallet,
  basic,
  call,
  lastCode,
  newPhone,
  type WalletWorld,
  walletWorld,
} from './helpers.ts';

/** Every error answer: the HTTP status, the same status in meta.code and meta.status, a meta.error code. */
function refused(r: Answer, status: number, error: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.meta.code, status);
  assert.equal(r.json.meta.status, status);
  assert.equal(r.json.meta.error, error, r.text);
  assert.equal(typeof r.json.meta.message, 'string');
  assert.ok(!/at .*\.ts|SELECT|stack/i.test(r.text), 'no internals');
}

describe('wallet: error statuses and meta.error codes', () => {
  let w: WalletWorld;
  let auth: string;
  before(async () => {
    w = await walletWorld();
    const a = await activeWallet(w.ctx);
    auth = basic(a.phone, a.password);
  });
  after(() => w.close());

  const megafon = (overrides: Record<string, unknown> = {}) => ({
    type: 'out',
    client_payment_id: randomUUID(),
    amount: 100,
    service: 1,
    parameters: { phoneNumber: '9267101280' },
    ...overrides,
  });

  it('400: malformed JSON', async () => {
    refused(
      await call(w.app, 'POST', '/v1/payments', { auth, body: '{"type": "out", ' }),
      400,
      'bad_request',
    );
  });

  it('401: no credentials, a wrong password, an unknown phone', async () => {
    refused(await call(w.app, 'GET', '/v1/wallet'), 401, 'invalid_credentials');
    const a = await activeWallet(w.ctx);
    refused(
      await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, 'wrong-pass') }),
      401,
      'invalid_credentials',
    );
    refused(
      await call(w.app, 'GET', '/v1/wallet', { auth: basic(newPhone(), 'whatever') }),
      401,
      'invalid_credentials',
    );
    refused(
      await call(w.app, 'GET', '/v1/wallet', { cookie: 'JSESSIONID=forged' }),
      401,
      'invalid_credentials',
    );
  });

  it('401 on every authenticated route without credentials, with a forged cookie, with a wrong password', async () => {
    const routes: [method: 'GET' | 'POST' | 'DELETE', url: string][] = [
      ['GET', '/v1/wallet'],
      ['DELETE', '/v1/wallet'],
      ['POST', '/v1/wallet/activate'],
      ['POST', '/v1/wallet/resend_code'],
      ['POST', '/v1/wallet/logout'],
      ['GET', '/v1/wallet/person'],
      ['POST', '/v1/wallet/person'],
      ['GET', '/v1/services'],
      ['GET', '/v1/services/groups'],
      ['GET', '/v1/services/1'],
      ['GET', '/v1/payments'],
      ['POST', '/v1/payments'],
      ['GET', '/v1/payments/1401089234881'],
      ['POST', '/v1/payments/1401089234881'],
      ['POST', '/v1/payments/1401089234881/pay'],
    ];
    const a = await activeWallet(w.ctx);
    for (const [method, url] of routes) {
      const body = method === 'POST' ? {} : undefined;
      refused(await call(w.app, method, url, { body }), 401, 'invalid_credentials');
      refused(
        await call(w.app, method, url, { body, cookie: 'JSESSIONID=forged' }),
        401,
        'invalid_credentials',
      );
      refused(
        await call(w.app, method, url, { body, auth: basic(a.phone, 'not-the-password') }),
        401,
        'invalid_credentials',
      );
      await w.ctx.pool.query(
        'UPDATE wallet.wallets SET failed_logins = 0, locked_until = NULL WHERE id = $1',
        [a.wallet.id],
      );
    }
  });

  it('401 too_many_attempts: the sixth wrong password locks the wallet, even the right one is refused meanwhile', async () => {
    const a = await activeWallet(w.ctx);
    for (let i = 0; i < 5; i++)
      refused(
        await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, `wrong-${i}`) }),
        401,
        'invalid_credentials',
      );
    refused(
      await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, a.password) }),
      401,
      'too_many_attempts',
    );
    // The lock ends (here: moved into the past); the right password works and clears the count.
    await w.ctx.pool.query(
      `UPDATE wallet.wallets SET locked_until = now() - interval '1 second' WHERE id = $1`,
      [a.wallet.id],
    );
    assert.equal((await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, a.password) })).status, 200);
    const { rows } = await w.ctx.pool.query('SELECT failed_logins FROM wallet.wallets WHERE id = $1', [
      a.wallet.id,
    ]);
    assert.equal(rows[0].failed_logins, 0);
  });

  it("404: unknown path, unknown service, another wallet's payment", async () => {
    refused(await call(w.app, 'GET', '/v1/nothing', { auth }), 404, 'not_found');
    refused(await call(w.app, 'GET', '/v1/services/99999', { auth }), 404, 'not_found');
    const created = await call(w.app, 'POST', '/v1/payments', { auth, body: megafon() });
    const id = (created.json.data as { id: number }).id;
    const other = await activeWallet(w.ctx);
    const otherAuth = basic(other.phone, other.password);
    refused(await call(w.app, 'GET', `/v1/payments/${id}`, { auth: otherAuth }), 404, 'payment_not_found');
    refused(
      await call(w.app, 'POST', `/v1/payments/${id}/pay`, { auth: otherAuth }),
      404,
      'payment_not_found',
    );
    refused(await call(w.app, 'GET', '/v1/payments/abc', { auth }), 404, 'payment_not_found');
  });

  it('405: a method the path does not serve', async () => {
    refused(await call(w.app, 'GET', '/v1/payments/1/pay', { auth }), 405, 'method_not_allowed');
    refused(await call(w.app, 'PUT', '/v1/wallet', { auth, body: {} }), 405, 'method_not_allowed');
    refused(await call(w.app, 'DELETE', '/v1/services', { auth }), 405, 'method_not_allowed');
    refused(await call(w.app, 'PATCH', '/v1/wallet/person', { auth, body: {} }), 405, 'method_not_allowed');
  });

  it('415: a content type other than application/json', async () => {
    refused(
      await call(w.app, 'POST', '/v1/wallet', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'phone=%2B79261111111&password=p%40ssw0rD',
      }),
      415,
      'unsupported_media_type',
    );
    refused(
      await call(w.app, 'POST', '/v1/payments', {
        auth,
        headers: { 'content-type': 'text/plain' },
        body: '{}',
      }),
      415,
      'unsupported_media_type',
    );
  });

  it('422 on wallet creation: invalid_phone, weak_password, wallet_exists', async () => {
    refused(
      await call(w.app, 'POST', '/v1/wallet', { body: { phone: '89261111111', password: 'p@ssw0rD' } }),
      422,
      'invalid_phone',
    );
    refused(
      await call(w.app, 'POST', '/v1/wallet', { body: { password: 'p@ssw0rD' } }),
      422,
      'invalid_phone',
    );
    refused(
      await call(w.app, 'POST', '/v1/wallet', { body: { phone: newPhone(), password: '12345' } }),
      422,
      'weak_password',
    );
    const phone = newPhone();
    assert.equal(
      (await call(w.app, 'POST', '/v1/wallet', { body: { phone, password: 'p@ssw0rD' } })).status,
      200,
    );
    refused(
      await call(w.app, 'POST', '/v1/wallet', { body: { phone, password: 'p@ssw0rD' } }),
      422,
      'wallet_exists',
    );
    refused(
      await call(w.app, 'POST', '/v1/wallet', { body: { phone: 79261111111, password: 'p@ssw0rD' } }),
      422,
      'invalid_request',
    );
  });

  it('422 on person: invalid_passport, invalid_passport_date, invalid_itn, invalid_ssn, invalid_name', async () => {
    const person = {
      family_name: 'Арсеньев',
      given_name: 'Алексей',
      passport_series_number: '2202655885',
      passport_issued_at: '2012-02-27',
      itn: '330500938709',
      ssn: '11223344595',
    };
    const post = (body: Record<string, unknown>) =>
      call(w.app, 'POST', '/v1/wallet/person', { auth, body: { ...person, ...body } });
    refused(await post({ passport_series_number: '22026558' }), 422, 'invalid_passport');
    refused(await post({ passport_issued_at: '2012-02-30' }), 422, 'invalid_passport_date');
    refused(await post({ passport_issued_at: '2999-01-01' }), 422, 'invalid_passport_date');
    refused(await post({ itn: '330500938708' }), 422, 'invalid_itn');
    refused(await post({ ssn: '11223344594' }), 422, 'invalid_ssn');
    refused(await post({ family_name: '' }), 422, 'invalid_name');
    refused(await call(w.app, 'GET', '/v1/wallet/person', { auth }), 404, 'person_not_found');
  });

  it('422 on payments: type, client_payment_id, amount, service, parameters', async () => {
    const post = (body: Record<string, unknown>) => call(w.app, 'POST', '/v1/payments', { auth, body });
    refused(await post(megafon({ type: 'in' })), 422, 'invalid_type');
    refused(await post(megafon({ client_payment_id: '42' })), 422, 'invalid_client_payment_id');
    refused(await post(megafon({ amount: '1.005' })), 422, 'invalid_amount');
    refused(await post(megafon({ amount: 0.5 })), 422, 'amount_too_small');
    refused(await post(megafon({ amount: 15000.01 })), 422, 'amount_too_large');
    refused(await post(megafon({ service: 424242 })), 422, 'service_not_found');
    refused(await post(megafon({ service: 'P1011' })), 422, 'service_not_found');
    refused(await post(megafon({ parameters: {} })), 422, 'missing_parameter');
    refused(await post(megafon({ parameters: { phoneNumber: '92671012' } })), 422, 'invalid_parameter');
    refused(
      await post(megafon({ parameters: { phoneNumber: '9267101280', color: 'red' } })),
      422,
      'unknown_parameter',
    );
    const id = randomUUID();
    assert.equal((await post(megafon({ client_payment_id: id }))).status, 200);
    refused(await post(megafon({ client_payment_id: id, amount: 200 })), 422, 'client_payment_id_conflict');
    assert.equal(await count(w, 'wallet.payments'), 2, 'refusals wrote nothing');
  });

  it('422 on pay: insufficient_funds (nothing reserved), payment_not_editable after pay, wallet_not_active', async () => {
    const post = (body: Record<string, unknown>) => call(w.app, 'POST', '/v1/payments', { auth, body });
    // 10 000 roubles in the wallet, 15 000 the largest Мегафон payment: two of 9 000 cannot both pass.
    const first = await post(megafon({ amount: 9000 }));
    const second = await post(megafon({ amount: 9000 }));
    const firstId = (first.json.data as { id: number }).id;
    assert.equal((await call(w.app, 'POST', `/v1/payments/${firstId}/pay`, { auth })).status, 200);
    const r = await call(w.app, 'POST', `/v1/payments/${(second.json.data as { id: number }).id}/pay`, {
      auth,
    });
    refused(r, 422, 'insufficient_funds');
    const again = await call(w.app, 'GET', `/v1/payments/${(second.json.data as { id: number }).id}`, {
      auth,
    });
    assert.equal(again.json.meta.next_action, 'pay', 'the refused payment stays payable');
    refused(
      await call(w.app, 'POST', `/v1/payments/${firstId}`, {
        auth,
        body: { parameters: { phoneNumber: '9267101281' } },
      }),
      422,
      'payment_not_editable',
    );

    // A wallet that was never activated can create a payment but not pay it.
    const phone = newPhone();
    await call(w.app, 'POST', '/v1/wallet', { body: { phone, password: 'p@ssw0rD' } });
    const pendingAuth = basic(phone, 'p@ssw0rD');
    const created = await call(w.app, 'POST', '/v1/payments', { auth: pendingAuth, body: megafon() });
    refused(
      await call(w.app, 'POST', `/v1/payments/${(created.json.data as { id: number }).id}/pay`, {
        auth: pendingAuth,
      }),
      422,
      'wallet_not_active',
    );
  });

  it('422 on activation: invalid_code (tries counted), code_expired after five, resend issues a new code, already_active', async () => {
    const phone = newPhone();
    await call(w.app, 'POST', '/v1/wallet', { body: { phone, password: 'p@ssw0rD' } });
    const a = basic(phone, 'p@ssw0rD');
    const wallet = (await findWalletByPhone(w.ctx.pool, phone))!;
    const code = await lastCode(w.ctx, wallet.id, 'activation');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++)
      refused(
        await call(w.app, 'POST', '/v1/wallet/activate', { auth: a, body: { code: wrong } }),
        422,
        'invalid_code',
      );
    refused(
      await call(w.app, 'POST', '/v1/wallet/activate', { auth: a, body: { code } }),
      422,
      'code_expired',
    );
    assert.equal((await call(w.app, 'POST', '/v1/wallet/resend_code', { auth: a })).status, 200);
    const fresh = await lastCode(w.ctx, wallet.id, 'activation');
    assert.equal(
      (await call(w.app, 'POST', '/v1/wallet/activate', { auth: a, body: { code: fresh } })).status,
      200,
    );
    refused(
      await call(w.app, 'POST', '/v1/wallet/activate', { auth: a, body: { code: fresh } }),
      422,
      'already_active',
    );
    const { rows } = await w.ctx.pool.query('SELECT code_hash FROM wallet.codes WHERE wallet_id = $1', [
      wallet.id,
    ]);
    assert.ok(!String(rows[0].code_hash).includes(fresh), 'codes are stored hashed');
  });

  it('503: the processing centre cannot be reached (no wallet agent configured)', async () => {
    const created = await call(w.app, 'POST', '/v1/payments', { auth, body: megafon({ amount: 1 }) });
    const login = w.ctx.config.walletAgentLogin;
    w.ctx.config.walletAgentLogin = 'no-such-agent';
    try {
      refused(
        await call(w.app, 'POST', `/v1/payments/${(created.json.data as { id: number }).id}/pay`, { auth }),
        503,
        'service_unavailable',
      );
    } finally {
      w.ctx.config.walletAgentLogin = login;
    }
  });
});

async function count(w: WalletWorld, table: string): Promise<number> {
  const { rows } = await w.ctx.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
  return Number(rows[0]!.n);
}
