import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { consoleFace } from '../../src/faces/admin/console.ts';
import { adminFace } from '../../src/faces/admin/face.ts';
import { move, openAccount, refreshSortBalances, transfer } from '../../src/ledger/index.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { type Signed, signIn } from './helpers.ts';

describe('admin API (/admin/api)', () => {
  let db: TestDatabase;
  let app: FaceApp;
  let admin: Signed;
  const accounts: bigint[] = [];

  before(async () => {
    db = await testDatabase();
    const dist = mkdtempSync(path.join(os.tmpdir(), 'kopek-console-'));
    writeFileSync(
      path.join(dist, 'index.html'),
      '<!doctype html><title>Kopek console</title><div id="root"></div>',
    );
    app = await buildServer(db.ctx, [adminFace, consoleFace(dist)]);
    await withTx(db.ctx.pool, async (tx) => {
      await staffSeeder.seed(tx, db.ctx);
      const settlement = await openAccount(tx, {
        code: 'system:settlement:RUB',
        ownerType: 'system',
        ownerId: 'kopek',
        kind: 'settlement',
        currency: 'RUB',
      });
      for (let i = 1; i <= 30; i++) {
        const a = await openAccount(tx, {
          code: `agent:${i}:balance`,
          ownerType: 'agent',
          ownerId: String(i),
          kind: 'agent_balance',
          currency: i % 3 === 0 ? 'KZT' : 'RUB',
        });
        accounts.push(a.id);
        if (a.currency === 'RUB')
          await transfer(tx, {
            key: `topup-${i}`,
            kind: 'processing.topup',
            entries: move(settlement.id, a.id, BigInt(i) * 10_000n),
          });
      }
      // A second settlement-like account whose code would run as a formula in a spreadsheet.
      await openAccount(tx, {
        code: '=cmd|calc',
        ownerType: 'test',
        ownerId: '1',
        kind: 'odd',
        currency: 'USD',
      });
    });
    // The sort by balance follows the minute job's copy of the balances.
    await refreshSortBalances(db.ctx.pool);
    admin = await signIn(app, 'admin');
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  describe('sign-in, session and CSRF', () => {
    it('refuses a wrong password in the error form, in Russian, without saying whether the login exists', async () => {
      for (const login of ['admin', 'nobody-here']) {
        const res = await app.inject({
          method: 'POST',
          url: '/admin/api/auth/login',
          payload: { login, password: 'wrong-password' },
        });
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().error.code, 'staff.invalid_credentials');
        assert.equal(res.json().error.message, 'неверный логин или пароль');
        assert.ok(res.json().error.requestId);
        assert.equal(res.headers['set-cookie'], undefined);
      }
      // The failed attempt on a real account is counted; a good login resets the count.
      await signIn(app, 'admin');
      const { rows } = await db.ctx.pool.query(
        `SELECT failed_attempts FROM staff.users WHERE login = 'admin'`,
      );
      assert.equal(rows[0].failed_attempts, 0);
    });

    it('sets an HttpOnly, SameSite=Strict session cookie and stores only its hash', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/admin/api/auth/login',
        payload: { login: 'ADMIN', password: 'admin-password' },
      });
      assert.equal(res.statusCode, 200);
      const cookie = String(res.headers['set-cookie']);
      assert.match(cookie, /^kopek_console=[A-Za-z0-9_-]{40,};/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      assert.match(cookie, /Path=\/admin\/api/);
      const token = cookie.split(';')[0]!.split('=')[1]!;
      const stored = await db.ctx.pool.query(
        'SELECT count(*)::int AS n FROM staff.sessions WHERE token_hash = $1',
        [token],
      );
      assert.equal(stored.rows[0].n, 0, 'the raw token is never stored');
      const me = res.json();
      assert.equal(me.login, 'admin');
      assert.equal(me.role, 'admin');
      assert.ok(me.permissions.includes('staff.manage'));
      assert.ok(me.csrfToken.length > 20);
    });

    it('asks for a session on every route but login', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/docs/admin/json' })).json();
      const routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
        ([p, methods]) =>
          Object.keys(methods).map((m) => ({ method: m.toUpperCase(), url: p.replace(/\{[^}]+\}/g, '1') })),
      );
      assert.ok(routes.length >= 12, `only ${routes.length} routes documented`);
      for (const r of routes) {
        if (r.url === '/admin/api/auth/login') continue;
        const res = await app.inject({
          method: r.method as 'GET',
          url: r.url,
          payload: r.method === 'GET' ? undefined : {},
        });
        assert.equal(res.statusCode, 401, `${r.method} ${r.url}`);
        assert.equal(res.json().error.code, 'auth.required', `${r.method} ${r.url}`);
        const forged = await app.inject({
          method: r.method as 'GET',
          url: r.url,
          headers: { cookie: 'kopek_console=forged-token-value' },
          payload: r.method === 'GET' ? undefined : {},
        });
        assert.equal(forged.statusCode, 401, `forged ${r.method} ${r.url}`);
      }
    });

    it('names a permission on every route: an admin reaches every documented GET', async () => {
      const doc = (await app.inject({ method: 'GET', url: '/docs/admin/json' })).json();
      const gets = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
        .filter(([, methods]) => 'get' in methods)
        .map(([p]) =>
          p.replace(/\{[^}]+\}/g, String(accounts[0])).replace(/\/staff\/users\/\d+$/, '/staff/users/1'),
        );
      for (const url of gets) {
        const res = await app.inject({ method: 'GET', url, headers: admin.headers });
        // The module cards (deal, client, agent, form, registry) name records this database lacks:
        // their own "not found" still proves the guard let the admin through.
        const missingRecord = res.statusCode === 404 && /_not_found$/.test(res.json().error?.code ?? '');
        assert.ok(
          res.statusCode === 200 || missingRecord,
          `${url}: ${res.statusCode} ${res.body.slice(0, 200)}`,
        );
      }
    });

    it('refuses a state change without the CSRF token of the session', async () => {
      const body = { login: 'csrf-check', name: 'Проверка', role: 'support', password: 'long-password' };
      const none = await app.inject({
        method: 'POST',
        url: '/admin/api/staff/users',
        headers: { cookie: admin.cookie },
        payload: body,
      });
      assert.equal(none.statusCode, 403);
      assert.equal(none.json().error.code, 'auth.csrf');
      const other = await signIn(app, 'accountant');
      const foreign = await app.inject({
        method: 'POST',
        url: '/admin/api/staff/users',
        headers: { cookie: admin.cookie, 'x-csrf-token': other.csrf },
        payload: body,
      });
      assert.equal(foreign.statusCode, 403, "another session's token does not do");
      const { rows } = await db.ctx.pool.query(
        `SELECT count(*)::int AS n FROM staff.users WHERE login = 'csrf-check'`,
      );
      assert.equal(rows[0].n, 0);
      const ok = await app.inject({
        method: 'POST',
        url: '/admin/api/staff/users',
        headers: admin.headers,
        payload: body,
      });
      assert.equal(ok.statusCode, 201, ok.body);
    });

    it('ends the session on logout', async () => {
      const s = await signIn(app, 'collector');
      assert.equal(
        (await app.inject({ method: 'GET', url: '/admin/api/auth/me', headers: s.headers })).statusCode,
        200,
      );
      const out = await app.inject({ method: 'POST', url: '/admin/api/auth/logout', headers: s.headers });
      assert.equal(out.statusCode, 204);
      assert.match(String(out.headers['set-cookie']), /kopek_console=;/);
      const me = await app.inject({ method: 'GET', url: '/admin/api/auth/me', headers: s.headers });
      assert.equal(me.statusCode, 401);
    });
  });

  describe('lockout', () => {
    it('locks an account on the 5th failure in a row, even for the right password, until the lock runs out', async () => {
      const create = await app.inject({
        method: 'POST',
        url: '/admin/api/staff/users',
        headers: admin.headers,
        payload: { login: 'victim', name: 'Жертва Подбора', role: 'support', password: 'victim-password' },
      });
      assert.equal(create.statusCode, 201);
      const attempt = (password: string) =>
        app.inject({ method: 'POST', url: '/admin/api/auth/login', payload: { login: 'victim', password } });
      for (let i = 1; i <= 4; i++)
        assert.equal((await attempt(`guess-${i}`)).statusCode, 401, `attempt ${i}`);
      const fifth = await attempt('guess-5');
      assert.equal(fifth.statusCode, 403);
      assert.equal(fifth.json().error.code, 'staff.locked');
      assert.match(
        fifth.json().error.message,
        /заблокирован после 5 неудачных попыток подряд; повторите через 15 мин\./,
      );
      const right = await attempt('victim-password');
      assert.equal(right.statusCode, 403, 'the right password does not open a locked account');
      assert.equal(right.json().error.code, 'staff.locked');

      const { rows } = await db.ctx.pool.query(
        `SELECT outcome, count(*)::int AS n FROM staff.login_attempts WHERE login = 'victim' GROUP BY outcome`,
      );
      const outcomes = Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
      assert.deepEqual(outcomes, { invalid_credentials: 4, locked: 2 });
      const until = await db.ctx.pool.query(
        `SELECT locked_until - now() > interval '14 minutes' AS long FROM staff.users WHERE login = 'victim'`,
      );
      assert.equal(until.rows[0].long, true, 'locked for about 15 minutes');

      // When the lock has run out, the right password opens it and the count starts again.
      await db.ctx.pool.query(
        `UPDATE staff.users SET locked_until = now() - interval '1 second' WHERE login = 'victim'`,
      );
      assert.equal((await attempt('victim-password')).statusCode, 200);
      assert.equal((await attempt('wrong-again')).statusCode, 401);
    });

    it('counts parallel guesses exactly: ten at once lock the account and none gets in', async () => {
      await app.inject({
        method: 'POST',
        url: '/admin/api/staff/users',
        headers: admin.headers,
        payload: { login: 'racer', name: 'Гонщик', role: 'support', password: 'racer-password' },
      });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          app.inject({
            method: 'POST',
            url: '/admin/api/auth/login',
            payload: { login: 'racer', password: `bad-${i}` },
          }),
        ),
      );
      assert.ok(results.every((r) => r.statusCode === 401 || r.statusCode === 403));
      const { rows } = await db.ctx.pool.query(
        `SELECT failed_attempts, locked_until > now() AS locked FROM staff.users WHERE login = 'racer'`,
      );
      assert.equal(rows[0].locked, true);
      assert.ok(rows[0].failed_attempts >= 5);
    });

    it('an admin lifts a lockout by unblocking', async () => {
      const { rows } = await db.ctx.pool.query(`SELECT id FROM staff.users WHERE login = 'racer'`);
      const res = await app.inject({
        method: 'PATCH',
        url: `/admin/api/staff/users/${rows[0].id}`,
        headers: admin.headers,
        payload: { blocked: false },
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.json().lockedUntil, null);
      await signIn(app, 'racer', 'racer-password');
    });
  });

  describe('permissions', () => {
    it('refuses what a role lacks with 403 and the permission it needs', async () => {
      const support = await signIn(app, 'support');
      const accountant = await signIn(app, 'accountant');
      const cases: Array<[Signed, string, number]> = [
        [support, '/admin/api/ledger/accounts', 403],
        [support, '/admin/api/staff/users', 403],
        [support, '/admin/api/audit', 403],
        [support, '/admin/api/dashboard', 200],
        [accountant, '/admin/api/ledger/accounts', 200],
        [accountant, '/admin/api/audit', 200],
        [accountant, '/admin/api/staff/users', 403],
        [admin, '/admin/api/staff/users', 200],
      ];
      for (const [who, url, status] of cases) {
        const res = await app.inject({ method: 'GET', url, headers: who.headers });
        assert.equal(res.statusCode, status, `${url}: ${res.body}`);
        if (status === 403) {
          assert.equal(res.json().error.code, 'auth.forbidden');
          assert.match(res.json().error.message, /недостаточно прав/);
        }
      }
      const create = await app.inject({
        method: 'POST',
        url: '/admin/api/staff/users',
        headers: support.headers,
        payload: { login: 'sneaky', name: 'Хитрец', role: 'admin', password: 'sneaky-password' },
      });
      assert.equal(create.statusCode, 403);
    });

    it('applies a role change at once, to open sessions too', async () => {
      const s = await signIn(app, 'underwriter');
      assert.equal(
        (await app.inject({ method: 'GET', url: '/admin/api/audit', headers: s.headers })).statusCode,
        403,
      );
      const { rows } = await db.ctx.pool.query(`SELECT id FROM staff.users WHERE login = 'underwriter'`);
      const patch = await app.inject({
        method: 'PATCH',
        url: `/admin/api/staff/users/${rows[0].id}`,
        headers: admin.headers,
        payload: { role: 'accountant' },
      });
      assert.equal(patch.statusCode, 200);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/admin/api/audit', headers: s.headers })).statusCode,
        200,
      );
      await app.inject({
        method: 'PATCH',
        url: `/admin/api/staff/users/${rows[0].id}`,
        headers: admin.headers,
        payload: { role: 'underwriter' },
      });
    });
  });

  describe('ledger accounts', () => {
    it('pages, sorts and filters on the server', async () => {
      const page1 = await app.inject({
        method: 'GET',
        url: '/admin/api/ledger/accounts?currency=RUB&kind=agent_balance&sort=-balance&limit=5',
        headers: admin.headers,
      });
      assert.equal(page1.statusCode, 200, page1.body);
      const body = page1.json();
      assert.equal(body.total, 20);
      assert.equal(body.items.length, 5);
      assert.deepEqual(
        body.items.map((a: { code: string; balance: string }) => [a.code, a.balance]),
        [
          ['agent:29:balance', '2900.00'],
          ['agent:28:balance', '2800.00'],
          ['agent:26:balance', '2600.00'],
          ['agent:25:balance', '2500.00'],
          ['agent:23:balance', '2300.00'],
        ],
      );
      const page2 = await app.inject({
        method: 'GET',
        url: '/admin/api/ledger/accounts?currency=RUB&kind=agent_balance&sort=-balance&limit=5&offset=5',
        headers: admin.headers,
      });
      assert.equal(page2.json().items[0].code, 'agent:22:balance');
      const search = await app.inject({
        method: 'GET',
        url: '/admin/api/ledger/accounts?q=agent:1',
        headers: admin.headers,
      });
      assert.deepEqual(
        search.json().items.map((a: { code: string }) => a.code),
        [
          'agent:1:balance',
          'agent:10:balance',
          'agent:11:balance',
          'agent:12:balance',
          'agent:13:balance',
          'agent:14:balance',
          'agent:15:balance',
          'agent:16:balance',
          'agent:17:balance',
          'agent:18:balance',
          'agent:19:balance',
        ],
      );
      const byId = await app.inject({
        method: 'GET',
        url: `/admin/api/ledger/accounts?q=${accounts[4]}`,
        headers: admin.headers,
      });
      assert.ok(byId.json().items.some((a: { id: string }) => a.id === String(accounts[4])));
    });

    it('refuses an unknown sort field and a bad filter with 422', async () => {
      const sort = await app.inject({
        method: 'GET',
        url: '/admin/api/ledger/accounts?sort=password',
        headers: admin.headers,
      });
      assert.equal(sort.statusCode, 422);
      assert.match(sort.json().error.message, /сортировка возможна по полям/);
      const currency = await app.inject({
        method: 'GET',
        url: '/admin/api/ledger/accounts?currency=rub',
        headers: admin.headers,
      });
      assert.equal(currency.statusCode, 422);
      assert.match(currency.json().error.message, /currency: неверный формат/);
    });

    it('opens an account card with its history, paged by entry', async () => {
      const id = accounts[9]!; // agent:10, 100.00 RUB
      await withTx(db.ctx.pool, async (tx) => {
        const other = accounts[0]!;
        for (let i = 0; i < 3; i++)
          await transfer(tx, {
            key: `card-${i}`,
            kind: 'test.move',
            entries: move(id, other, 1_00n),
            description: `перевод ${i}`,
          });
      });
      const card = await app.inject({
        method: 'GET',
        url: `/admin/api/ledger/accounts/${id}?limit=2`,
        headers: admin.headers,
      });
      assert.equal(card.statusCode, 200, card.body);
      const body = card.json();
      assert.equal(body.account.code, 'agent:10:balance');
      assert.equal(body.account.balance, '997.00');
      assert.deepEqual(
        body.history.map((h: { amount: string; description: string }) => [h.amount, h.description]),
        [
          ['-1.00', 'перевод 2'],
          ['-1.00', 'перевод 1'],
        ],
      );
      assert.ok(body.nextBefore);
      const older = await app.inject({
        method: 'GET',
        url: `/admin/api/ledger/accounts/${id}?limit=2&before=${body.nextBefore}`,
        headers: admin.headers,
      });
      assert.deepEqual(
        older.json().history.map((h: { amount: string }) => h.amount),
        ['-1.00', '1000.00'],
      );
      assert.equal(older.json().nextBefore, null);
      const missing = await app.inject({
        method: 'GET',
        url: '/admin/api/ledger/accounts/999999999',
        headers: admin.headers,
      });
      assert.equal(missing.statusCode, 404);
      assert.equal(missing.json().error.message, 'счёт не найден');
    });
  });

  describe('CSV export', () => {
    it('exports every row matching the filters, with Russian headers, formulas defused, and audits it', async () => {
      const res = await app.inject({
        method: 'GET',
        // Agents only: migrations open lender accounts of their own in RUB.
        url: '/admin/api/ledger/accounts.csv?currency=RUB&ownerType=agent&sort=code&limit=2',
        headers: admin.headers,
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /text\/csv/);
      assert.match(
        String(res.headers['content-disposition']),
        /attachment; filename="ledger-accounts-\d{4}-\d{2}-\d{2}\.csv"/,
      );
      const lines = res.body
        .replace(/^\uFEFF/, '')
        .trim()
        .split('\r\n');
      assert.equal(
        lines[0],
        'Номер;Код;Вид;Владелец;Код владельца;Валюта;Остаток;Доступно;Нижняя граница;Открыт',
      );
      assert.equal(lines.length, 1 + 20, "every agent's RUB account, not one page");
      assert.ok(lines.some((l) => /;agent:10:balance;agent_balance;agent;10;RUB;997\.00;997\.00;;/.test(l)));
      const usd = await app.inject({
        method: 'GET',
        url: '/admin/api/ledger/accounts.csv?currency=USD',
        headers: admin.headers,
      });
      assert.match(usd.body, /;'=cmd\|calc;/);
      const { rows } = await db.ctx.pool.query(
        `SELECT details FROM audit.log WHERE action = 'console.export' AND subject_id = '/ledger/accounts'
         AND details->'filters'->>'currency' = 'RUB' ORDER BY id`,
      );
      assert.equal(rows[0].details.rows, 20);
      assert.equal(rows[0].details.filters.currency, 'RUB');
    });

    it('needs export.csv on top of the list permission', async () => {
      // support has no ledger.read; collector has neither; accountant has both.
      const collector = await signIn(app, 'collector');
      const res = await app.inject({
        method: 'GET',
        url: '/admin/api/staff/users.csv',
        headers: collector.headers,
      });
      assert.equal(res.statusCode, 403);
      const accountant = await signIn(app, 'accountant');
      const ok = await app.inject({
        method: 'GET',
        url: '/admin/api/audit.csv?action=staff.',
        headers: accountant.headers,
      });
      assert.equal(ok.statusCode, 200);
      assert.match(ok.body, /staff\.user\.create/);
    });
  });

  describe('staff users and the audit log', () => {
    it('creates, refuses duplicates and bad roles, keeps an admin, and audits each change', async () => {
      const dup = await app.inject({
        method: 'POST',
        url: '/admin/api/staff/users',
        headers: admin.headers,
        payload: { login: 'Support', name: 'Дубль', role: 'support', password: 'long-password' },
      });
      assert.equal(dup.statusCode, 409);
      assert.equal(dup.json().error.code, 'staff.login_taken');
      const role = await app.inject({
        method: 'POST',
        url: '/admin/api/staff/users',
        headers: admin.headers,
        payload: { login: 'newbie', name: 'Новичок', role: 'king', password: 'long-password' },
      });
      assert.equal(role.statusCode, 422);
      const short = await app.inject({
        method: 'POST',
        url: '/admin/api/staff/users',
        headers: admin.headers,
        payload: { login: 'newbie', name: 'Новичок', role: 'support', password: 'short' },
      });
      assert.equal(short.statusCode, 422);
      assert.match(short.json().error.message, /password: не короче 8 символов/);

      const me = (
        await app.inject({ method: 'GET', url: '/admin/api/auth/me', headers: admin.headers })
      ).json();
      const self = await app.inject({
        method: 'PATCH',
        url: `/admin/api/staff/users/${me.id}`,
        headers: admin.headers,
        payload: { role: 'support' },
      });
      assert.equal(self.statusCode, 409);
      assert.equal(self.json().error.code, 'staff.self_lockout');

      const audit = await app.inject({
        method: 'GET',
        url: `/admin/api/audit?action=staff.user.&actorId=${me.id}&sort=-id&limit=100`,
        headers: admin.headers,
      });
      assert.equal(audit.statusCode, 200);
      const actions = audit
        .json()
        .items.map((i: { action: string; actorLogin: string }) => `${i.action}:${i.actorLogin}`);
      assert.ok(actions.includes('staff.user.create:admin'), actions.join(','));
      assert.ok(actions.includes('staff.user.update:admin'));
    });

    it('blocking a user ends their sessions; a new password too', async () => {
      const victim = await signIn(app, 'underwriter');
      const { rows } = await db.ctx.pool.query(`SELECT id FROM staff.users WHERE login = 'underwriter'`);
      const block = await app.inject({
        method: 'PATCH',
        url: `/admin/api/staff/users/${rows[0].id}`,
        headers: admin.headers,
        payload: { blocked: true },
      });
      assert.equal(block.json().blocked, true);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/admin/api/auth/me', headers: victim.headers })).statusCode,
        401,
      );
      const login = await app.inject({
        method: 'POST',
        url: '/admin/api/auth/login',
        payload: { login: 'underwriter', password: 'underwriter-password' },
      });
      assert.equal(login.statusCode, 403);
      assert.equal(login.json().error.code, 'staff.blocked');
      await app.inject({
        method: 'PATCH',
        url: `/admin/api/staff/users/${rows[0].id}`,
        headers: admin.headers,
        payload: { blocked: false },
      });
      const again = await signIn(app, 'underwriter');
      const pw = await app.inject({
        method: 'POST',
        url: `/admin/api/staff/users/${rows[0].id}/password`,
        headers: admin.headers,
        payload: { password: 'brand-new-password' },
      });
      assert.equal(pw.statusCode, 204);
      assert.equal(
        (await app.inject({ method: 'GET', url: '/admin/api/auth/me', headers: again.headers })).statusCode,
        401,
      );
      await signIn(app, 'underwriter', 'brand-new-password');
    });
  });

  describe('dashboard', () => {
    it('shows each role the widgets of its permissions, with exact totals', async () => {
      const accountant = await signIn(app, 'accountant');
      const res = await app.inject({
        method: 'GET',
        url: '/admin/api/dashboard?days=7',
        headers: accountant.headers,
      });
      assert.equal(res.statusCode, 200);
      const widgets = res.json().widgets as Array<{
        id: string;
        kind: string;
        items?: Array<{ unit: string; value: string }>;
        categories?: string[];
        series?: Array<{ values: string[] }>;
      }>;
      const totals = widgets.find((w) => w.id === 'ledger.totals_by_currency')!;
      // 20 RUB agents topped up with 100..2900 roubles (i * 100 for i not divisible by 3).
      const expected = Array.from({ length: 30 }, (_, i) => i + 1)
        .filter((i) => i % 3 !== 0)
        .reduce((s, i) => s + i * 100, 0);
      assert.equal(totals.items!.find((i) => i.unit === 'RUB')!.value, `${expected}.00`);
      const perDay = widgets.find((w) => w.id === 'ledger.transfers_per_day')!;
      assert.equal(perDay.categories!.length, 7);
      assert.equal(perDay.series![0]!.values.at(-1), '23', '20 top-ups and 3 moves today');

      const support = await signIn(app, 'support');
      const limited = (
        await app.inject({ method: 'GET', url: '/admin/api/dashboard', headers: support.headers })
      ).json();
      const ids = limited.widgets.map((w: { id: string }) => w.id);
      assert.ok(ids.includes('ledger.transfers_per_day'));
      assert.ok(
        !ids.some((id: string) => id.startsWith('ledger.totals') || id.startsWith('ledger.balance_by_kind')),
      );
    });
  });

  describe('dashboard cache', () => {
    it('answers from the cache, recomputes on refresh=1, and refreshes a stale entry in the background', async () => {
      const perDayToday = async (url: string) => {
        const res = await app.inject({ method: 'GET', url, headers: admin.headers });
        assert.equal(res.statusCode, 200);
        const w = res.json().widgets.find((x: { id: string }) => x.id === 'ledger.transfers_per_day');
        return w.series[0].values.at(-1) as string;
      };
      const before = Number(await perDayToday('/admin/api/dashboard?days=3&refresh=1'));
      await withTx(db.ctx.pool, (tx) =>
        transfer(tx, {
          key: 'cache-check',
          kind: 'test.move',
          entries: move(accounts[1]!, accounts[0]!, 1n),
        }),
      );
      assert.equal(await perDayToday('/admin/api/dashboard?days=3'), String(before), 'cached');
      assert.equal(await perDayToday('/admin/api/dashboard?days=3&refresh=1'), String(before + 1));

      await withTx(db.ctx.pool, (tx) =>
        transfer(tx, {
          key: 'cache-check-2',
          kind: 'test.move',
          entries: move(accounts[1]!, accounts[0]!, 1n),
        }),
      );
      await db.ctx.pool.query(
        `UPDATE staff.dashboard_cache SET computed_at = now() - interval '5 minutes' WHERE key LIKE '%:3'`,
      );
      assert.equal(
        await perDayToday('/admin/api/dashboard?days=3'),
        String(before + 1),
        'stale, answered at once',
      );
      for (let i = 0; i < 50; i++) {
        const { rows } = await db.ctx.pool.query(
          `SELECT computed_at > now() - interval '1 minute' AS fresh FROM staff.dashboard_cache
           WHERE key = 'ledger.transfers_per_day:3'`,
        );
        if (rows[0].fresh) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(
        await perDayToday('/admin/api/dashboard?days=3'),
        String(before + 2),
        'refreshed in the background',
      );
    });
  });

  describe('console files', () => {
    it('serves the app for every deep link, with a strict CSP; a missing asset is 404', async () => {
      for (const url of [
        '/console',
        '/console/',
        '/console/ledger/accounts/42',
        '/console/staff?role=admin',
      ]) {
        const res = await app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 200, url);
        assert.match(res.body, /Kopek console/, url);
        const csp = String(res.headers['content-security-policy']);
        assert.match(csp, /script-src 'self'/);
        assert.match(csp, /frame-ancestors 'none'/);
        assert.equal(res.headers['x-content-type-options'], 'nosniff');
      }
      const missing = await app.inject({ method: 'GET', url: '/console/assets/nothing.js' });
      assert.equal(missing.statusCode, 404);
      const api = await app.inject({ method: 'GET', url: '/admin/api/auth/me' });
      assert.match(String(api.headers['content-security-policy']), /default-src 'none'/);
    });
  });
});
