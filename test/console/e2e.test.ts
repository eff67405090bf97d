import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { consoleFace } from '../../src/faces/admin/console.ts';
import { adminFace } from '../../src/faces/admin/face.ts';
import { platformFace } from '../../src/faces/platform/face.ts';
import { move, openAccount, refreshSortBalances, transfer } from '../../src/ledger/index.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import {
  type Browser,
  buildConsoleIfStale,
  checkAccessibility,
  screenshot,
  serveConsole,
  skipWithoutChromium,
} from './browser.ts';

/**
 * The console in a real browser (Debian's chromium driven by playwright-core) against the real
 * server on a test database: sign-in, dashboard charts, an account card by deep link, a role
 * refused the staff screen, axe-core on every main screen, screenshots in test-artifacts/console.
 */
describe('operator console in Chromium', { skip: skipWithoutChromium, timeout: 240_000 }, () => {
  let db: TestDatabase;
  let app: FaceApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let accountId: bigint;

  before(async () => {
    buildConsoleIfStale();
    db = await testDatabase();
    await withTx(db.ctx.pool, async (tx) => {
      await staffSeeder.seed(tx, db.ctx);
      const settlement = await openAccount(tx, {
        code: 'system:settlement:RUB',
        ownerType: 'system',
        ownerId: 'kopek',
        kind: 'settlement',
        currency: 'RUB',
      });
      for (let i = 1; i <= 12; i++) {
        const a = await openAccount(tx, {
          code: `agent:${i}:balance`,
          ownerType: 'agent',
          ownerId: String(i),
          kind: 'agent_balance',
          currency: 'RUB',
          lowerBound: 0n,
        });
        if (i === 7) accountId = a.id;
        await transfer(tx, {
          key: `e2e-topup-${i}`,
          kind: 'processing.topup',
          entries: move(settlement.id, a.id, BigInt(i) * 1_500_00n),
          description: `Пополнение агента ${i}`,
        });
      }
    });
    // The sort by balance follows the minute job's copy of the balances.
    await refreshSortBalances(db.ctx.pool);
    ({ app, base, browser } = await serveConsole(db.ctx, [platformFace, adminFace, consoleFace()]));
    context = browser.context;
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  async function signIn(page: Page, login: string, password = `${login}-password`): Promise<void> {
    await page.goto(`${base}/console/`);
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill(password);
    await page.getByRole('button', { name: 'Войти' }).click();
  }

  it('signs in, shows the dashboard with charts, and answers a wrong password in Russian', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/console/`);
    await page.getByRole('heading', { name: 'Вход в консоль Kopek' }).waitFor();
    await checkAccessibility(page, 'login');
    await screenshot(page, 'login');

    await signIn(page, 'admin', 'not-the-password');
    await page.getByTestId('login-error').waitFor();
    assert.equal(await page.getByTestId('login-error').textContent(), 'неверный логин или пароль');

    await signIn(page, 'admin');
    await page.getByRole('heading', { name: 'Панель', level: 2 }).waitFor();
    assert.match((await page.getByTestId('whoami').textContent()) ?? '', /Анна Админова · Администратор/);
    // Charts drawn from the ledger: transfers per day and balances by kind.
    const perDay = page.locator('[data-widget="ledger.transfers_per_day"]');
    await perDay.locator('svg.recharts-surface').first().waitFor();
    assert.ok((await perDay.locator('.recharts-bar-rectangle').count()) > 0, 'bars drawn');
    const totals = page.locator('[data-widget="ledger.totals_by_currency"]');
    // 1 500 × (1 + … + 12) = 117 000 roubles on the agents.
    assert.match((await totals.textContent()) ?? '', /117\s000,00\s₽/);
    await checkAccessibility(page, 'dashboard');
    await screenshot(page, 'dashboard');

    // Menu shows what an admin may open.
    const nav = page.getByRole('navigation', { name: 'Основное меню' });
    for (const item of ['Панель', 'Счета', 'Журнал аудита', 'Сотрудники'])
      assert.equal(await nav.getByRole('link', { name: item }).count(), 1, item);

    // English as the second locale.
    await page.locator('label', { hasText: /^EN$/ }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 2 }).waitFor();
    await page.locator('label', { hasText: /^RU$/ }).click();
    await page.getByRole('heading', { name: 'Панель', level: 2 }).waitFor();
    await page.close();
  });

  it('lists accounts with server-side sorting and opens an account card by deep link', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/console/ledger/accounts?kind=agent_balance`);
    await page.getByRole('heading', { name: 'Счета главной книги' }).waitFor();
    await page.getByTestId('total').filter({ hasText: 'Всего: 12' }).waitFor();
    await page.getByRole('button', { name: 'Остаток' }).click();
    await page.waitForURL(/sort=balance/);
    await page.getByRole('button', { name: 'Остаток' }).click();
    await page.waitForURL(/sort=-balance/);
    const firstRow = page.locator('tbody tr').first();
    await firstRow.filter({ hasText: 'agent:12:balance' }).waitFor();
    assert.match((await firstRow.textContent()) ?? '', /agent:12:balance.*18\s000,00\s₽/);
    await checkAccessibility(page, 'accounts');
    await screenshot(page, 'accounts');

    await page.goto(`${base}/console/ledger/accounts/${accountId}`);
    await page.getByTestId('account-title').waitFor();
    assert.equal(await page.getByTestId('account-title').textContent(), 'Счёт agent:7:balance');
    await page.getByRole('cell', { name: 'Пополнение агента 7' }).waitFor();
    assert.match((await page.locator('dl').textContent()) ?? '', /10\s500,00\s₽/);
    await checkAccessibility(page, 'account card');
    await screenshot(page, 'account-card');
    await page.close();
  });

  it('shows the audit log and the staff screens to an admin', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/console/audit?action=staff.`);
    await page.getByRole('heading', { name: 'Журнал аудита', level: 2 }).waitFor();
    await page.getByRole('cell', { name: 'staff.login' }).first().waitFor();
    await checkAccessibility(page, 'audit');
    await screenshot(page, 'audit');

    await page.goto(`${base}/console/staff`);
    await page.getByRole('link', { name: 'support' }).waitFor();
    await checkAccessibility(page, 'staff');
    await screenshot(page, 'staff');
    await page.getByRole('link', { name: 'support' }).click();
    await page.getByRole('heading', { name: /Сергей Поддержкин/ }).waitFor();
    await checkAccessibility(page, 'staff user');
    await page.getByRole('button', { name: 'Выйти' }).click();
    await page.getByRole('heading', { name: 'Вход в консоль Kopek' }).waitFor();
    await page.close();
  });

  it('denies a support user the staff screen and hides it from the menu', async () => {
    const page = await context.newPage();
    await signIn(page, 'support');
    await page.getByRole('heading', { name: 'Панель', level: 2 }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Основное меню' });
    assert.equal(await nav.getByRole('link', { name: 'Сотрудники' }).count(), 0);
    assert.equal(await nav.getByRole('link', { name: 'Счета' }).count(), 0);
    await page.goto(`${base}/console/staff`);
    await page.getByTestId('forbidden').waitFor();
    assert.match((await page.getByTestId('forbidden').textContent()) ?? '', /staff\.manage/);
    await checkAccessibility(page, 'forbidden');
    await screenshot(page, 'forbidden');
    // The server refuses too, whatever the page shows.
    const status = await page.evaluate(async () => (await fetch('/admin/api/staff/users')).status);
    assert.equal(status, 403);
    await page.close();
  });

  it('ran under the Content Security Policy without violations', () => {
    assert.deepEqual(
      browser.consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e)),
      [],
    );
  });
});
