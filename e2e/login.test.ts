// Browser test: a cashier signs in and sees the till; the language switch turns it to English.
import { describe, expect, it } from 'vitest';
import { chromiumMissing, serverAndBrowser } from './browser';

describe.skipIf(chromiumMissing())('browser: sign in at the till', () => {
  const env = serverAndBrowser('tp-e2e-');

  it('logs in as cashier and sees the POS screen, in Chinese then English', async () => {
    const page = await env.browser().newPage();
    await page.goto(`${env.server().url}/login`);
    await page.getByTestId('username').fill('cashier');
    await page.getByTestId('password').fill('demo');
    await page.getByTestId('login-submit').click();
    await page.waitForURL('**/pos');
    await expect(page.getByTestId('pos-title').textContent()).resolves.toContain('收银台');
    await expect(page.getByTestId('pos-cashier').textContent()).resolves.toContain('张收银');
    // no shift is open yet on till T01: the till asks for the float first
    await page.getByTestId('open-shift').waitFor();
    await page.getByText('English').click();
    await expect(page.getByTestId('pos-title').textContent()).resolves.toContain('Till');
    await page.close();
  });

  it('shows the wrong-password message and stays on the sign-in page', async () => {
    const page = await env.browser().newPage();
    await page.goto(`${env.server().url}/login`);
    await page.getByTestId('username').fill('cashier');
    await page.getByTestId('password').fill('nope');
    await page.getByTestId('login-submit').click();
    await expect(page.getByTestId('login-error').textContent()).resolves.toMatch(/用户名或密码错误/);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.close();
  });

  it('lets the HQ admin create a product and a category in the back office', async () => {
    const page = await env.browser().newPage();
    await page.goto(`${env.server().url}/login`);
    await page.getByTestId('username').fill('admin');
    await page.getByTestId('password').fill('demo');
    await page.getByTestId('login-submit').click();
    await page.waitForURL('**/admin');
    await page.getByTestId('admin-nav').getByText('商品').click();
    await page.getByTestId('catalog-new').click();
    await page.getByTestId('product-code').fill('E2E-001');
    await page.getByTestId('product-name').fill('测试矿泉水 550ml');
    await page.getByTestId('product-price').fill('2.50');
    await page.getByTestId('product-barcodes').fill('6901234567892');
    await page.getByTestId('product-save').click();
    await page.getByTestId('catalog-message').getByText('已保存').waitFor();
    await page.getByTestId('catalog-search').locator('input').fill('6901234567892');
    await page.getByTestId('catalog-search').locator('input').press('Enter');
    await page.getByRole('cell', { name: '测试矿泉水 550ml' }).waitFor();
    await expect(page.getByRole('cell', { name: '¥2.50' }).count()).resolves.toBe(1);
    await page.getByRole('tab', { name: '分类' }).click();
    await page.getByTestId('category-code').fill('C9901');
    await page.getByTestId('category-name').fill('测试分类');
    await page.getByTestId('category-add').click();
    await page.getByRole('cell', { name: 'C9901' }).waitFor();
    await page.close();
  });

  it('sends a manager to the back office with its navigation', async () => {
    const page = await env.browser().newPage();
    await page.goto(`${env.server().url}/admin`);
    await page.waitForURL('**/login');
    await page.getByTestId('username').fill('manager');
    await page.getByTestId('password').fill('demo');
    await page.getByTestId('login-submit').click();
    await page.waitForURL('**/admin');
    await expect(page.getByTestId('admin-nav').textContent()).resolves.toContain('对账');
    await page.close();
  });
});
