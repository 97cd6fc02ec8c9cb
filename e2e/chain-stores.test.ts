// Browser test: HQ's admin opens 门店与区域 and sees two stores with their nodes' health — one
// whose node just pulled (online, its version, its queue), one whose node has not been heard
// from (offline) — then renames a store.
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, serverAndBrowser } from './browser';
import { signedHeaders } from '../src/sync/signing';
import { APP_VERSION } from '../src/sync/health';
import { signInAtBackOffice } from './back-office';

describe.skipIf(chromiumMissing())('browser: HQ stores and regions', () => {
  const env = serverAndBrowser('tp-e2e-chain-');

  async function call<T>(method: string, url: string, token: string, body?: unknown): Promise<T> {
    const res = await fetch(`${env.server().url}/api/v1${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  it('shows each store’s node health and saves a new store name', async () => {
    const base = env.server().url;
    const { token } = (await (await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'demo' }) })).json()) as { token: string };
    const { stores } = await call<{ stores: Array<{ code: string }> }>('GET', '/stores', token);
    if (!stores.some((s) => s.code === 'S002')) await call('POST', '/stores', token, { code: 'S002', name: '二号店', address: '上海市静安区南京西路 2 号' });
    const s1 = await call<{ nodeId: string; secret: string }>('POST', '/sync/nodes', token, { storeCode: 'S001' });
    await call('POST', '/sync/nodes', token, { storeCode: 'S002' });
    // S001's node pulls once, reporting its version and 3 queued documents, as a store node does.
    const pullPath = '/api/v1/sync/pull?limit=1';
    const pulled = await fetch(`${base}${pullPath}`, { headers: { ...signedHeaders(s1.nodeId, Buffer.from(s1.secret, 'base64url'), { method: 'GET', path: pullPath, body: '' }, Date.now()), 'x-tp-app-version': APP_VERSION, 'x-tp-queued': '3' } });
    expect(pulled.status, await pulled.text()).toBe(200);
    // HQ lets stores price within ±10 %; S001 sells a product ¥0.10 under HQ's price.
    await call('PUT', '/price-override-policy', token, { scope: 'chain', policy: { allowed: true, maxDeltaPercent: 10 } });
    const { products } = await call<{ products: Array<{ code: string; priceFen: number; unit: string }> }>('GET', '/products?limit=50', token);
    const product = products.find((p) => p.unit === 'piece' && p.priceFen >= 1000);
    if (!product) throw new Error('the demo catalog has no piece product of ¥10 or more');
    await call('PUT', `/stores/S001/price-overrides/${product.code}`, token, { priceFen: product.priceFen - 10 });

    const page = await env.browser().newPage();
    await signInAtBackOffice(page, base, 'admin');
    await page.getByTestId('admin-nav').getByText('门店与区域').click();

    const table = page.getByTestId('chain-stores');
    const row1 = table.locator('tr', { hasText: 'S001' });
    const row2 = table.locator('tr', { hasText: 'S002' });
    await row1.getByText('在线').waitFor();
    await expect(row1.textContent()).resolves.toContain(APP_VERSION);
    // The queue column, after the expand cell and eight others.
    await expect(row1.locator('td').nth(9).textContent()).resolves.toBe('3');
    await row2.getByText('离线').waitFor();
    await expect(row2.textContent()).resolves.toContain('上海市静安区南京西路 2 号');
    await expect(row2.textContent()).resolves.toContain('从未');
    // S001's own price, beside HQ's, in its expanded row.
    await row1.locator('.ant-table-row-expand-icon').click();
    const own = page.locator('.ant-table-expanded-row tr.ant-table-row', { hasText: product.code });
    await own.getByText('生效中').waitFor();
    await expect(own.textContent()).resolves.toContain(`¥${((product.priceFen - 10) / 100).toFixed(2)}¥${(product.priceFen / 100).toFixed(2)}`);
    await page.screenshot({ path: path.join(os.tmpdir(), 'tp-chain-stores.png'), fullPage: true });

    // The sync-exception count opens the store's list (none here: API tests in src/sync/exceptions.test.ts).
    await page.getByTestId('store-exceptions-S002').click();
    await page.getByText('S002 的同步异常').waitFor();
    await page.getByText('没有同步异常').waitFor();
    await page.keyboard.press('Escape');
    await page.getByText('S002 的同步异常').waitFor({ state: 'hidden' });
    await page.getByTestId('store-edit-S002').click();
    await page.getByTestId('store-name').fill('静安旗舰店');
    await page.getByTestId('store-save').click();
    await page.getByTestId('chain-message').getByText('已保存').waitFor();
    await row2.getByText('静安旗舰店').waitFor();
    const after = await call<{ stores: Array<{ code: string; name: string }> }>('GET', '/stores', token);
    expect(after.stores.find((s) => s.code === 'S002')?.name).toBe('静安旗舰店');
    await page.close();
  });
});
