import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { verifyLedger } from '../../src/ledger/index.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { DEMO_RUB_AGENT_TOKEN, REPAYMENT_SERVICE_ID } from '../../src/mymfo/payments/processing-link.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { freePort, type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

describe('mymfo payments demo: kopek serve in development repays a demo loan through its own processing centre', () => {
  let db: TestDatabase;
  let server: ServerProcess;
  let dataDir: string;
  before(async () => {
    db = await testDatabase();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'kopek-mymfo-pay-demo-'));
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

  it('the rouble demo agent pays an issued demo deal by its number; the loan shows the payment', async () => {
    const { rows } = await db.ctx.pool.query<{ number: string }>(
      `SELECT number FROM lending.deals WHERE status IN ('Выдан', 'Внесен аванс') ORDER BY id LIMIT 1`,
    );
    assert.ok(rows[0], 'the demo has an issued loan');
    const deal = rows[0].number;
    const before = await debtSummary(db.ctx.pool, deal);
    const call = async (method: string, body: Record<string, unknown>) => {
      const res = await fetch(`${server.baseUrl}/api/v20/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${DEMO_RUB_AGENT_TOKEN}` },
        body: JSON.stringify({
          serviceId: REPAYMENT_SERVICE_ID,
          account: deal,
          agentTransactionDate: '2026-11-23T10:00:00',
          amountTo: '10.00',
          amountFrom: '10.00',
          ...body,
        }),
      });
      return (await res.json()) as { result: number; displays?: Record<string, string> };
    };
    const check = await call('check', { agentTransactionId: 1 });
    assert.equal(check.result, 0, JSON.stringify(check));
    assert.equal(check.displays?.deal, deal);
    assert.equal((await call('pay', { agentTransactionId: 2 })).result, 0);
    const after = await debtSummary(db.ctx.pool, deal);
    assert.equal(after.payments.length, before.payments.length + 1);
    assert.equal(after.payments.at(-1)!.amount, 1_000n);
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });
});
