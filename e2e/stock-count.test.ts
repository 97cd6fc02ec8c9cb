// Browser test of a stock count (盘点) in the back office: the store manager starts a count of one
// category, scans two items with quantities on the handheld sheet (which never shows the book
// quantity), submits, approves, and sees the variance in units and money.
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../src/platform/money';
import type { Product } from '../src/catalog/schema';
import { chromiumMissing, serverAndBrowser } from './browser';

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

async function signIn(url: string, username: string): Promise<Call> {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'demo' }) });
  if (!res.ok) throw new Error(`sign-in → ${res.status}: ${await res.text()}`);
  const token = ((await res.json()) as { token: string }).token;
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${url}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path} → ${r.status}: ${text}`);
    return JSON.parse(text) as T;
  };
}

interface Variance {
  countNo: string;
  lines: Array<{ code: string; expected: number; counted: number; difference: number; varianceFen: number }>;
  totals: { netFen: number };
}

describe.skipIf(chromiumMissing())('browser: a stock count in the back office', () => {
  const env = serverAndBrowser('tp-e2e-count-');

  it('the manager counts two items blind, submits, approves and sees the variance', async () => {
    const url = env.server().url;
    const manager = await signIn(url, 'manager');
    // Two items sold by the piece from one category of the demo catalog.
    const { products } = await manager<{ products: Product[] }>('GET', '/products?limit=200');
    const pieces = products.filter((p) => p.unit === 'piece' && p.barcodes.length > 0 && p.components.length === 0 && p.active);
    const byCategory = new Map<string, Product[]>();
    for (const p of pieces) byCategory.set(p.categoryId, [...(byCategory.get(p.categoryId) ?? []), p]);
    const pair = [...byCategory.values()].find((ps) => ps.length >= 2);
    if (!pair) throw new Error('the demo catalog has no category with two piece items');
    const [a, b] = pair as [Product, Product];
    const { categories } = await manager<{ categories: Array<{ id: string; code: string }> }>('GET', '/categories');
    const categoryCode = categories.find((c) => c.id === a.categoryId)?.code ?? '';
    const onHand = async (p: Product) => (await manager<{ stores: Array<{ storeCode: string; qty: number }> }>('GET', `/stock/where?code=${p.barcodes[0]}`)).stores.find((s) => s.storeCode === 'S001')?.qty ?? 0;
    const [bookA, bookB] = [await onHand(a), await onHand(b)];

    const page = await env.browser().newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${url}/login`);
    await page.getByTestId('username').fill('manager');
    await page.getByTestId('password').fill('demo');
    await page.getByTestId('login-submit').click();
    await page.waitForURL('**/admin');
    await page.getByTestId('admin-nav').getByText('库存').click();
    await page.getByRole('tab', { name: '盘点' }).click();
    await page.getByTestId('count-category').fill(categoryCode);
    await page.getByTestId('count-start').click();
    await page.getByTestId('count-sheet').waitFor();
    await expect(page.getByTestId('count-status').textContent()).resolves.toBe('盘点中');

    // A keyboard-wedge scan: quantity first, then the code and Enter.
    await page.getByTestId('count-qty').fill('5');
    await page.getByTestId('count-scan').fill(a.barcodes[0] as string);
    await page.getByTestId('count-scan').press('Enter');
    await page.getByTestId('count-lines').getByText(`${a.name} (${a.code})`).waitFor();
    await page.getByTestId('count-qty').fill('3');
    await page.getByTestId('count-scan').fill(b.barcodes[0] as string);
    await page.getByTestId('count-scan').press('Enter');
    await page.getByTestId('count-lines').getByText(`${b.name} (${b.code})`).waitFor();
    const sheet = (await page.getByTestId('count-sheet').textContent()) ?? '';
    expect(sheet).toContain('实盘数量');
    // Blind: no book quantity column while counting.
    expect(sheet).not.toContain('账面数量');
    const rows = await page.getByTestId('count-lines').locator('tbody tr').allTextContents();
    expect(rows).toEqual([`${a.name} (${a.code})5`, `${b.name} (${b.code})3`]);

    await page.getByTestId('count-submit').click();
    await expect(page.getByTestId('count-status').getByText('待审批').waitFor()).resolves.toBeUndefined();
    await page.getByTestId('count-approve').click();
    await page.getByTestId('variance-table').waitFor();
    // The status refreshes after the variance arrives: wait for it rather than read it at once.
    await page.getByTestId('count-status').getByText('已审批').waitFor();

    const { counts } = await manager<{ counts: Array<{ id: string; status: string }> }>('GET', '/stock-counts?store=S001');
    const variance = await manager<Variance>('GET', `/stock-counts/${counts[0]?.id}/variance?store=S001`);
    const lineA = variance.lines.find((l) => l.code === a.code);
    const lineB = variance.lines.find((l) => l.code === b.code);
    expect(lineA).toMatchObject({ expected: bookA, counted: 5, difference: 5 - bookA });
    expect(lineB).toMatchObject({ expected: bookB, counted: 3, difference: 3 - bookB });
    const shownA = await page.getByTestId('variance-table').locator('tbody tr', { hasText: a.code }).textContent();
    expect(shownA).toContain(formatMoney(lineA?.varianceFen ?? 0));
    expect(shownA).toContain(`${5 - bookA > 0 ? '+' : ''}${5 - bookA}`);
    await expect(page.getByTestId('variance-total').textContent()).resolves.toContain(formatMoney(variance.totals.netFen));
    expect(await onHand(a)).toBe(5);
    expect(await onHand(b)).toBe(3);
    await page.close();
  });
});
