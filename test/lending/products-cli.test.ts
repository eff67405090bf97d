import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { runScript } from '../helpers/processes.ts';

describe('kopek product / kopek caps', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  before(async () => {
    db = await testDatabase({ poolSize: 2 });
    env = { DATABASE_URL: db.url, KOPEK_ENV: 'test' };
  });
  after(async () => {
    await db.close();
  });

  const kopek = (...args: string[]) => runScript('bin/kopek.js', args, env);

  it('creates, changes, lists and shows a product with an example ПСК', async () => {
    const create = await kopek(
      'product',
      'create',
      '--code',
      'CLI30',
      '--name',
      'Займ из консоли',
      '--kind',
      'single',
      '--min-amount',
      '1000',
      '--max-amount',
      '30000.00',
      '--min-term',
      '5',
      '--max-term',
      '30',
      '--daily-rate',
      '0.8',
      '--penalty-rate',
      '20',
      '--max-new',
      '15000',
      '--max-repeat',
      '30000',
      '--psk-category',
      'mfo_up_to_30k_up_to_30d',
    );
    assert.equal(create.code, 0, create.stderr);
    assert.match(create.stdout, /CLI30 — Займ из консоли \(выдаётся\)/);
    const refused = await kopek('product', 'update', 'CLI30', '--daily-rate', '1');
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /^kopek: продукт CLI30 нарушает ограничения закона: ставка 1% в день выше предельной 0.8%/,
    );
    const off = await kopek('product', 'update', 'CLI30', '--inactive', '--interest-after-term', 'no');
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /после срока проценты не начисляются \(неустойка 0,1% в день\)/);
    const list = await kopek('product', 'list');
    assert.match(list.stdout, /CLI30\s+отключён/);
    assert.equal((await kopek('product', 'list', '--active')).stdout.trim(), 'продуктов нет');
    // 10 000 ₽ for 30 days at 0.8 %: 12 400 ₽ back, ПСК 292.000 % (see src/lending/psk.test.ts).
    const show = await kopek(
      'product',
      'show',
      'CLI30',
      '--amount',
      '10000',
      '--term',
      '30',
      '--date',
      '2026-11-01',
    );
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /2026-12-01 +долг 10\u00a0000,00\u00a0₽ +проценты 2\u00a0400,00\u00a0₽/);
    assert.match(show.stdout, /ПСК 292\.000% годовых, 2\u00a0400,00\u00a0₽; ограничения соблюдены/);
  });

  it('lists the caps in force on a date and loads the Bank of Russia averages', async () => {
    const caps = await kopek('caps', 'list', '--date', '2026-03-31');
    assert.equal(caps.code, 0, caps.stderr);
    assert.match(caps.stdout, /не более 130% суммы займа/);
    assert.match(caps.stdout, /2026-10-01 {2}max_high_psk_loans +2 {2}545-ФЗ/);
    assert.match(caps.stdout, /2027-04-01 {2}high_psk_cooling_days +3 {2}545-ФЗ/);
    assert.doesNotMatch(caps.stdout, /не ранее 3 дней после погашения/, 'not in force on 2026-03-31');
    const file = path.join(os.tmpdir(), `kopek-avg-${process.pid}.csv`);
    writeFileSync(file, 'category,quarter,average_psk\nmfo_up_to_30k_up_to_30d,2026-Q4,251.087\n');
    const load = await kopek('caps', 'load-averages', file);
    assert.equal(load.code, 0, load.stderr);
    assert.match(load.stdout, /загружено значений: 1/);
    assert.match((await kopek('caps', 'list')).stdout, /2026-10-01 {2}mfo_up_to_30k_up_to_30d +251\.087%/);
  });
});
