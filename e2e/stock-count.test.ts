// Browser tests of stock counts (盘点) in the back office: the store manager starts a count of one
// category, scans two items with quantities on the handheld sheet (which never shows the book
// quantity), submits, approves, and sees the variance in units and money; then sets shelf
// locations by pasting lines and counts one aisle by location.
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../src/platform/money';
import type { Product } from '../src/catalog/schema';
import { chromiumMissing, serverAndBrowser } from './browser';
import { apiAs, onHandAt, signInAtBackOffice } from './back-office';

interface Variance {
  countNo: string;
  lines: Array<{ code: string; expected: number; counted: number; difference: number; varianceFen: number }>;
  totals: { netFen: number };
}

describe.skipIf(chromiumMissing())('browser: a stock count in the back office', () => {
  const env = serverAndBrowser('tp-e2e-count-');

  it('the manager counts two items blind, submits, approves and sees the variance', async () => {
    const url = env.server().url;
    const manager = await apiAs(url, 'manager');
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
    const onHand = (p: Product) => onHandAt(manager, 'S001', p.barcodes[0] as string);
    const [bookA, bookB] = [await onHand(a), await onHand(b)];

    const page = await env.browser().newPage({ viewport: { width: 1280, height: 900 } });
    await signInAtBackOffice(page, url, 'manager');
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
    expect(rows).toEqual([`—${a.name} (${a.code})5`, `—${b.name} (${b.code})3`]);

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

  it('the manager pastes shelf locations (a bad line named, nothing saved), fixes it, and counts aisle A-03', async () => {
    const url = env.server().url;
    const manager = await apiAs(url, 'manager');
    const { products } = await manager<{ products: Product[] }>('GET', '/products?limit=200');
    const [a, b, c] = products.filter((p) => p.unit === 'piece' && p.barcodes.length > 0 && p.components.length === 0 && p.active).slice(-3);
    if (!a || !b || !c) throw new Error('the demo catalog has no three piece items with barcodes');
    const bookB = await onHandAt(manager, 'S001', b.barcodes[0] as string);

    const page = await env.browser().newPage({ viewport: { width: 1280, height: 900 } });
    await signInAtBackOffice(page, url, 'manager');
    await page.getByTestId('admin-nav').getByText('库存').click();
    await page.getByRole('tab', { name: '货位' }).click();
    await page.getByTestId('location-paste').fill(`货号,货位\n${a.code},A-03-1\n${b.barcodes[0]},A 03 2\n${c.code},B-01-1`);
    await page.getByTestId('location-import').click();
    await expect(page.getByTestId('location-errors').textContent()).resolves.toContain('第 3 行：Location "A 03 2" is not a shelf location like A-03-2');
    await expect(page.getByTestId('location-table').textContent()).resolves.toContain('还没有设置货位');
    await page.getByTestId('location-paste').fill(`货号,货位\n${a.code},A-03-1\n${b.barcodes[0]},a-03-2\n${c.code},B-01-1`);
    await page.getByTestId('location-import').click();
    await page.getByTestId('locations-message').getByText('已设置 3 个商品的货位，清除 0 个').waitFor();
    await expect(page.getByTestId('location-table').locator('tbody tr').allTextContents()).resolves.toEqual([`A-03-1${a.code}${a.name}`, `A-03-2${b.code}${b.name}`, `B-01-1${c.code}${c.name}`]);

    await page.getByRole('tab', { name: '盘点' }).click();
    await page.getByTestId('count-scope').click();
    await page.locator('.ant-select-item-option', { hasText: '按货位盘点' }).click();
    await page.getByTestId('count-locations').fill('A-03');
    await page.getByTestId('count-start').click();
    await page.getByTestId('count-sheet').waitFor();
    await expect(page.getByTestId('count-sheet').locator('.ant-card-head-title').textContent()).resolves.toMatch(/^盘点 SC-S001-\d{6} · A-03$/);
    await page.getByTestId('count-qty').fill('2');
    await page.getByTestId('count-scan').fill(b.barcodes[0] as string);
    await page.getByTestId('count-scan').press('Enter');
    await page.getByTestId('count-lines').getByText(`${b.name} (${b.code})`).waitFor();
    // An item from aisle B is refused, saying where it belongs.
    await page.getByTestId('count-scan').fill(c.barcodes[0] as string);
    await page.getByTestId('count-scan').press('Enter');
    await expect(page.getByTestId('count-message').textContent()).resolves.toContain('不属于本次盘点的范围');
    await expect(page.getByTestId('count-lines').locator('tbody tr').allTextContents()).resolves.toEqual([`A-03-2${b.name} (${b.code})2`]);
    await page.getByTestId('count-submit').click();
    await page.getByTestId('count-approve').click();
    await page.getByTestId('variance-table').waitFor();
    // b: book, counted 2, the difference; c (aisle B) is not in this count.
    const shown = await page.getByTestId('variance-table').locator('tbody tr').allTextContents();
    expect(shown.find((r) => r.includes(b.code))).toContain(`A-03-2${b.name} (${b.code})${bookB}2${2 - bookB > 0 ? '+' : ''}${2 - bookB}¥`);
    expect(shown.some((r) => r.includes(c.code))).toBe(false);
    expect(await onHandAt(manager, 'S001', b.barcodes[0] as string)).toBe(2);
    await page.close();
  });
});
