import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setBrokerCliOutput } from '../../src/broker/cli.ts';
import { authenticatePartner, clearConfigCache } from '../../src/broker/partners.ts';
import { buildCli } from '../../src/cli/main.ts';
import { type Harness, POS_PRODUCT, posForm, startHarness } from './harness.ts';

/**
 * `kopek broker …`, run in this process (the same commander program as `bin/kopek.js`) against
 * this test's database, output captured.
 */
async function kopek(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const restore = setBrokerCliOutput((line) => lines.push(line));
  try {
    await buildCli()
      .exitOverride()
      .parseAsync(['node', 'kopek', ...args]);
  } finally {
    restore();
  }
  return lines.join('\n');
}

describe('broker: operator commands (kopek broker)', () => {
  let h: Harness;
  const saved = { ...process.env };
  before(async () => {
    h = await startHarness({
      deadlineMs: 3000,
      lenders: [
        {
          kinds: ['pos'],
          config: {
            code: 'cli-bank',
            secret: 'sc',
            delayMs: [5, 10],
            products: [POS_PRODUCT('c6', 6, 100, '12')],
          },
        },
      ],
    });
    Object.assign(process.env, {
      KOPEK_ENV: 'test',
      DATABASE_URL: h.db.url,
      KOPEK_DATA_KEY: h.db.ctx.secrets.dataKey.toString('base64'),
      KOPEK_SESSION_SECRET: 'x'.repeat(64),
    });
  });
  after(async () => {
    process.env = saved;
    await h.close();
  });

  it('partner-create makes a partner whose token works, and rotates it', async () => {
    const first = /token (\S+)/.exec(
      await kopek('broker', 'partner-create', '--guid', 'cli-p', '--name', 'CLI'),
    )![1]!;
    assert.equal((await authenticatePartner(h.db.ctx.pool, first, 'cli-p')).guid, 'cli-p');
    await assert.rejects(authenticatePartner(h.db.ctx.pool, first, 'p1'), 'bound to its own partner_guid');
    const out = await kopek(
      'broker',
      'partner-create',
      '--guid',
      'cli-p',
      '--name',
      'CLI',
      '--deadline-ms',
      '5000',
    );
    const second = /^partner cli-p: token (\S+)$/.exec(out)![1]!;
    assert.notEqual(second, first);
    clearConfigCache();
    await assert.rejects(authenticatePartner(h.db.ctx.pool, first, 'cli-p'), 'the old token is revoked');
    const p = await authenticatePartner(h.db.ctx.pool, second, 'cli-p');
    assert.equal(p.offerDeadlineMs, 5000);
    const { rows } = await h.db.ctx.pool.query<{ token_hash: string }>(
      `SELECT token_hash FROM broker.partners WHERE guid = 'cli-p'`,
    );
    assert.ok(!rows[0]!.token_hash.includes(second), 'only a hash of the token is stored');
  });

  it('lenders lists every lender with its routes', async () => {
    const out = await kopek('broker', 'lenders');
    assert.match(out, /^cli-bank \(http\) cli-bank: p1\/pos$/m);
  });

  it('sms shows the outbox texts with masked phones; registries writes the day files', async () => {
    const created = await h.call('create_form', posForm('p1', 'online'));
    assert.equal(created.status, 'success', created.error_message);
    const formGuid = created.data.form_guid as string;
    const offer = await h.waitFor('offers', async () => {
      const r = await h.call('get_offers', { partner_guid: 'p1', form_guid: formGuid });
      return r.data.offer_status === 'done' ? (r.data.offers as { guid: string }[])[0] : undefined;
    });
    const ref = { partner_guid: 'p1', form_guid: formGuid, offer_guid: offer!.guid };
    assert.equal((await h.call('confirm_offer', ref)).status, 'success');
    await h.waitFor('contract', async () =>
      (await h.call('get_contract', ref)).data.contract_status === 'done' ? true : undefined,
    );
    const sms = await h.waitFor('signing code in the outbox', async () => {
      const out = await kopek('broker', 'sms', '--last', '5');
      return /Код подписания договора/.test(out) ? out : undefined;
    });
    assert.match(sms, /: \d{6}\. Никому не сообщайте код\./);
    assert.ok(!sms.includes('79123456789'), 'the phone is masked');
    assert.match(sms, /7912\*+/);

    const today = new Date().toISOString().slice(0, 10);
    const out = await kopek('broker', 'registries', '--date', today);
    assert.equal(out, `registries for ${today}: 4 file(s)`, 'partner p1 and cli-bank, CSV and XLSX each');
    const { rows } = await h.db.ctx.pool.query<{ owner_type: string; format: string; rows: number }>(
      `SELECT owner_type, format, rows FROM broker.registries WHERE business_date = $1 ORDER BY owner_type, format`,
      [today],
    );
    assert.deepEqual(
      rows.map((r) => `${r.owner_type}/${r.format}/${r.rows}`),
      ['lender/csv/1', 'lender/xlsx/1', 'partner/csv/1', 'partner/xlsx/1'],
    );
    // A date without forms writes nothing.
    assert.equal(
      await kopek('broker', 'registries', '--date', '2001-01-01'),
      'registries for 2001-01-01: 0 file(s)',
    );
  });

  it('sms refuses to show texts in production', async () => {
    process.env.KOPEK_ENV = 'production';
    try {
      await assert.rejects(kopek('broker', 'sms'), /outside production only/);
    } finally {
      process.env.KOPEK_ENV = 'test';
    }
  });
});
