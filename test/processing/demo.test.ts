import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { freePort, type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

describe('processing demo: kopek serve in development, the demo agent against the provider simulator', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let dataDir: string;
  before(async () => {
    db = await testDatabase();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-demo-'));
    server = await startServerProcess({
      DATABASE_URL: db.url,
      PORT: String(await freePort()),
      KOPEK_ENV: 'development',
      KOPEK_DATA_DIR: dataDir,
      KOPEK_SEED_DEMO: 'always',
    });
  });
  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const pay = async (body: Record<string, unknown>) => {
    const res = await fetch(`${server.baseUrl}/api/v20/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer demo-agent-token' },
      body: JSON.stringify({ serviceId: 'P1011', agentTransactionDate: '2026-11-23T10:00:00', ...body }),
    });
    return (await res.json()) as { result: number; statusDate?: string };
  };

  it('the demo token pays; a non-final provider answer is followed up by the background job', async () => {
    const balance = await fetch(`${server.baseUrl}/api/v20/balance`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('demo:demo-agent-token').toString('base64')}` },
    });
    assert.match(await balance.text(), /"balance":1000000\.00,"overdraft":0\.00,.*"currency":"KZT"/);
    assert.equal((await pay({ account: '7770017711', agentTransactionId: 1, amountTo: '200.00' })).result, 0);
    const body = { account: '7100000001', agentTransactionId: 2, amountTo: '100.00' };
    assert.equal((await pay(body)).result, 1);
    // processing:retry_pay runs 5 s later in the server's own worker; the agent keeps repeating.
    const deadline = Date.now() + 20_000;
    let last = 1;
    while (last !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 1_000));
      last = (await pay(body)).result;
    }
    assert.equal(last, 0);
  });
});
