import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { findWalletByPhone } from '../../src/wallet/wallets.ts';
import {
  activeWallet,
  basic,
  call,
  lastCode,
  newPhone,
  type WalletWorld,
  waitFor,
  walletWorld,
} from './helpers.ts';

/** The in-process session cache (src/wallet/session-cache.ts): fewer round trips, never a stale state in this process. */
describe('wallet: session cache', () => {
  let w: WalletWorld;
  before(async () => {
    w = await walletWorld();
  });
  after(() => w.close());

  async function sessionLookups(work: () => Promise<unknown>): Promise<number> {
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const original = proto.query;
    let n = 0;
    proto.query = function (this: unknown, ...a: unknown[]) {
      const q = a[0] as string | { text?: string };
      if (/FROM wallet\.sessions/.test(typeof q === 'string' ? q : String(q?.text))) n++;
      return original.apply(this, a);
    };
    try {
      await work();
    } finally {
      proto.query = original;
    }
    return n;
  }

  it('repeated cookie calls read the session once; a logout elsewhere takes effect within seconds', async () => {
    const a = await activeWallet(w.ctx);
    const login = await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, a.password) });
    const cookie = login.cookie!;
    const lookups = await sessionLookups(async () => {
      for (let i = 0; i < 5; i++)
        assert.equal((await call(w.app, 'GET', '/v1/wallet', { cookie })).status, 200);
    });
    assert.equal(lookups, 1);
    // Another server process ends the session (its row goes): this process notices within the TTL.
    await w.ctx.pool.query('DELETE FROM wallet.sessions WHERE wallet_id = $1', [a.wallet.id]);
    const status = await waitFor(
      async () => (await call(w.app, 'GET', '/v1/wallet', { cookie })).status,
      (s) => s === 401,
      20_000,
    );
    assert.equal(status, 401);
  });

  it('logout in this process ends a cached session at once', async () => {
    const a = await activeWallet(w.ctx);
    const login = await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, a.password) });
    const cookie = login.cookie!;
    assert.equal((await call(w.app, 'GET', '/v1/wallet', { cookie })).status, 200); // cached now
    assert.equal((await call(w.app, 'POST', '/v1/wallet/logout', { cookie })).status, 200);
    assert.equal((await call(w.app, 'GET', '/v1/wallet', { cookie })).status, 401);
  });

  it('a cached session of a pending wallet can pay right after activation', async () => {
    const phone = newPhone();
    const created = await call(w.app, 'POST', '/v1/wallet', { body: { phone, password: 'p@ssw0rD-1' } });
    assert.equal(created.status, 200, created.text);
    const login = await call(w.app, 'GET', '/v1/wallet', { auth: basic(phone, 'p@ssw0rD-1') });
    const cookie = login.cookie!;
    const body = () => ({
      type: 'out',
      client_payment_id: randomUUID(),
      amount: 10,
      service: 1,
      parameters: { phoneNumber: '9267101280' },
    });
    const early = await call(w.app, 'POST', '/v1/payments', { cookie, body: body() });
    const refused = await call(w.app, 'POST', `/v1/payments/${(early.json.data as { id: string }).id}/pay`, {
      cookie,
    });
    assert.equal(refused.json.meta.error, 'wallet_not_active', 'the cached session says pending');
    const wallet = (await findWalletByPhone(w.ctx.pool, phone))!;
    const act = await call(w.app, 'POST', '/v1/wallet/activate', {
      cookie,
      body: { code: await lastCode(w.ctx, wallet.id, 'activation') },
    });
    assert.equal(act.status, 200, act.text);
    const paid = await call(w.app, 'POST', `/v1/payments/${(early.json.data as { id: string }).id}/pay`, {
      cookie,
    });
    assert.equal(paid.status, 200, paid.text);
    assert.equal((paid.json.data as { status: string }).status, 'finished');
  });
});
