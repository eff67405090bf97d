import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { signBody } from '../lenders/signing.ts';
import { startLenderSimulator } from './simulator.ts';

const CONFIG = {
  code: 'bounded-bank',
  secret: 'bounded-secret',
  delayMs: [0, 0] as [number, number],
  products: [{ code: 'p', name: 'P', kind: 'pos' as const, payments: 3, rate: '0', ratePerPeriodBp: 0 }],
};

describe('lender simulator memory', async () => {
  const sim = await startLenderSimulator(CONFIG, 0, { calls: 5, applications: 3 });
  after(() => sim.close());

  async function score(applicationId: string): Promise<number> {
    const body = JSON.stringify({ application_id: applicationId, kind: 'pos', amount: 1_000_000 });
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`${sim.url}/score`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-kopek-timestamp': String(ts),
        'x-kopek-signature': signBody(CONFIG.secret, ts, body),
      },
      body,
    });
    await res.text();
    return res.status;
  }

  it('keeps only the latest calls and applications, however many forms it scores', async () => {
    for (let i = 1; i <= 12; i++) assert.equal(await score(`app-${i}`), 200);
    assert.equal(sim.calls.length, 5);
    assert.deepEqual(
      sim.calls.map((c) => c.body.application_id),
      ['app-8', 'app-9', 'app-10', 'app-11', 'app-12'],
    );
    assert.equal(sim.applications.size, 3);
    assert.equal(sim.applications.get('app-1'), undefined);
    assert.equal(sim.applications.get('app-12')?.id, 'app-12');
  });
});
