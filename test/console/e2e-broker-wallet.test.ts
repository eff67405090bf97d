import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { consoleFace } from '../../src/faces/admin/console.ts';
import { adminFace } from '../../src/faces/admin/face.ts';
import { denimhubFace } from '../../src/faces/denimhub/face.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { staffSeeder } from '../../src/staff/demo.ts';
import { createWallet } from '../../src/wallet/wallets.ts';
import { posForm } from '../broker/harness.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
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
 * The broker configuration and wallet payment screens in Chromium: an administrator creates a
 * partner (its token shown once) and a point with an operator on the partner card, and the token
 * then files a form on the partner API; the wallet payments list links to the wallet's card, which
 * links back to the list filtered by the wallet; axe-core on each screen.
 */
describe('operator console: broker partners and wallet payments in Chromium', {
  skip: skipWithoutChromium,
  timeout: 300_000,
}, () => {
  let db: TestDatabase;
  let app: FaceApp;
  let base: string;
  let browser: Browser;
  let walletId = 0n;

  before(async () => {
    buildConsoleIfStale();
    db = await testDatabase();
    await withTx(db.ctx.pool, (tx) => staffSeeder.seed(tx, db.ctx));
    const wallet = await createWallet(
      db.ctx,
      { phone: '+79265557788', password: 'wallet-pass' },
      { activate: true },
    );
    walletId = wallet.id;
    await db.ctx.pool.query(
      `INSERT INTO wallet.payments (wallet_id, client_payment_id, request_hash, service_id, service_name, amount, fee,
                                    state, parameters, result)
       VALUES ($1, gen_random_uuid(), 'h', 'mts', 'МТС', 25000, 100, 'finished', '[]', 0)`,
      [walletId],
    );
    ({ app, base, browser } = await serveConsole(db.ctx, [adminFace, denimhubFace, consoleFace()]));
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    await db?.close();
  });

  it('creates a partner and a point; the token shown once files a form', async () => {
    const page = await browser.context.newPage();
    await signInPage(page, base, 'admin');
    await page
      .getByRole('navigation', { name: 'Основное меню' })
      .getByRole('link', { name: 'Партнёры брокера' })
      .click();
    await page.getByRole('heading', { name: 'Партнёры брокера и точки', level: 2 }).waitFor();
    await page.getByLabel('partner_guid').fill('e2e-shop');
    await page.getByLabel('Название', { exact: false }).first().fill('Магазин E2E');
    await page.getByRole('button', { name: 'Новый партнёр' }).click();
    const token = (await page.getByTestId('partner-token').textContent())?.trim() ?? '';
    assert.match(token, /^[A-Za-z0-9_-]{40,}$/);
    await checkAccessibility(page, 'partners');
    await screenshot(page, 'partners');

    await page.getByRole('link', { name: 'Карточка партнёра Магазин E2E' }).click();
    await page.getByRole('heading', { name: 'Партнёр «Магазин E2E»', level: 2 }).waitFor();
    await page.getByLabel('Код точки').fill('e2e-point');
    await page.getByLabel('Название или адрес точки').fill('г. Москва, ул. Тестовая, 1');
    await page.getByLabel('point_user_code', { exact: true }).fill('op-1');
    await page.getByLabel('ФИО оператора').fill('Петрова Анна Сергеевна');
    await page.getByRole('button', { name: 'Новая точка' }).click();
    await page
      .getByRole('region', { name: 'e2e-point' })
      .getByRole('cell', { name: 'Петрова Анна Сергеевна' })
      .waitFor();
    await checkAccessibility(page, 'partner card');
    await screenshot(page, 'partner-card');

    const res = await app.inject({
      method: 'POST',
      url: '/dp/create_form',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      payload: JSON.stringify(posForm('e2e-shop', 'e2e-point')),
    });
    assert.equal(res.json().status, 'success', res.body);
    await page.close();
  });

  it('lists wallet payments and opens the wallet card by its link, and back to its payments', async () => {
    const page = await browser.context.newPage();
    await signInPage(page, base, 'support');
    await page
      .getByRole('navigation', { name: 'Основное меню' })
      .getByRole('link', { name: 'Платежи кошельков' })
      .click();
    await page.getByRole('heading', { name: 'Платежи кошельков', level: 2 }).waitFor();
    await page.getByTestId('total').filter({ hasText: 'Всего: 1' }).waitFor();
    await checkAccessibility(page, 'wallet payments');
    await screenshot(page, 'wallet-payments');
    await page.getByRole('link', { name: new RegExp(`^${walletId} `) }).click();
    await page.getByRole('heading', { name: `Кошелёк ${walletId}`, level: 2 }).waitFor();
    await page.getByRole('cell', { name: 'МТС (mts)' }).waitFor();
    await checkAccessibility(page, 'wallet card');
    await screenshot(page, 'wallet-card');
    await page.getByRole('link', { name: 'Все платежи кошелька' }).click();
    await page.getByTestId('total').filter({ hasText: 'Всего: 1' }).waitFor();
    assert.match(page.url(), new RegExp(`wallet=${walletId}`));
    await page.close();
  });
});
