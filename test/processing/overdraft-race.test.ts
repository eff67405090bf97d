import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount, verifyLedger } from '../../src/ledger/index.ts';
import { runScript } from '../helpers/processes.ts';
import { type ProcessingWorld, processingWorld, type TestAgent, testAgent } from './helpers.ts';

describe('processing: two Kopek processes racing pays against a balance near the overdraft', () => {
  let w: ProcessingWorld;
  let a: TestAgent;
  before(async () => {
    w = await processingWorld();
    // 1 000.00 on balance and 500.00 overdraft: room for exactly 15 pays of 100.00 (99.00 net of commission: 15).
    a = await testAgent(w.ctx, { balance: 100_000n, overdraft: 50_000n });
  });
  after(() => w.close());

  it('never takes the balance below -overdraft; every refusal is 220', async () => {
    const startAt = String(Date.now() + 2_500);
    const runs = await Promise.all(
      ['1', '2'].map((tag) =>
        runScript('test/processing/pay-racer.ts', [w.db.url, a.token, '25', '100.00', startAt, tag]),
      ),
    );
    const totals: Record<string, number> = {};
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      for (const [code, n] of Object.entries(JSON.parse(run.stdout) as Record<string, number>))
        totals[code] = (totals[code] ?? 0) + n;
    }
    // Each pay takes 99.00 (100.00 less the agent's 1 % commission): 1 500.00 / 99.00 = 15 fit.
    assert.deepEqual(totals, { '0': 15, '220': 35 });
    const account = await getAccount(w.ctx.pool, a.agent.accountId);
    assert.equal(account.balance, 100_000n - 15n * 9_900n);
    assert.ok(account.balance >= -50_000n);
    assert.equal(account.pendingDebits, 0n);
    assert.equal((await verifyLedger(w.ctx.pool)).ok, true);
  });
});
