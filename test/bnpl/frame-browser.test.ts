import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import axe from 'axe-core';
import { type BrowserContext, chromium } from 'playwright-core';
import { moneywallDemoFace } from '../../src/faces/moneywall/demo-face.ts';
import { moneywallFace } from '../../src/faces/moneywall/face.ts';
import { moneywallFrameFace } from '../../src/faces/moneywall/frame-face.ts';
import { latestSmsText } from '../../src/notify/outbox.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { ROOT } from '../helpers/processes.ts';
import { type Harness, harness } from './harness.ts';

const CHROMIUM = process.env.KOPEK_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts/bnpl');
const skip = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium to run the frame's browser test`;

/**
 * The customer's whole journey in headless Chromium: the demo merchant page calls init and embeds
 * the frame; in the iframe the graph, the prefilled form, consents, the SMS code, the card on the
 * acquirer simulator's page, and the way back to the merchant's order page.
 */
describe('Moneywall frame in Chromium', { skip, timeout: 240_000 }, () => {
  let h: Harness;
  let app: FaceApp;
  let base: string;
  let context: BrowserContext;
  let profile: string;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await harness();
    app = await buildServer({ ...h.db.ctx, config: { ...h.db.ctx.config, mode: 'development' } }, [
      moneywallFace,
      moneywallFrameFace,
      moneywallDemoFace,
    ]);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    profile = mkdtempSync(path.join(os.tmpdir(), 'kopek-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 420, height: 900 },
      locale: 'ru-RU',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-sync',
      ],
    });
    context.setDefaultTimeout(30_000);
  });

  after(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await app?.close();
    await h?.close();
  });

  it('pays in three parts from the merchant page to the order page', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/moneywall-demo/`);
    await page.getByRole('button', { name: 'Оплатить частями' }).click();
    const frame = page.frameLocator('#frame');
    await frame.getByRole('heading', { name: 'Оплата частями' }).waitFor();
    // Graph: three payments of 12 000 × 1.10 / 3 = 4 400 ₽ (departure in 90 days).
    await assert.doesNotReject(frame.locator('[data-total]').filter({ hasText: '13' }).waitFor());
    assert.equal(await frame.locator('.graph li').count(), 3);
    assert.match((await frame.locator('.graph li').first().textContent()) ?? '', /4\s400,00/);
    // Prefilled from init's local_passport and address.
    assert.equal(await frame.locator('#last_name').inputValue(), 'Иванов');
    assert.equal(await frame.locator('#passport_code').inputValue(), '663-402');
    assert.equal(await frame.locator('#city').inputValue(), 'Москва');
    await page.screenshot({ path: path.join(ARTIFACTS, 'frame-form.png'), fullPage: true });
    // axe-core inside the frame: no serious or critical violation.
    const inner = page.frames().find((f) => f.url().includes('/frame/'))!;
    await inner.evaluate(axe.source);
    const violations = await inner.evaluate(async () => {
      const runner = (globalThis as unknown as { axe: typeof axe }).axe;
      const result = await runner.run({ resultTypes: ['violations'] });
      return result.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
    });
    assert.deepEqual(violations, []);
    // Without consents the form is returned with a message.
    await frame.getByRole('button', { name: 'Получить код по СМС' }).click();
    await frame.getByText('Проверьте выделенные поля.').waitFor();
    for (const name of ['consent_terms', 'consent_personal_data', 'consent_asp'])
      await frame.locator(`input[name="${name}"]`).check();
    await frame.getByRole('button', { name: 'Получить код по СМС' }).click();
    await frame.getByLabel('Код из СМС').waitFor();
    const { rows } = await h.db.ctx.pool.query(`SELECT id FROM bnpl.sessions ORDER BY id DESC LIMIT 1`);
    const sms = await latestSmsText(h.db.ctx.pool, h.db.ctx, {
      module: 'bnpl',
      subjectId: BigInt(rows[0].id),
    });
    const code = /(\d{6})/.exec(sms ?? '')![1]!;
    await frame.getByLabel('Код из СМС').fill(code === '000000' ? '111111' : '000000');
    await frame.getByRole('button', { name: 'Подтвердить' }).click();
    await frame.getByText('Неверный код').waitFor();
    await frame.getByLabel('Код из СМС').fill(code);
    await frame.getByRole('button', { name: 'Подтвердить' }).click();
    await frame.getByText('Договор подписан').waitFor();
    await frame.getByRole('button', { name: /Оплатить 4\s400,00/ }).click();
    // The acquirer simulator's card form, inside the iframe.
    await frame.getByLabel('Номер карты').fill('4111 1111 1111 1111');
    await frame.getByLabel('Срок (ММ/ГГ)').fill('12/29');
    await frame.getByLabel('CVC').fill('123');
    await page.screenshot({ path: path.join(ARTIFACTS, 'acquirer-form.png'), fullPage: true });
    await frame.getByRole('button', { name: 'Оплатить' }).click();
    await frame.getByText('договор открыт').waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'frame-done.png'), fullPage: true });
    // The frame takes the whole tab back to the merchant's order page.
    await page.waitForURL(/\/moneywall-demo\/order\/demo-/);
    await page.getByRole('heading', { name: 'Заказ оформлен' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACTS, 'merchant-order.png'), fullPage: true });
    const session = await h.db.ctx.pool.query(`SELECT state, web_mode FROM bnpl.sessions WHERE id = $1`, [
      rows[0].id,
    ]);
    assert.deepEqual(session.rows[0], { state: 'authorized', web_mode: 'iframe' });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
