import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { buildCli } from '../../src/cli/main.ts';
import { seedDemo } from '../../src/demo/seed.ts';
import { clearAuthCache } from '../../src/faces/mymfo/auth.ts';
import { mymfoFace } from '../../src/faces/mymfo/face.ts';
import { cabinetPass } from '../../src/mymfo/cabinet.ts';
import { setMymfoCliOutput } from '../../src/mymfo/cli.ts';
import { mymfoSeeder } from '../../src/mymfo/demo.ts';
import { DEMO_CABINET } from '../../src/mymfo/demo-clients.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { testDatabase } from '../helpers/db.ts';
import { BASE, basic, type MymfoWorld, mymfoWorld, SITE } from './helpers.ts';

async function kopek(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const restore = setMymfoCliOutput((line) => lines.push(line));
  try {
    await buildCli()
      .exitOverride()
      .parseAsync(['node', 'kopek', ...args]);
  } finally {
    restore();
  }
  return lines.join('\n');
}

describe('mymfo: demo data and operator commands', () => {
  let w: MymfoWorld;
  before(async () => {
    w = await mymfoWorld();
    Object.assign(process.env, {
      KOPEK_ENV: 'test',
      DATABASE_URL: w.db.url,
      KOPEK_DATA_KEY: randomBytes(32).toString('base64'),
      KOPEK_SESSION_SECRET: randomBytes(32).toString('hex'),
    });
  });
  after(() => w.close());

  it('seeds the example borrower once (seeding twice changes nothing); the demo login works', async () => {
    await withTx(w.ctx.pool, (tx) => mymfoSeeder.seed(tx, w.ctx));
    await withTx(w.ctx.pool, (tx) => mymfoSeeder.seed(tx, w.ctx));
    const deals = await w.app.inject({
      method: 'GET',
      url: `${BASE}/NumbersDeals/${DEMO_CABINET.passport}`,
      headers: SITE,
    });
    assert.equal(deals.json().Договоры.length, 1);
    const pass = cabinetPass(DEMO_CABINET.phone, DEMO_CABINET.password);
    const login = await w.app.inject({
      method: 'GET',
      url: `${BASE}/client/?phone=${DEMO_CABINET.phone}&pass=${pass}`,
      headers: SITE,
    });
    assert.equal(new XMLParser({ parseTagValue: false }).parse(login.body).response.status, '0');
    const { rows } = await w.ctx.pool.query(`SELECT count(*)::int AS n FROM mymfo.credentials`);
    assert.equal(rows[0].n, 6);
  });

  it('the whole demo set seeds with the face part, and the demo site call answers', async () => {
    const db = await testDatabase();
    try {
      await seedDemo(db.ctx);
      const app = await buildServer(db.ctx, [mymfoFace]);
      try {
        const r = await app.inject({
          method: 'GET',
          url: `${BASE}/NumbersDeals/${DEMO_CABINET.passport}`,
          headers: SITE,
        });
        assert.equal(r.json().Договоры.length, 1);
        const lendingDemo = await app.inject({
          method: 'GET',
          url: `${BASE}/NumbersDeals/4510000001`,
          headers: SITE,
        });
        assert.equal(lendingDemo.json().Договоры.length, 1);
      } finally {
        await app.close();
      }
    } finally {
      await db.close();
    }
  });

  it('kopek mymfo credential add | list | revoke', async () => {
    const added = await kopek(
      'mymfo',
      'credential',
      'add',
      '--login',
      'cli-pay',
      '--kind',
      'payment',
      '--service',
      'MKB',
      '--ip',
      '10.0.0.0/8',
    );
    const password = /password: (\S+)/.exec(added)?.[1];
    assert.ok(password, added);
    const ok = await w.app.inject({
      method: 'GET',
      url: `${BASE}/PS/deal/НЕТ/0808223433`,
      headers: basic('cli-pay', password),
      remoteAddress: '10.2.3.4',
    });
    assert.equal(ok.statusCode, 200);
    const list = await kopek('mymfo', 'credential', 'list');
    assert.match(list, /cli-pay\tpayment\tMKB\t10\.0\.0\.0\/8\tactive/);
    assert.ok(!list.includes(password), 'passwords are never listed');
    await kopek('mymfo', 'credential', 'revoke', 'cli-pay');
    clearAuthCache();
    const gone = await w.app.inject({
      method: 'GET',
      url: `${BASE}/PS/deal/НЕТ/0808223433`,
      headers: basic('cli-pay', password),
      remoteAddress: '10.2.3.4',
    });
    assert.equal(gone.statusCode, 401);
    await assert.rejects(
      kopek('mymfo', 'credential', 'add', '--login', 'x', '--kind', 'other'),
      /site or payment/,
    );
  });
});
