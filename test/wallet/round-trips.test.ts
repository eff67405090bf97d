import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { activeWallet, basic, call, type WalletWorld, walletWorld } from './helpers.ts';

/**
 * The statements one create + pay of a one-step payment sends to the database (docs/wallet.md,
 * "Round trips"): a guard against the hot path growing back. Counted on the pg client, so it
 * includes the processing centre's statements made on the wallet's behalf.
 */
describe('wallet: round trips of create + pay', () => {
  let w: WalletWorld;
  before(async () => {
    w = await walletWorld();
  });
  after(() => w.close());

  async function counted<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    const proto = pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const original = proto.query;
    const statements: string[] = [];
    proto.query = function (this: unknown, ...a: unknown[]) {
      const q = a[0] as string | { text?: string };
      statements.push((typeof q === 'string' ? q : String(q?.text)).replace(/\s+/g, ' ').slice(0, 80));
      return original.apply(this, a);
    };
    try {
      return { result: await work(), statements };
    } finally {
      proto.query = original;
    }
  }

  it('a warm create + pay: 1 + 4 statements, each its own commit, no explicit transaction', async () => {
    const a = await activeWallet(w.ctx);
    const login = await call(w.app, 'GET', '/v1/wallet', { auth: basic(a.phone, a.password) });
    const cookie = login.cookie!;
    const body = (id = randomUUID()) => ({
      type: 'out',
      client_payment_id: id,
      amount: 1,
      service: 1,
      parameters: { phoneNumber: '9267101280' },
    });
    // Warm the caches (session, service, agent, provider accounts) with one payment.
    const warm = await call(w.app, 'POST', '/v1/payments', { cookie, body: body() });
    await call(w.app, 'POST', `/v1/payments/${warm.json.data && (warm.json.data as { id: string }).id}/pay`, {
      cookie,
    });

    const create = await counted(() => call(w.app, 'POST', '/v1/payments', { cookie, body: body() }));
    assert.equal(create.result.status, 200);
    const id = (create.result.json.data as { id: string }).id;
    const pay = await counted(() => call(w.app, 'POST', `/v1/payments/${id}/pay`, { cookie }));
    assert.equal(pay.result.status, 200);
    assert.equal((pay.result.json.data as { status: string }).status, 'finished');
    const all = [...create.statements, ...pay.statements];
    const report = JSON.stringify({ create: create.statements, pay: pay.statements }, null, 1);
    assert.equal(create.statements.length, 1, report);
    // wallet claim (hold), processing reserve, processing settle, wallet settle (post)
    assert.equal(pay.statements.length, 4, report);
    assert.match(pay.statements[0]!, /wallet\.claim_payment/, report);
    assert.match(pay.statements[3]!, /wallet\.settle_payment/, report);
    assert.ok(!all.some((s) => /^(BEGIN|COMMIT)/i.test(s)), report);
  });
});
