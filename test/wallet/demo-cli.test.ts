import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withTx } from '../../src/platform/db/tx.ts';
import { lastSmsCommand, setWalletCliOutput, verifyCommand } from '../../src/wallet/cli.ts';
import { DEMO_WALLET_PASSWORD, DEMO_WALLET_PHONE, walletSeeder } from '../../src/wallet/demo.ts';
import { activeWallet, basic, call, newPhone, type WalletWorld, walletWorld } from './helpers.ts';

describe('wallet: demo data and operator commands', () => {
  let w: WalletWorld;
  before(async () => {
    w = await walletWorld();
  });
  after(() => w.close());

  it('the demo wallet: +79261111111 / p@ssw0rD, active, verified person, 10 000 roubles; seeding twice changes nothing', async () => {
    await withTx(w.ctx.pool, (tx) => walletSeeder.seed(tx, w.ctx));
    await withTx(w.ctx.pool, (tx) => walletSeeder.seed(tx, w.ctx));
    w.ctx.config.walletDevMode = false; // the person must be verified by the seed itself
    try {
      const auth = basic(DEMO_WALLET_PHONE, DEMO_WALLET_PASSWORD);
      const wallet = await call(w.app, 'GET', '/v1/wallet', { auth });
      assert.deepEqual(wallet.json.data, { phone: '+79261111111', amount: 10000 });
      const person = await call(w.app, 'GET', '/v1/wallet/person', { auth });
      assert.equal((person.json.data as { status: string }).status, 'data_verified');
      const { rows } = await w.ctx.pool.query(
        `SELECT count(*)::int AS n FROM wallet.wallets WHERE phone = $1`,
        [DEMO_WALLET_PHONE],
      );
      assert.equal(rows[0].n, 1);
    } finally {
      w.ctx.config.walletDevMode = true;
    }
  });

  it('production: no 10 000 roubles for a new wallet, person stays data_entered until `kopek wallet verify`', async () => {
    w.ctx.config.walletDevMode = false;
    const lines: string[] = [];
    const restore = setWalletCliOutput((l) => lines.push(l));
    try {
      const phone = newPhone();
      const created = await call(w.app, 'POST', '/v1/wallet', { body: { phone, password: 'p@ssw0rD' } });
      assert.deepEqual(created.json.data, { phone, amount: 0 }, "as the document's example answers");
      const auth = basic(phone, 'p@ssw0rD');
      await call(w.app, 'POST', '/v1/wallet/person', {
        auth,
        body: {
          family_name: 'Иванов',
          given_name: 'Иван',
          passport_series_number: '4510123456',
          passport_issued_at: '2015-06-01',
        },
      });
      const before = await call(w.app, 'GET', '/v1/wallet/person', { auth });
      assert.equal((before.json.data as { status: string }).status, 'data_entered');
      await verifyCommand(w.ctx, phone);
      const after = await call(w.app, 'GET', '/v1/wallet/person', { auth });
      const data = after.json.data as { status: string; verified_at?: string };
      assert.equal(data.status, 'data_verified');
      assert.ok(data.verified_at);
      assert.match(lines.join('\n'), /проверены/);
      await lastSmsCommand(w.ctx, phone, 'activation');
      assert.match(lines.at(-1)!, /код активации кошелька \d{6}/);
    } finally {
      restore();
      w.ctx.config.walletDevMode = true;
    }
  });

  it('changing verified data sends the person back to data_entered; the same data keeps the verification', async () => {
    w.ctx.config.walletDevMode = false;
    try {
      const a = await activeWallet(w.ctx);
      const auth = basic(a.phone, a.password);
      const person = {
        family_name: 'Петров',
        given_name: 'Петр',
        passport_series_number: '4510123457',
        passport_issued_at: '2016-06-01',
      };
      await call(w.app, 'POST', '/v1/wallet/person', { auth, body: person });
      await verifyCommand(w.ctx, a.phone);
      const same = await call(w.app, 'POST', '/v1/wallet/person', { auth, body: person });
      assert.equal((same.json.data as { status: string }).status, 'data_verified');
      const changed = await call(w.app, 'POST', '/v1/wallet/person', {
        auth,
        body: { ...person, passport_series_number: '4510123458' },
      });
      assert.equal((changed.json.data as { status: string }).status, 'data_entered');
    } finally {
      w.ctx.config.walletDevMode = true;
    }
  });

  it('publishes its OpenAPI document: every call, the quirks and the meta.error codes', async () => {
    const r = await w.app.inject({ method: 'GET', url: '/docs/wallet/json' });
    assert.equal(r.statusCode, 200);
    const doc = r.json() as {
      info: { description: string };
      paths: Record<string, Record<string, { description?: string }>>;
    };
    for (const path of [
      '/v1/wallet',
      '/v1/wallet/person',
      '/v1/wallet/activate',
      '/v1/wallet/resend_code',
      '/v1/services',
      '/v1/services/groups',
      '/v1/services/{id}',
      '/v1/payments',
      '/v1/payments/{id}',
      '/v1/payments/{id}/pay',
    ])
      assert.ok(doc.paths[path], `${path} documented`);
    assert.match(doc.info.description, /JSESSONID/);
    assert.match(doc.info.description, /phoneNumbe/);
    assert.match(doc.paths['/v1/wallet']!.post!.description!, /invalid_phone, weak_password, wallet_exists/);
    assert.match(doc.paths['/v1/payments/{id}/pay']!.post!.description!, /insufficient_funds/);
  });
});
