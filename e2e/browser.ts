// Debian's Chromium for browser tests. Missing outside CI: the tests skip and say so.
// Missing with CI=true: the run fails, because CI must prove the UI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { runTillpoint, startServer, type RunningServer } from '../src/platform/testing/cli';

export const CHROMIUM = process.env.TILLPOINT_CHROMIUM ?? '/usr/bin/chromium';

export const LAUNCH_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumMissing(): boolean {
  if (fs.existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`Chromium is not at ${CHROMIUM}; .ci/run must install Debian's chromium.`);
  process.stderr.write(`Browser tests skipped: no Chromium at ${CHROMIUM} (apt-get install chromium).\n`);
  return true;
}

/**
 * Starts a demo server on a fresh data folder (the sandboxes' journals are under it) and a
 * browser for the suite, and stops both after. `stores` seeds a demo chain of that many stores
 * (S001, S002…, one region) instead of the single demo store.
 *
 * @example const env = serverAndBrowser('tp-e2e-', { stores: 2 }); … await env.browser().newPage()
 */
export function serverAndBrowser(prefix: string, options: { stores?: number } = {}): { server: () => RunningServer; browser: () => Browser; dataDir: () => string } {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const data = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  beforeAll(async () => {
    if (options.stores) {
      const seeded = await runTillpoint(['seed', '--demo', '--stores', String(options.stores), '--data', data]);
      if (seeded.code !== 0) throw new Error(`seed --demo --stores ${options.stores} failed:\n${seeded.stdout}${seeded.stderr}`);
    }
    server = await startServer(['--data', data]);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    fs.rmSync(data, { recursive: true, force: true });
  });
  const need = <T>(value: T | undefined): T => {
    if (!value) throw new Error('the browser suite has not started');
    return value;
  };
  return { server: () => need(server), browser: () => need(browser), dataDir: () => data };
}

/** Signs a cashier in at a till with the demo PIN and waits for the POS. */
export async function signInAtTill(page: Page, baseUrl: string, who: { username: string; terminal?: string }): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByRole('tab', { name: '收银员 PIN' }).click();
  if (who.terminal) await page.getByTestId('pin-terminal').fill(who.terminal);
  await page.getByTestId('pin-username').fill(who.username);
  await page.getByTestId('pin-pin').fill('1234');
  await page.getByTestId('pin-submit').click();
  await page.waitForURL('**/pos');
}
