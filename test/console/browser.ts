import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import axe from 'axe-core';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CONSOLE_DIST } from '../../src/faces/admin/console.ts';
import type { AppContext } from '../../src/platform/context.ts';
import type { Face, FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { ROOT } from '../helpers/processes.ts';

/** What the console's browser suites share: Debian's chromium, the built app, axe-core, screenshots. */
export const CHROMIUM = process.env.KOPEK_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = path.join(ROOT, 'test-artifacts/console');
export const skipWithoutChromium = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium) to run the console's browser tests`;

/** web/dist exists and is newer than every source file of the app. */
function builtIsCurrent(): boolean {
  const index = path.join(CONSOLE_DIST, 'index.html');
  if (!existsSync(index)) return false;
  const built = statSync(index).mtimeMs;
  const newest = (dir: string): number =>
    Math.max(
      0,
      ...readdirSync(dir, { withFileTypes: true }).map((e) =>
        e.isDirectory() ? newest(path.join(dir, e.name)) : statSync(path.join(dir, e.name)).mtimeMs,
      ),
    );
  return (
    newest(path.join(ROOT, 'web/src')) < built && statSync(path.join(ROOT, 'web/index.html')).mtimeMs < built
  );
}

export function buildConsoleIfStale(): void {
  if (builtIsCurrent()) return;
  const build = spawnSync('npm', ['run', 'build:web'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(build.status, 0, `npm run build:web failed:\n${build.stdout}\n${build.stderr}`);
}

export interface Browser {
  context: BrowserContext;
  consoleErrors: string[];
  close(): Promise<void>;
}

/** The server of `faces` listening on a free loopback port, and a browser to drive it. */
export async function serveConsole(
  ctx: AppContext,
  faces: Face[],
): Promise<{ app: FaceApp; base: string; browser: Browser }> {
  const app = await buildServer(ctx, faces);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { app, base, browser: await launchBrowser() };
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const profile = mkdtempSync(path.join(os.tmpdir(), 'kopek-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1366, height: 900 },
    locale: 'ru-RU',
    acceptDownloads: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  // Generous: the machine running the suite may be busy.
  context.setDefaultTimeout(30_000);
  const consoleErrors: string[] = [];
  context.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  return {
    context,
    consoleErrors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function signInPage(page: Page, base: string, login: string, password = `${login}-password`) {
  // One browser for the suite: drop the previous test's session first.
  await page.context().clearCookies();
  await page.goto(`${base}/console/`);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill(password);
  await page.getByRole('button', { name: 'Войти' }).click();
  await page.getByRole('heading', { name: 'Панель', level: 2 }).waitFor();
}

/** axe-core in the page: no serious or critical violation. */
export async function checkAccessibility(page: Page, screen: string): Promise<void> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    const runner = (globalThis as unknown as { axe: typeof axe }).axe;
    const result = await runner.run({ resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
    }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${screen}: ${JSON.stringify(serious, null, 2)}`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
