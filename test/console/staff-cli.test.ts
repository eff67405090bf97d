import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { login } from '../../src/staff/auth.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { runScript } from '../helpers/processes.ts';

describe('kopek staff', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  before(async () => {
    db = await testDatabase();
    env = {
      DATABASE_URL: db.url,
      KOPEK_DATA_KEY: randomBytes(32).toString('base64'),
      KOPEK_SESSION_SECRET: randomBytes(32).toString('hex'),
    };
  });
  after(async () => {
    await db.close();
  });

  const kopek = (...args: string[]) => runScript('bin/kopek.js', ['staff', ...args], env);

  it('creates, lists, locks, unlocks and re-passwords a staff user, auditing each change', async () => {
    const create = await kopek(
      'create',
      '--login',
      'Olga',
      '--name',
      'Ольга Кассирова',
      '--role',
      'accountant',
      '--password',
      'first-password',
    );
    assert.equal(create.code, 0, create.stderr);
    assert.match(create.stdout, /staff user olga \(accountant\) created/);
    const again = await kopek(
      'create',
      '--login',
      'olga',
      '--name',
      'Другая',
      '--role',
      'support',
      '--password',
      'first-password',
    );
    assert.equal(again.code, 1);
    assert.match(again.stderr, /уже существует/);
    const badRole = await kopek(
      'create',
      '--login',
      'x1',
      '--name',
      'X',
      '--role',
      'boss',
      '--password',
      'first-password',
    );
    assert.equal(badRole.code, 1);
    assert.match(badRole.stderr, /неизвестная роль: boss/);

    await login(db.ctx.pool, { login: 'olga', password: 'first-password' });

    assert.equal((await kopek('lock', 'olga')).code, 0);
    const listed = await kopek('list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      JSON.parse(listed.stdout).map((u: { login: string; role: string; status: string }) => [
        u.login,
        u.role,
        u.status,
      ]),
      [['olga', 'accountant', 'blocked']],
    );
    await assert.rejects(login(db.ctx.pool, { login: 'olga', password: 'first-password' }), /заблокирована/);

    assert.equal((await kopek('unlock', 'olga')).code, 0);
    assert.equal((await kopek('passwd', 'olga', '--password', 'second-password')).code, 0);
    await assert.rejects(
      login(db.ctx.pool, { login: 'olga', password: 'first-password' }),
      /неверный логин или пароль/,
    );
    await login(db.ctx.pool, { login: 'olga', password: 'second-password' });

    const missing = await kopek('lock', 'nobody');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no staff user with login 'nobody'/);

    const { rows } = await db.ctx.pool.query(
      `SELECT action FROM audit.log WHERE actor_type = 'cli' AND subject_type = 'staff.user' ORDER BY id`,
    );
    assert.deepEqual(
      rows.map((r) => r.action),
      ['staff.user.create', 'staff.user.update', 'staff.user.update', 'staff.user.password'],
    );
  });
});
