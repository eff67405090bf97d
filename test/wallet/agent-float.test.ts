import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { getAccount } from '../../src/ledger/index.ts';
import { findPayment } from '../../src/processing/payments.ts';
import { followPayment } from '../../src/wallet/pay.ts';
import { walletAgent } from '../../src/wallet/processing-gateway.ts';
import { refillAgent } from '../../src/wallet/refill.ts';
import { activeWallet, basic, call, type WalletWorld, walletWorld } from './helpers.ts';

describe('wallet: the agent float runs short', () => {
  let w: WalletWorld;
  before(async () => {
    w = await walletWorld({ agentFloat: 100_000n }); // 1 000 roubles at the processing centre
  });
  after(() => w.close());

  it('the centre answers 220: the payment stays processing with its hold; after the refill the follow-up pays it', async () => {
    const a = await activeWallet(w.ctx);
    const auth = basic(a.phone, a.password);
    const pay = async (amount: number) => {
      const created = await call(w.app, 'POST', '/v1/payments', {
        auth,
        body: {
          type: 'out',
          client_payment_id: randomUUID(),
          amount,
          service: 1,
          parameters: { phoneNumber: '9267101280' },
        },
      });
      const id = (created.json.data as { id: number }).id;
      return { id, answer: await call(w.app, 'POST', `/v1/payments/${id}/pay`, { auth }) };
    };
    const first = await pay(600);
    assert.equal((first.answer.json.data as { status: string }).status, 'finished');
    const second = await pay(600);
    assert.equal((second.answer.json.data as { status: string }).status, 'processing', second.answer.text);
    assert.equal(second.answer.json.meta.next_action, 'get');
    const agent = await walletAgent(w.ctx, a.wallet.id);
    assert.equal((await findPayment(w.ctx.pool, agent.id, BigInt(second.id)))?.result, 220);
    assert.equal(
      (await getAccount(w.ctx.pool, a.wallet.accountId)).pendingDebits,
      60_000n,
      'the wallet hold stays',
    );

    assert.equal(await refillAgent(w.ctx), 60_000n);
    await followPayment(w.ctx, BigInt(second.id));
    const got = await call(w.app, 'GET', `/v1/payments/${second.id}`, { auth });
    assert.equal((got.json.data as { status: string }).status, 'finished');
    const wallet = await getAccount(w.ctx.pool, a.wallet.accountId);
    assert.equal(wallet.balance, 1_000_000n - 120_000n);
    assert.equal(wallet.pendingDebits, 0n);
  });
});
