import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clearAuthCache } from '../../src/faces/mymfo/auth.ts';
import { addCredential, revokeCredential } from '../../src/mymfo/credentials.ts';
import { BASE, basic, type MymfoWorld, mymfoWorld, SITE } from './helpers.ts';

const SYSTEM = { type: 'system', id: 'test' } as const;

describe('mymfo face: Basic authentication', () => {
  let w: MymfoWorld;
  before(async () => {
    w = await mymfoWorld();
  });
  after(() => w.close());

  it('answers 401 with WWW-Authenticate and an empty body without or with wrong credentials', async () => {
    for (const headers of [
      {},
      basic('site', 'wrong-password'),
      basic('nobody'),
      { authorization: 'Bearer x' },
    ]) {
      const r = await w.app.inject({ method: 'GET', url: `${BASE}/NumbersDeals/0808223433`, headers });
      assert.equal(r.statusCode, 401);
      assert.match(String(r.headers['www-authenticate']), /^Basic /);
      assert.equal(r.body, '');
    }
  });

  it('lets the site in and keeps payment services out of the site services (403, empty body)', async () => {
    const ok = await w.app.inject({ method: 'GET', url: `${BASE}/NumbersDeals/0808223433`, headers: SITE });
    assert.equal(ok.statusCode, 200);
    const qiwi = await w.app.inject({
      method: 'GET',
      url: `${BASE}/NumbersDeals/0808223433`,
      headers: basic('qiwi'),
    });
    assert.equal(qiwi.statusCode, 403);
    assert.equal(qiwi.body, '');
  });

  it('lets payment services read PS/* and enforces their IP allowlist', async () => {
    const ps = await w.app.inject({
      method: 'GET',
      url: `${BASE}/PS/deal/ТСК999999/0808223433`,
      headers: basic('qiwi'),
    });
    assert.equal(ps.statusCode, 200);
    assert.match(ps.json().СообщениеОбОшибке, /не найден/);
    await addCredential(
      w.ctx.pool,
      {
        login: 'fenced',
        password: 'fenced-password',
        kind: 'payment',
        paymentService: 'MKB',
        ipAllowlist: ['10.1.0.0/16'],
      },
      SYSTEM,
    );
    const denied = await w.app.inject({
      method: 'GET',
      url: `${BASE}/PS/deal/ТСК999999/0808223433`,
      headers: basic('fenced'),
      remoteAddress: '192.168.5.5',
    });
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.body, '');
    const allowed = await w.app.inject({
      method: 'GET',
      url: `${BASE}/PS/deal/ТСК999999/0808223433`,
      headers: basic('fenced'),
      remoteAddress: '10.1.200.7',
    });
    assert.equal(allowed.statusCode, 200);
  });

  it('stops accepting a revoked credential (after the cache is cleared)', async () => {
    await addCredential(w.ctx.pool, { login: 'temp-site', password: 'temp-password', kind: 'site' }, SYSTEM);
    const headers = basic('temp-site', 'temp-password');
    const first = await w.app.inject({ method: 'GET', url: `${BASE}/NumbersDeals/0808223433`, headers });
    assert.equal(first.statusCode, 200);
    await revokeCredential(w.ctx.pool, 'temp-site', SYSTEM);
    clearAuthCache();
    const second = await w.app.inject({ method: 'GET', url: `${BASE}/NumbersDeals/0808223433`, headers });
    assert.equal(second.statusCode, 401);
  });

  it('serves many requests of one credential without scrypt each time (cache)', async () => {
    clearAuthCache();
    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 200 }, () =>
        w.app.inject({ method: 'GET', url: `${BASE}/NumbersDeals/0808223433`, headers: SITE }),
      ),
    );
    assert.ok(replies.every((r) => r.statusCode === 200));
    // 200 scrypt runs (~50 ms each on this machine) would take far longer than this.
    assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
  });

  it('refuses malformed credentials at creation', async () => {
    await assert.rejects(
      addCredential(w.ctx.pool, { login: 'x y', password: 'password1', kind: 'site' }, SYSTEM),
      /логин/,
    );
    await assert.rejects(
      addCredential(
        w.ctx.pool,
        {
          login: 'p',
          password: 'password1',
          kind: 'payment',
          paymentService: 'QIWI',
          ipAllowlist: ['10.0.0.0/99'],
        },
        SYSTEM,
      ),
      /CIDR/,
    );
    await assert.rejects(
      addCredential(w.ctx.pool, { login: 'site', password: 'password1', kind: 'site' }, SYSTEM),
      /занят/,
    );
  });
});
