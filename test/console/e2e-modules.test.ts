import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { upsertPartner } from '../../src/broker/partners.ts';
import { consoleFace } from '../../src/faces/admin/console.ts';
import { adminFace } from '../../src/faces/admin/face.ts';
import { platformFace } from '../../src/faces/platform/face.ts';
import { addDays, todayMoscow } from '../../src/lending/dates.ts';
import { createApplication } from '../../src/lending/deals/applications.ts';
import { signDeal } from '../../src/lending/deals/decisions.ts';
import { getDeal } from '../../src/lending/deals/repository.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { createAgent } from '../../src/processing/agents.ts';
import { createToken } from '../../src/processing/credentials.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
import { setPerson } from '../../src/wallet/person.ts';
import { createWallet } from '../../src/wallet/wallets.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { clientInput, STAFF, seedProducts } from '../lending/lending-fixtures.ts';
import {
  type Browser,
  buildConsoleIfStale,
  checkAccessibility,
  screenshot,
  serveConsole,
  signInPage,
  skipWithoutChromium,
} from './browser.ts';

/**
 * The module screens in Chromium against the real server: find a deal, approve and issue it,
 * register an early payment and see the schedule change; confirm an agent token; download a
 * registry; verify a wallet's KYC and reject another's; list products and close a business date; a
 * role without the right refused; axe-core on each main screen; screenshots.
 */
describe('operator console: module screens in Chromium', {
  skip: skipWithoutChromium,
  timeout: 300_000,
}, () => {
  let db: TestDatabase;
  let app: FaceApp;
  let base: string;
  let browser: Browser;
  let dealNumber = '';
  let agentId = 0n;
  let walletId = 0n;

  before(async () => {
    buildConsoleIfStale();
    db = await testDatabase();
    await withTx(db.ctx.pool, (tx) => staffSeeder.seed(tx, db.ctx));
    await seedProducts(db.ctx);
    await withTx(db.ctx.pool, async (tx) => {
      const { deal } = await createApplication(
        tx,
        db.ctx.cipher,
        {
          client: clientInput({ lastName: 'Браузеров', firstName: 'Игорь', middleName: 'Петрович' }),
          product: 'ANN6',
          amount: 4_000_000n,
          termDays: 120,
          autoScore: false,
        },
        STAFF,
      );
      dealNumber = deal.number;
      for (let i = 0; i < 5; i++)
        await createApplication(
          tx,
          db.ctx.cipher,
          { client: clientInput(), amount: 500_000n + BigInt(i) * 100_000n, termDays: 15, autoScore: false },
          STAFF,
        );
      const agent = await createAgent(
        tx,
        { login: 'e2e-agent', name: 'Агент для проверки', currency: 'RUB' },
        STAFF,
      );
      agentId = agent.id;
      await createToken(tx, agent, STAFF, { token: 'e2e-agent-token-0001' });
      const partner = await upsertPartner(tx, {
        guid: 'e2e-partner',
        name: 'Партнёр E2E',
        token: 'e2e-p-token',
      });
      await tx.query(
        `INSERT INTO broker.registries (business_date, owner_type, owner_id, format, file_name, rows, content)
         VALUES ('2026-11-20', 'partner', $1, 'csv', 'registry-e2e-2026-11-20.csv', 1, $2)`,
        [partner, Buffer.from('\uFEFFНомер;Сумма\r\nE2E-1;1500.00\r\n')],
      );
    });
    const wallet = await createWallet(
      db.ctx,
      { phone: '+79265550011', password: 'wallet-pass' },
      { activate: true },
    );
    walletId = wallet.id;
    await setPerson(db.ctx, wallet, {
      family_name: 'Кошелькова',
      given_name: 'Анна',
      passport_series_number: '4512654321',
      passport_issued_at: '2016-05-10',
    });
    ({ app, base, browser } = await serveConsole(db.ctx, [platformFace, adminFace, consoleFace()]));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  it('finds a deal, approves and issues it, registers a payment and shows the schedule change', async () => {
    const page = await browser.context.newPage();
    await signInPage(page, base, 'admin');
    await page
      .getByRole('navigation', { name: 'Основное меню' })
      .getByRole('link', { name: 'Договоры' })
      .click();
    await page.getByRole('heading', { name: 'Договоры', level: 2 }).waitFor();
    await page.getByTestId('total').filter({ hasText: 'Всего: 6' }).waitFor();
    await checkAccessibility(page, 'deals');
    await screenshot(page, 'deals');
    await page.getByLabel('Номер, ФИО, телефон или паспорт').fill('браузеров иг');
    await page.getByRole('button', { name: 'Поиск' }).click();
    await page.getByTestId('total').filter({ hasText: 'Всего: 1' }).waitFor();
    await page.getByRole('link', { name: dealNumber }).click();

    await page.getByTestId('deal-title').filter({ hasText: dealNumber }).waitFor();
    assert.equal(await page.getByTestId('deal-status').textContent(), 'Новый');
    await page.getByRole('button', { name: 'Одобрить' }).click();
    await page.getByLabel('Причина').fill('доход подтверждён справкой');
    await page.getByRole('form', { name: 'Одобрить' }).getByRole('button', { name: 'Одобрить' }).click();
    await page.getByTestId('deal-status').filter({ hasText: 'Одобрен' }).waitFor();
    await page.getByRole('cell', { name: 'доход подтверждён справкой' }).waitFor();

    // The client signs on the site with the SMS code: outside the console.
    const deal = await getDeal(db.ctx.pool, dealNumber);
    await withTx(db.ctx.pool, (tx) => signDeal(tx, deal.id, 'asp:e2e', STAFF));
    await page.reload();
    await page.getByTestId('deal-status').filter({ hasText: 'Подписан (дистанционно)' }).waitFor();
    await page.getByRole('button', { name: 'Выдать' }).click();
    await page.getByLabel('Основание выдачи (касса, документ)').fill('КАССА-12');
    await page.getByRole('form', { name: 'Выдать' }).getByRole('button', { name: 'Выдать' }).click();
    await page.getByTestId('deal-status').filter({ hasText: 'Выдан' }).waitFor();
    await page.getByTestId('deal-debt').waitFor();
    const scheduleBefore = await page.getByTestId('deal-schedule').locator('tbody').textContent();
    await checkAccessibility(page, 'deal card');
    await screenshot(page, 'deal-card');

    await page.getByRole('button', { name: 'Зарегистрировать платёж' }).click();
    await page.getByLabel('Сумма, ₽ (1234.50)').fill('15000.00');
    await page.getByLabel('Досрочно погасить следующие платежи').check();
    await page
      .getByRole('form', { name: 'Зарегистрировать платёж' })
      .getByRole('button', { name: 'Зарегистрировать платёж' })
      .click();
    await page.getByRole('status').filter({ hasText: 'Готово' }).waitFor();
    const payments = page.getByTestId('deal-payments').locator('tbody tr');
    assert.equal(await payments.count(), 1);
    assert.match((await payments.first().textContent()) ?? '', /15\s000,00\s₽.*cash-desk/);
    const scheduleAfter = await page.getByTestId('deal-schedule').locator('tbody').textContent();
    assert.notEqual(scheduleAfter, scheduleBefore, 'the early payment re-amortised the schedule');
    await page.getByText('версий графика: 2').waitFor();
    await screenshot(page, 'deal-card-paid');

    await page.getByRole('link', { name: /Браузеров Игорь/ }).click();
    await page.getByRole('heading', { name: /Клиент Браузеров/ }).waitFor();
    assert.match((await page.getByTestId('passport').textContent()) ?? '', /\*{6}/);
    await page.getByRole('button', { name: 'Показать паспорт' }).click();
    await page.getByText('Просмотр паспорта записан в журнал аудита').waitFor();
    assert.match((await page.getByTestId('passport').textContent()) ?? '', /^45\s?10\s?\d{6}/);
    await checkAccessibility(page, 'client card');
    await page.close();
  });

  it('confirms an agent token', async () => {
    const page = await browser.context.newPage();
    await signInPage(page, base, 'accountant');
    await page.goto(`${base}/console/processing/agents`);
    await page.getByRole('link', { name: 'e2e-agent' }).waitFor();
    await checkAccessibility(page, 'agents');
    await screenshot(page, 'agents');
    await page.getByRole('link', { name: 'e2e-agent' }).click();
    const tokens = page.getByTestId('agent-tokens');
    await tokens.getByRole('cell', { name: 'Ожидайте подтверждения' }).waitFor();
    await tokens.getByRole('button', { name: 'Подтвердить' }).click();
    await tokens.getByRole('cell', { name: 'Токен подтвержден' }).waitFor();
    const { rows } = await db.ctx.pool.query<{ status: string }>(
      'SELECT status FROM processing.agent_tokens WHERE agent_id = $1',
      [agentId],
    );
    assert.deepEqual(rows, [{ status: 'confirmed' }]);
    await checkAccessibility(page, 'agent card');
    await screenshot(page, 'agent-card');
    await page.close();
  });

  it('downloads a registry', async () => {
    const page = await browser.context.newPage();
    await signInPage(page, base, 'support');
    await page.goto(`${base}/console/broker/registries`);
    const link = page.getByRole('link', { name: 'Скачать registry-e2e-2026-11-20.csv' });
    await link.waitFor();
    await checkAccessibility(page, 'registries');
    await screenshot(page, 'registries');
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = await download.path();
    assert.ok(file);
    assert.match(readFileSync(file, 'utf8'), /E2E-1;1500\.00/);
    await page.close();
  });

  it("verifies a wallet's KYC", async () => {
    const page = await browser.context.newPage();
    await signInPage(page, base, 'support');
    await page
      .getByRole('navigation', { name: 'Основное меню' })
      .getByRole('link', { name: 'Кошельки' })
      .click();
    await page.getByRole('heading', { name: 'Кошельки', level: 2 }).waitFor();
    await page.goto(`${base}/console/wallet/wallets?kyc=data_entered`);
    const verify = page.getByRole('button', { name: `Подтвердить данные ${walletId}` });
    await verify.waitFor();
    await checkAccessibility(page, 'wallets');
    await screenshot(page, 'wallets');
    await verify.click();
    await page
      .getByRole('status')
      .filter({ hasText: `Данные кошелька ${walletId} подтверждены` })
      .waitFor();
    await page.getByTestId('total').filter({ hasText: 'Всего: 0' }).waitFor();
    const { rows } = await db.ctx.pool.query<{ status: string }>(
      'SELECT status FROM wallet.persons WHERE wallet_id = $1',
      [walletId],
    );
    assert.deepEqual(rows, [{ status: 'data_verified' }]);
    await page.close();
  });

  it("rejects a wallet's data with a reason", async () => {
    const wallet = await createWallet(
      db.ctx,
      { phone: '+79265550022', password: 'wallet-pass' },
      { activate: true },
    );
    await setPerson(db.ctx, wallet, {
      family_name: 'Отклонова',
      given_name: 'Вера',
      passport_series_number: '4512777888',
      passport_issued_at: '2016-05-10',
    });
    const page = await browser.context.newPage();
    await signInPage(page, base, 'support');
    await page.goto(`${base}/console/wallet/wallets?kyc=data_entered`);
    await page.getByRole('button', { name: `Отклонить ${wallet.id}` }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Причина (видна в журнале аудита)').fill('паспорт не читается');
    await checkAccessibility(page, 'wallet-reject');
    await dialog.getByRole('button', { name: 'Отклонить' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Данные кошелька ${wallet.id} отклонены` })
      .waitFor();
    const { rows } = await db.ctx.pool.query(
      `SELECT details->>'reason' AS reason FROM audit.log WHERE action = 'wallet.person.reject' AND subject_id = $1`,
      [String(wallet.id)],
    );
    assert.deepEqual(rows, [{ reason: 'паспорт не читается' }]);
    await page.close();
  });

  it('shows the products and closes a business date as an accountant', async () => {
    const page = await browser.context.newPage();
    await signInPage(page, base, 'accountant');
    await page
      .getByRole('navigation', { name: 'Основное меню' })
      .getByRole('link', { name: 'Продукты и день' })
      .click();
    await page.getByTestId('lending-products').getByText('PDL30').waitFor();
    await checkAccessibility(page, 'products');
    await screenshot(page, 'products');
    const date = addDays(todayMoscow(), -1);
    await page.getByLabel('Дата (ГГГГ-ММ-ДД)').fill(date);
    await page.getByRole('button', { name: 'Закрыть день' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `День ${date} закрыт` })
      .waitFor();
    const { rows } = await db.ctx.pool.query(
      `SELECT actor_type FROM audit.log WHERE action = 'lending.cob.run' AND subject_id = $1`,
      [date],
    );
    assert.deepEqual(rows, [{ actor_type: 'staff' }]);
    await page.close();
  });

  it('refuses a role without the right: a collector opens the agents screen', async () => {
    const page = await browser.context.newPage();
    await signInPage(page, base, 'collector');
    const nav = page.getByRole('navigation', { name: 'Основное меню' });
    assert.equal(await nav.getByRole('link', { name: 'Агенты' }).count(), 0);
    await page.goto(`${base}/console/processing/agents/${agentId}`);
    await page.getByTestId('forbidden').waitFor();
    assert.match((await page.getByTestId('forbidden').textContent()) ?? '', /processing\.read/);
    const status = await page.evaluate(
      async (id) => (await fetch(`/admin/api/processing/agents/${id}`)).status,
      String(agentId),
    );
    assert.equal(status, 403);
    // A collector reads deals but may not decide: no decision buttons on the card.
    await page.goto(`${base}/console/lending/deals/${encodeURIComponent(dealNumber)}`);
    await page.getByTestId('deal-title').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Одобрить' }).count(), 0);
    await page.goto(`${base}/console/messages/sms`);
    await page.getByRole('heading', { name: 'Исходящие СМС' }).waitFor();
    await checkAccessibility(page, 'sms');
    await screenshot(page, 'sms');
    await page.close();
  });

  it('draws the period charts on the dashboard: issues and repayments per day, the broker funnel', async () => {
    // Widgets are cached for a minute: start from figures that include the first test's deal.
    await db.ctx.pool.query('DELETE FROM staff.dashboard_cache');
    const page = await browser.context.newPage();
    await signInPage(page, base, 'admin');
    const chart = (id: string) => page.locator(`[data-widget="${id}"]`);
    for (const id of [
      'lending.issued_volume_by_day',
      'lending.issued_count_by_day',
      'lending.collections_by_day',
    ])
      await chart(id).locator('svg.recharts-surface').first().waitFor();
    await chart('broker.funnel').locator('svg.recharts-surface').first().waitFor();
    // The deal issued and paid today in the first test: one non-empty bar in each day chart.
    assert.equal(await chart('lending.issued_volume_by_day').locator('path.recharts-rectangle').count(), 1);
    assert.equal(await chart('lending.collections_by_day').locator('path.recharts-rectangle').count(), 1);
    // No processing payment yet: no turnover chart.
    assert.equal(await page.locator('[data-widget^="processing.turnover_by_agent"]').count(), 0);
    await checkAccessibility(page, 'dashboard charts');
    await screenshot(page, 'dashboard-charts');
    await page.close();
  });

  it('ran under the Content Security Policy without violations', () => {
    assert.deepEqual(
      browser.consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e)),
      [],
    );
  });
});
