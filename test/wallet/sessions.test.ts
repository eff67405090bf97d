import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashSecret } from '../../src/platform/crypto.ts';
import { findWalletByPhone } from '../../src/wallet/wallets.ts';
import { activeWallet, basic, call, lastCode, type WalletWorld, walletWorld } from './helpers.ts';

describe('wallet: sessions, logout, password reset', () => {
  let w: WalletWorld;
  before(async () => {
    w = await walletWorld();
  });
  after(() => w.close());

  it('Basic opens a session stored as a hash; the cookie alone (either spelling) authenticates', async () => {
    const a = await activeWallet(w.ctx);
    const r = await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, a.password) });
    assert.equal(r.status, 200);
    const token = r.cookie!.split('=')[1]!;
    const { rows } = await w.ctx.pool.query('SELECT token_hash FROM wallet.sessions WHERE wallet_id = $1', [
      a.wallet.id,
    ]);
    assert.deepEqual(
      rows.map((x) => x.token_hash),
      [hashSecret(token)],
      'only the hash is stored',
    );
    assert.equal((await call(w.app, 'GET', '/v1/wallet', { cookie: `JSESSIONID=${token}` })).status, 200);
    assert.equal((await call(w.app, 'GET', '/v1/wallet', { cookie: `JSESSONID=${token}` })).status, 200);
    const cookieCall = await call(w.app, 'GET', '/v1/wallet', { cookie: `JSESSIONID=${token}` });
    assert.equal(cookieCall.cookie, undefined, 'a valid cookie opens no new session');
  });

  it('an expired session is 401 session_expired; Basic then opens a new one', async () => {
    const a = await activeWallet(w.ctx);
    const r = await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, a.password) });
    await w.ctx.pool.query(
      `UPDATE wallet.sessions SET expires_at = now() - interval '1 second' WHERE wallet_id = $1`,
      [a.wallet.id],
    );
    const expired = await call(w.app, 'GET', '/v1/wallet', { cookie: r.cookie });
    assert.equal(expired.status, 401);
    assert.equal(expired.json.meta.error, 'session_expired');
    const renewed = await call(w.app, 'GET', '/v1/wallet', {
      cookie: r.cookie,
      auth: basic(a.phone, a.password),
    });
    assert.equal(renewed.status, 200);
    assert.ok(renewed.cookie && renewed.cookie !== r.cookie);
  });

  it('a session used near its end is extended (sliding expiry)', async () => {
    const a = await activeWallet(w.ctx);
    const r = await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, a.password) });
    await w.ctx.pool.query(
      `UPDATE wallet.sessions SET expires_at = now() + interval '1 minute' WHERE wallet_id = $1`,
      [a.wallet.id],
    );
    assert.equal((await call(w.app, 'GET', '/v1/wallet', { cookie: r.cookie })).status, 200);
    const { rows } = await w.ctx.pool.query<{ left: number }>(
      `SELECT extract(epoch FROM expires_at - now())::int AS left FROM wallet.sessions WHERE wallet_id = $1`,
      [a.wallet.id],
    );
    assert.ok(rows[0]!.left > 25 * 60, `extended to ~30 minutes, got ${rows[0]!.left}s`);
  });

  it('logout ends the session', async () => {
    const a = await activeWallet(w.ctx);
    const r = await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, a.password) });
    assert.equal((await call(w.app, 'POST', '/v1/wallet/logout', { cookie: r.cookie })).status, 200);
    assert.equal((await call(w.app, 'GET', '/v1/wallet', { cookie: r.cookie })).status, 401);
  });

  it('password reset by SMS code: new password works, old one and old sessions do not', async () => {
    const a = await activeWallet(w.ctx);
    const r = await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, a.password) });
    // The same answer for a phone without a wallet.
    assert.equal(
      (await call(w.app, 'POST', '/v1/wallet/password_reset', { body: { phone: '+79990000000' } })).status,
      200,
    );
    assert.equal(
      (await call(w.app, 'POST', '/v1/wallet/password_reset', { body: { phone: a.phone } })).status,
      200,
    );
    const code = await lastCode(w.ctx, a.wallet.id, 'password_reset');
    const bad = await call(w.app, 'POST', '/v1/wallet/password', {
      body: { phone: a.phone, code: code === '000000' ? '111111' : '000000', password: 'new-secret' },
    });
    assert.equal(bad.json.meta.error, 'invalid_code');
    const weak = await call(w.app, 'POST', '/v1/wallet/password', {
      body: { phone: a.phone, code, password: '123' },
    });
    assert.equal(weak.json.meta.error, 'weak_password');
    const ok = await call(w.app, 'POST', '/v1/wallet/password', {
      body: { phone: a.phone, code, password: 'new-secret' },
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(
      (await call(w.app, 'GET', '/v1/wallet', { cookie: r.cookie })).status,
      401,
      'sessions ended',
    );
    assert.equal((await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, a.password) })).status, 401);
    assert.equal(
      (await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, 'new-secret') })).status,
      200,
    );
    const reuse = await call(w.app, 'POST', '/v1/wallet/password', {
      body: { phone: a.phone, code, password: 'other-secret' },
    });
    assert.equal(reuse.json.meta.error, 'code_expired', 'a code works once');
    assert.ok(await findWalletByPhone(w.ctx.pool, a.phone));
  });
});
