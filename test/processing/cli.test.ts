import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { buildCli } from '../../src/cli/main.ts';
import { getAccount } from '../../src/ledger/index.ts';
import { setCliOutput } from '../../src/processing/cli.ts';
import { runScript } from '../helpers/processes.ts';
import { call, count, type ProcessingWorld, payBody, processingWorld, testAgent } from './helpers.ts';

/**
 * The commands run in this process (the same commander program as `bin/kopek.js`, against this
 * test's database), output captured: a process per command would cost seconds each.
 */
async function kopek(...args: string[]): Promise<string> {
  const lines: string[] = [];
  const restore = setCliOutput((line) => lines.push(line));
  try {
    await buildCli()
      .exitOverride()
      .parseAsync(['node', 'kopek', ...args]);
  } finally {
    restore();
  }
  return lines.join('\n');
}

describe('processing: operator commands (kopek agent, kopek service)', () => {
  let w: ProcessingWorld;
  const env = {
    KOPEK_ENV: 'test',
    KOPEK_DATA_KEY: randomBytes(32).toString('base64'),
    KOPEK_SESSION_SECRET: randomBytes(32).toString('hex'),
  };
  before(async () => {
    w = await processingWorld();
    Object.assign(process.env, env, { DATABASE_URL: w.db.url });
  });
  after(() => w.close());

  it('CLI: create an agent, a token (confirm), top up, correct, overdraft, allow-ip; audited; the agent pays', async () => {
    const login = `cli${Date.now() % 100000}`;
    await kopek(
      'agent',
      'create',
      '--login',
      login,
      '--name',
      'Агент CLI',
      '--currency',
      'KZT',
      '--overdraft',
      '100.00',
    );
    const created = await kopek('agent', 'token', 'create', login, '--submit');
    assert.match(created, /Ожидайте подтверждения/);
    const [, tokenId, token] = /token (\d+) for \S+: (\S+)/.exec(created)!;
    assert.equal((await call(w.app, token!, 'balance')).status, 401, 'not confirmed yet');
    await kopek('agent', 'token', 'confirm', tokenId!);
    await kopek('agent', 'topup', login, '1000.00', '--reason', 'п/п 15');
    await kopek('agent', 'correct', login, '-50.00', '--reason', 'ошибка зачисления');
    await kopek('agent', 'overdraft', login, '200.00');
    const balance = await call(w.app, token!, 'balance');
    assert.match(balance.text, /"balance":950\.00,"overdraft":200\.00/);
    await assert.rejects(
      kopek('agent', 'correct', login, '-2000.00', '--reason', 'x'),
      /недостаточно средств/,
      'a correction below the overdraft is refused',
    );
    const show = await kopek('agent', 'show', login);
    assert.match(show, /available 950\.00/);
    assert.match(show, /Токен подтвержден/);
    await kopek('agent', 'allow-ip', login, '10.1.2.3');
    assert.equal((await call(w.app, token!, 'balance', undefined, { ip: '10.9.9.9' })).status, 403);
    const pay = await call(w.app, token!, 'pay', payBody(), { ip: '10.1.2.3' });
    assert.equal(pay.json.result, 0);
    const actions = (
      await w.ctx.pool.query<{ action: string }>(
        `SELECT action FROM audit.log WHERE actor_type = 'cli' AND action LIKE 'processing.%' ORDER BY id`,
      )
    ).rows.map((r) => r.action);
    for (const action of [
      'processing.agent.create',
      'processing.token.create',
      'processing.token.submit',
      'processing.token.confirm',
      'processing.agent.topup',
      'processing.agent.correction',
      'processing.agent.overdraft',
      'processing.agent.allow_ip',
    ])
      assert.ok(actions.includes(action), action);
    const accounts = await count(
      w.ctx,
      `ledger.accounts WHERE code LIKE 'agent:%:balance' AND lower_bound = -20000`,
    );
    assert.equal(accounts, 1);
  });

  it('CLI: a token created without --submit waits in «Создан» until submitted, then confirmed', async () => {
    const a = await testAgent(w.ctx);
    const created = await kopek('agent', 'token', 'create', a.agent.login);
    assert.match(created, /status: Создан; submit with: kopek agent token submit \d+/);
    const [, tokenId, token] = /token (\d+) for \S+: (\S+)/.exec(created)!;
    assert.equal((await call(w.app, token!, 'balance')).status, 401, 'created, not confirmed');
    await assert.rejects(
      kopek('agent', 'token', 'confirm', tokenId!),
      /«Создан»: действие confirm невозможно/,
    );
    assert.match(await kopek('agent', 'token', 'submit', tokenId!), /Ожидайте подтверждения/);
    await assert.rejects(kopek('agent', 'token', 'submit', tokenId!), /действие submit невозможно/);
    assert.equal((await call(w.app, token!, 'balance')).status, 401, 'submitted, not confirmed');
    assert.match(await kopek('agent', 'token', 'confirm', tokenId!), /Токен подтвержден/);
    assert.equal((await call(w.app, token!, 'balance')).json.result, 0);
    const { rows } = await w.ctx.pool.query<{ action: string }>(
      `SELECT action FROM audit.log WHERE subject_type = 'agent_token' AND subject_id = $1 ORDER BY id`,
      [tokenId],
    );
    assert.deepEqual(
      rows.map((r) => r.action),
      ['processing.token.create', 'processing.token.submit', 'processing.token.confirm'],
    );
  });

  it('CLI: service import from a file and list', async () => {
    const dir = mkdtempSync('/tmp/kopek-svc-');
    const file = `${dir}/services.json`;
    writeFileSync(
      file,
      JSON.stringify([
        {
          serviceId: 'MFO1',
          type: 0,
          name: 'Погашение займа «Моя МФО»',
          currency: 'KZT',
          inputs: [{ name: 'account', required: true, title: 'Номер договора', regexp: '^\\d{6,12}$' }],
          minAmount: '100.00',
          maxAmount: '500000.00',
          provider: {
            adapter: 'osmp',
            url: `${w.simulator.url}/osmp/MFO1`,
            login: 'kopek',
            password: 'secret',
          },
        },
      ]),
    );
    assert.match(await kopek('service', 'import', file), /services imported: 1/);
    // Once through the real binary, as an operator runs it.
    const list = await runScript('bin/kopek.js', ['service', 'list'], { ...env, DATABASE_URL: w.db.url });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /MFO1\ttype 0\tПогашение займа/);
    const a = await testAgent(w.ctx);
    const before = await getAccount(w.ctx.pool, a.agent.accountId);
    const r = await call(
      w.app,
      a.token,
      'pay',
      payBody({ serviceId: 'MFO1', account: '123456', amountTo: '150.00', amountFrom: '150.00' }),
    );
    assert.equal(r.json.result, 0);
    assert.equal(before.balance - (await getAccount(w.ctx.pool, a.agent.accountId)).balance, 15_000n);
  });
});
