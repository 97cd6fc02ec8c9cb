// Browser test: a cashier sells at the till (through the API), then the auditor opens the audit
// trail in the back office and finds the sale and the shift opening, with who did them where.
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, serverAndBrowser } from './browser';
import { signInAtBackOffice } from './back-office';

async function sellOne(url: string): Promise<{ receiptNo: string }> {
  const call = async <T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const { token } = await call<{ token: string }>('POST', '/auth/pin', null, { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' });
  await call('POST', '/shifts/open', token, { floatFen: 20_000 });
  const { products } = await call<{ products: Array<{ skuId: string; unit: string; priceFen: number }> }>('GET', '/products?limit=50', token);
  const product = products.find((p) => p.unit === 'piece' && p.priceFen > 0);
  if (!product) throw new Error('the demo catalog has no piece product');
  const cart = await call<{ id: string }>('POST', '/carts', token, {});
  const priced = await call<{ dueFen: number }>('POST', `/carts/${cart.id}/lines`, token, { skuId: product.skuId, qty: 2 });
  await call('POST', `/carts/${cart.id}/tenders`, token, { method: 'cash', amountFen: Math.ceil((priced.dueFen + 1) / 10_000) * 10_000 });
  return call<{ receiptNo: string }>('POST', `/carts/${cart.id}/complete`, token);
}

describe.skipIf(chromiumMissing())('browser: the audit trail', () => {
  const env = serverAndBrowser('tp-e2e-audit-');

  it('shows the auditor the sale and the shift opening, and filters by type', async () => {
    const sale = await sellOne(env.server().url);
    const page = await env.browser().newPage();
    await signInAtBackOffice(page, env.server().url, 'auditor');
    await page.getByTestId('admin-nav').getByText('审计日志').click();

    const table = page.getByTestId('audit-table');
    const saleRow = table.locator('tr', { hasText: '完成销售' });
    await saleRow.waitFor();
    await expect(saleRow.textContent()).resolves.toMatch(/张收银 \(cashier\).*S001/);
    await expect(table.locator('tr', { hasText: '开班' }).count()).resolves.toBe(1);
    // The record's data, expanded, carries the receipt number.
    await saleRow.locator('.ant-table-row-expand-icon').click();
    await table.getByText(sale.receiptNo).waitFor();
    await page.screenshot({ path: path.join(os.tmpdir(), 'tp-audit-trail.png'), fullPage: true });

    // Only shift records, then none for a day before the sale.
    await page.getByTestId('audit-action').click();
    await page.locator('.ant-select-item-option', { hasText: '开班交班' }).click();
    await page.getByTestId('audit-search').click();
    await table.locator('tr', { hasText: '完成销售' }).waitFor({ state: 'detached' });
    await expect(table.locator('tr', { hasText: '开班' }).count()).resolves.toBe(1);
    await page.getByTestId('audit-to').fill('2020-01-01');
    await page.getByTestId('audit-search').click();
    await table.getByText('没有符合条件的审计记录').waitFor();
    await page.close();
  });
});
