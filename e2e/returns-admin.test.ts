// Browser test of the back office's returns inbox: a cashier sells something over their ¥200
// return limit and asks for approval from the till; the store manager sees the request appear
// in 待审批 without reloading, approves it, and the till's view of the approval says approved.
// The cashier then takes the return and it shows in 退货记录; the policy is read-only for a store manager.
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../src/platform/money';
import type { Product } from '../src/catalog/schema';
import { chromiumMissing, serverAndBrowser } from './browser';
import { signInAtBackOffice } from './back-office';

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** JSON calls to the API with a bearer token; a non-2xx answer fails with its body. */
function caller(url: string, token: string): Call {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  };
}

async function signIn(url: string, path: string, body: unknown): Promise<Call> {
  const res = await fetch(`${url}/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`sign-in → ${res.status}: ${await res.text()}`);
  return caller(url, ((await res.json()) as { token: string }).token);
}

/**
 * A demo product sold by the piece, and how many of it make a sale the cashier may not refund
 * alone (over ¥200 after 满100减20) but a store manager may (the default policy's ¥2,000).
 */
async function overCashierLimit(admin: Call): Promise<{ product: Product; qty: number }> {
  const { products } = await admin<{ products: Product[] }>('GET', '/products?limit=200');
  const pieces = products.filter((p) => p.unit === 'piece' && p.barcodes.length > 0 && p.components.length === 0 && p.priceFen >= 1000).sort((a, b) => b.priceFen - a.priceFen);
  const product = pieces[0];
  if (!product) throw new Error('the demo catalog has no product sold by the piece with a barcode');
  return { product, qty: Math.ceil(25_000 / product.priceFen) };
}

describe.skipIf(chromiumMissing())('browser: returns in the back office', () => {
  const env = serverAndBrowser('tp-e2e-returns-');

  it('the manager approves a till’s request from the inbox, and cannot change the policy', async () => {
    const url = env.server().url;
    const admin = await signIn(url, '/auth/login', { username: 'admin', password: 'demo' });
    const cashier = await signIn(url, '/auth/pin', { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' });
    await cashier('POST', '/shifts/open', { floatFen: 0 });
    const { product, qty } = await overCashierLimit(admin);
    let cart = await cashier<{ id: string; dueFen: number }>('POST', '/carts', {});
    for (let i = 0; i < qty; i++) cart = await cashier('POST', `/carts/${cart.id}/scan`, { code: product.barcodes[0] });
    expect(cart.dueFen).toBeGreaterThan(20_000);
    expect(cart.dueFen).toBeLessThanOrEqual(200_000);
    await cashier('POST', `/carts/${cart.id}/tenders`, { method: 'card', amountFen: cart.dueFen });
    const sale = await cashier<{ receiptNo: string; lines: Array<{ lineNo: number; qty: number }> }>('POST', `/carts/${cart.id}/complete`);
    const request = { receiptNo: sale.receiptNo, lines: sale.lines.map((l) => ({ lineNo: l.lineNo, qty: l.qty })), reasonCode: 'changed_mind' };

    const page = await env.browser().newPage({ viewport: { width: 1400, height: 900 } });
    await signInAtBackOffice(page, url, 'manager');
    await page.getByTestId('admin-nav').getByText('退货审批').click();
    await page.getByTestId('approvals-table').getByText('没有待审批的退货申请').waitFor();

    // Asked after the inbox is open: the 5-second refresh must bring it in.
    const asked = await cashier<{ id: string; status: string; amountFen: number; requiredRole: string }>('POST', '/approvals', { return: request });
    expect(asked).toMatchObject({ status: 'pending', amountFen: cart.dueFen, requiredRole: 'store_manager' });
    const row = page.getByTestId('approvals-table').locator(`tr[data-row-key="${asked.id}"]`);
    await row.waitFor({ timeout: 15_000 });
    await expect(row.textContent()).resolves.toContain(sale.receiptNo);
    await expect(row.textContent()).resolves.toContain('张收银');
    await expect(row.textContent()).resolves.toContain(formatMoney(cart.dueFen));
    await expect(row.textContent()).resolves.toContain('不想要了');
    await expect(row.textContent()).resolves.toContain('店长');

    await page.getByTestId(`approve-${asked.id}`).click();
    await expect(page.getByTestId('approvals-message').textContent()).resolves.toContain(`已批准小票 ${sale.receiptNo} 的退货`);
    await row.waitFor({ state: 'detached' });
    const polled = await cashier<{ status: string; approver: { name: string; method: string } | null }>('GET', `/approvals/${asked.id}`);
    expect(polled).toMatchObject({ status: 'approved', approver: { name: '王店长', method: 'password@back-office' } });

    // The till completes the return with the approval; it is listed under today's returns.
    const done = await cashier<{ id: string; returnNo: string; refundFen: number }>('POST', '/returns', { ...request, approvalId: asked.id });
    expect(done.refundFen).toBe(cart.dueFen);
    await page.getByRole('tab', { name: '退货记录' }).click();
    const returned = page.getByTestId('returns-table').locator(`tr[data-row-key="${done.id}"]`);
    await returned.waitFor();
    await expect(returned.textContent()).resolves.toContain(done.returnNo);
    await expect(returned.textContent()).resolves.toContain('不想要了');
    await expect(returned.textContent()).resolves.toContain(formatMoney(done.refundFen));

    await page.getByRole('tab', { name: '退货政策' }).click();
    await page.getByTestId('policy-readonly').waitFor();
    await expect(page.getByTestId('policy-save').isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId('policy-window-days').isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId('policy-window-days').inputValue()).resolves.toBe('30');
    await expect(page.getByTestId('policy-cashier-per-return').inputValue()).resolves.toBe('200.00');
    await expect(page.getByTestId('policy-regional_manager-per-return').inputValue()).resolves.toBe('');
    await page.close();
  });

  it('a regional manager changes the cashier’s limits in yuan, blank meaning no limit', async () => {
    const url = env.server().url;
    const page = await env.browser().newPage({ viewport: { width: 1400, height: 900 } });
    await signInAtBackOffice(page, url, 'regional');
    await page.getByTestId('admin-nav').getByText('退货审批').click();
    await page.getByRole('tab', { name: '退货政策' }).click();
    await expect(page.getByTestId('policy-cashier-per-return').inputValue()).resolves.toBe('200.00');
    await expect(page.getByTestId('policy-readonly').count()).resolves.toBe(0);
    await page.getByTestId('policy-cashier-per-return').fill('350.5');
    await page.getByTestId('policy-cashier-per-shift').fill('');
    await page.getByTestId('policy-save').click();
    await expect(page.getByTestId('policy-message').textContent()).resolves.toContain('退货政策已保存');
    const admin = await signIn(url, '/auth/login', { username: 'admin', password: 'demo' });
    const policy = await admin<{ limits: { cashier: { perReturnFen: number | null; perShiftFen: number | null } }; windowDays: number }>('GET', '/stores/S001/return-policy');
    expect(policy.limits.cashier).toEqual({ perReturnFen: 35_050, perShiftFen: null });
    expect(policy.windowDays).toBe(30);
    await page.close();
  });
});
