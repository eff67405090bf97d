import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { runScript } from '../helpers/processes.ts';
import { seedProducts } from './lending-fixtures.ts';

describe('kopek client / deal / cob commands', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  before(async () => {
    db = await testDatabase();
    await seedProducts(db.ctx);
    // One data key for every command, so what one encrypts the next can read.
    env = {
      DATABASE_URL: db.url,
      KOPEK_DATA_KEY: randomBytes(32).toString('base64'),
      KOPEK_SESSION_SECRET: randomBytes(32).toString('hex'),
    };
  });
  after(async () => {
    await db.close();
  });

  const kopek = async (...args: string[]) => {
    const run = await runScript('bin/kopek.js', args, env);
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  };

  it('takes a client through application, issue, payment and close of business', async () => {
    const added = await kopek(
      'client',
      'add',
      '--last-name',
      'Консольный',
      '--first-name',
      'Иван',
      '--birth-date',
      '1985-02-03',
      '--phone',
      '89110001122',
      '--passport',
      '4510 777888',
      '--income',
      '90000',
    );
    const clientId = /клиент (\d+):/.exec(added)![1]!;
    const applied = await kopek(
      'deal',
      'apply',
      '--client',
      clientId,
      '--product',
      'PDL30',
      '--amount',
      '10000',
      '--term',
      '30',
    );
    const number = /заявка (\S+): Одобрен/.exec(applied)![1]!;
    await kopek('deal', 'sign', number);
    const today = new Date(Date.now() + 3 * 3600_000).toISOString().slice(0, 10);
    // The card payout goes through a payout service simulator on loopback for this command.
    assert.match(await kopek('deal', 'issue', number, '--card', 'tok-4242'), /: Выдан/);
    const paid = await kopek('deal', 'pay', number, '1000.00', '--service', 'cash', '--txn', 't-1');
    // Issued and paid today: no interest yet, so the whole payment goes to principal.
    assert.match(paid, /ОД 1000\.00/);
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const cob = await kopek('cob', 'run', '--date', tomorrow);
    // 9 000 roubles outstanding at 0.8 % for one day: 72 roubles.
    assert.match(cob, /займов 1, проценты 72\.00 ₽/);
    // Each CLI call costs a process start; the summary is read in-process.
    const debt = await debtSummary(db.ctx.pool, number, tomorrow);
    assert.equal(debt.totalDebt, 907_200n);
    // Duty charged by the operator, once per key; then paid off with 10 roubles too many, refunded.
    const charge = ['deal', 'charge', number, '--kind', 'duty', '--amount', '500', '--reason', 'госпошлина'];
    assert.match(await kopek(...charge, '--key', 'k1', '--date', tomorrow), /пошлина 500\.00 ₽$/m);
    assert.match(await kopek(...charge, '--key', 'k1', '--date', tomorrow), /\(повтор\)/);
    const payoff = await kopek('deal', 'pay', number, '9582.00', '--txn', 't-2', '--date', tomorrow);
    assert.match(payoff, /статус: Оплачен/);
    assert.match(
      await kopek('deal', 'refund', number, '--card', 'tok-4242', '--reason', 'заявление клиента'),
      /возврат \d+ на 10\.00 ₽, done/,
    );
    assert.equal((await debtSummary(db.ctx.pool, number, tomorrow)).accountBalance, 0n);
  });
});
