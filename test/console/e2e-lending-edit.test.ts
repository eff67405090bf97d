import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { consoleFace } from '../../src/faces/admin/console.ts';
import { adminFace } from '../../src/faces/admin/face.ts';
import { platformFace } from '../../src/faces/platform/face.ts';
import { createApplication } from '../../src/lending/deals/applications.ts';
import { decideDeal, signDeal } from '../../src/lending/deals/decisions.ts';
import { startCardPayoutSimulator } from '../../src/lending/issue/card-payout-simulator.ts';
import { getProduct } from '../../src/lending/products/repository.ts';
import { attachCard } from '../../src/mymfo/cards.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
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
 * Editing a loan product in Chromium: an out-of-cap rate is refused with the lending module's
 * Russian message shown in the form, a rate within the caps is saved and the list shows it;
 * axe-core on the open form, no Content Security Policy violation.
 */
describe('operator console: editing a product in Chromium', {
  skip: skipWithoutChromium,
  timeout: 300_000,
}, () => {
  let db: TestDatabase;
  let app: FaceApp;
  let base: string;
  let browser: Browser;

  before(async () => {
    buildConsoleIfStale();
    db = await testDatabase();
    await withTx(db.ctx.pool, (tx) => staffSeeder.seed(tx, db.ctx));
    await seedProducts(db.ctx);
    ({ app, base, browser } = await serveConsole(db.ctx, [platformFace, adminFace, consoleFace()]));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  it('edits a product: an out-of-cap rate is refused in the form, a rate within the caps is saved', async () => {
    const page = await browser.context.newPage();
    await signInPage(page, base, 'admin');
    await page
      .getByRole('navigation', { name: 'Основное меню' })
      .getByRole('link', { name: 'Продукты и день' })
      .click();
    await page.getByTestId('lending-products').getByText('PDL30').waitFor();
    await page.getByRole('button', { name: 'Изменить продукт PDL30' }).click();
    const form = page.getByRole('form', { name: 'Изменить продукт PDL30' });
    await form.waitFor();
    await checkAccessibility(page, 'product form');

    await form.getByLabel('Ставка, % в день').fill('abc');
    await form.getByRole('button', { name: 'Сохранить' }).click();
    await form.getByText('Десятичное число, например 0.8').waitFor();

    await form.getByLabel('Ставка, % в день').fill('0.9');
    await form.getByRole('button', { name: 'Сохранить' }).click();
    await form
      .getByTestId('product-form-error')
      .filter({ hasText: 'ставка 0.9% в день выше предельной 0.8%' })
      .waitFor();
    assert.equal((await getProduct(db.ctx.pool, 'PDL30')).dailyRate, '0.8');
    await screenshot(page, 'product-form-refused');

    await form.getByLabel('Ставка, % в день').fill('0.7');
    await form.getByLabel('Название').fill('До зарплаты, 0,7 % в день');
    await form.getByRole('button', { name: 'Сохранить' }).click();
    await page.getByRole('status').filter({ hasText: 'Продукт PDL30 сохранён' }).waitFor();
    await page.getByTestId('lending-products').getByText('До зарплаты, 0,7 % в день').waitFor();
    const saved = await getProduct(db.ctx.pool, 'PDL30');
    assert.equal(saved.dailyRate, '0.7');
    const { rows } = await db.ctx.pool.query(
      `SELECT actor_type FROM audit.log WHERE action = 'lending.product.update' AND subject_id = 'PDL30'`,
    );
    assert.deepEqual(rows, [{ actor_type: 'staff' }]);
    await page.close();
  });

  it('issues a signed deal to the client’s card through the payout simulator', async () => {
    const sim = await startCardPayoutSimulator();
    after(() => sim.close());
    db.ctx.config.lendingCardPayoutUrl = sim.url.replace(/\/$/, '');
    const deal = await withTx(db.ctx.pool, async (tx) => {
      const { deal } = await createApplication(
        tx,
        db.ctx.cipher,
        { client: clientInput(), product: 'PDL30', amount: 1_000_000n, termDays: 30 },
        STAFF,
      );
      if (deal.status !== 'Одобрен') await decideDeal(tx, deal.id, 'approve', 'проверено', STAFF);
      await signDeal(tx, deal.id, 'asp:e2e', STAFF);
      return deal;
    });
    await attachCard(
      db.ctx,
      { clientId: deal.clientId },
      {
        token: 'tok-e2e-4242',
        number: '427600******4242',
        holder: 'TEST TESTOV',
        validity: '122030',
        service: 'sim',
      },
      STAFF,
    );
    const page = await browser.context.newPage();
    await signInPage(page, base, 'accountant');
    await page.goto(`${base}/console/lending/deals/${encodeURIComponent(deal.number)}`);
    await page.getByTestId('deal-status').filter({ hasText: 'Подписан (дистанционно)' }).waitFor();
    await page.getByRole('button', { name: 'Выдать' }).click();
    const form = page.getByRole('form', { name: 'Выдать' });
    await form.getByLabel('Способ выдачи').click();
    await page.getByRole('option', { name: 'На карту клиента' }).click();
    await form.getByLabel('Карта клиента').waitFor();
    assert.match((await form.getByLabel('Карта клиента').inputValue()) ?? '', /427600\*{6}4242/);
    await form.getByRole('button', { name: 'Выдать' }).click();
    await page.getByTestId('deal-status').filter({ hasText: 'Выдан' }).waitFor();
    const payouts = await page.getByTestId('deal-payouts').locator('tbody').textContent();
    assert.match(payouts ?? '', /427600\*{6}4242/);
    assert.match(payouts ?? '', /выплачено/);
    assert.ok(!(await page.content()).includes('tok-e2e-4242'), 'the card token never reaches the browser');
    assert.equal(sim.paid.size, 1);
    await checkAccessibility(page, 'deal card with payouts');
    await screenshot(page, 'deal-card-payout');
    await page.close();
  });

  it('ran under the Content Security Policy without violations', () => {
    assert.deepEqual(
      browser.consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e)),
      [],
    );
  });
});
