// Browser test of receiving at the back door: the store manager adds a supplier, drafts a purchase
// order by scanning, prints it (the print page's button opens the print dialog), sends it,
// receives part of it by scanning barcodes, and sees the order partly received and on hand up.
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../src/platform/money';
import { chromiumMissing, serverAndBrowser } from './browser';
import { apiAs, onHandAt, signInAtBackOffice } from './back-office';
import { demoCatalog } from './demo-products';

describe.skipIf(chromiumMissing())('browser: receiving a purchase order', () => {
  const env = serverAndBrowser('tp-e2e-receiving-');

  it('the manager orders 12 + 6, receives 5 + 2 by scanning, and stock goes up by what arrived', async () => {
    const url = env.server().url;
    const manager = await apiAs(url, 'manager');
    const { products } = await demoCatalog(url);
    const [a, b] = products.filter((p) => p.unit === 'piece' && p.barcodes.length > 0 && p.components.length === 0 && p.active);
    if (!a || !b) throw new Error('the demo catalog has no two piece items with barcodes');
    const [barA, barB] = [a.barcodes[0] as string, b.barcodes[0] as string];
    const [beforeA, beforeB] = [await onHandAt(manager, 'S001', barA), await onHandAt(manager, 'S001', barB)];

    const page = await env.browser().newPage({ viewport: { width: 1280, height: 900 } });
    await signInAtBackOffice(page, url, 'manager');
    await page.getByTestId('admin-nav').getByText('库存').click();
    await page.getByRole('tab', { name: '采购收货' }).click();

    // A new supplier, chosen for the order at once.
    await page.getByTestId('supplier-code').fill('HDSP');
    await page.getByTestId('supplier-name').fill('华东食品批发');
    await page.getByTestId('supplier-contact').fill('周经理 021-6666 0202');
    await page.getByTestId('supplier-create').click();
    await page.getByTestId('receiving-message').getByText('已添加供应商 华东食品批发').waitFor();
    await expect(page.getByTestId('po-supplier').textContent()).resolves.toContain('华东食品批发（HDSP）');

    // Lines by scanning: the unit cost first, then quantity and barcode.
    await page.getByTestId('po-cost').fill('2.50');
    await page.getByTestId('po-qty').fill('12');
    await page.getByTestId('po-scan').fill(barA);
    await page.getByTestId('po-scan').press('Enter');
    await page.getByTestId('po-cost').fill('8');
    await page.getByTestId('po-qty').fill('6');
    await page.getByTestId('po-scan').fill(barB);
    await page.getByTestId('po-scan').press('Enter');
    await expect(page.getByTestId('po-draft').locator('tbody tr').allTextContents()).resolves.toEqual([`${barA}12¥2.50`, `${barB}6¥8.00`]);
    await page.getByTestId('po-create').click();
    await page.getByTestId('po-detail').waitFor();
    await expect(page.getByTestId('po-status').textContent()).resolves.toBe('草稿');
    // 12 × ¥2.50 + 6 × ¥8.00
    await expect(page.getByTestId('po-total').textContent()).resolves.toBe(`合计 ${formatMoney(7800)}`);

    // The printable order opens in a new tab; its button calls the browser's print dialog.
    const [print] = await Promise.all([page.waitForEvent('popup'), page.getByTestId('po-print').click()]);
    await print.waitForLoadState();
    const sheet = (await print.locator('main').textContent()) ?? '';
    expect(sheet).toContain('采购订单');
    expect(sheet).toContain('华东食品批发（HDSP）');
    expect(sheet).toContain('周经理 021-6666 0202');
    await expect(print.locator('#total').textContent()).resolves.toBe('¥78.00');
    await expect(print.locator('#total-capitals').textContent()).resolves.toBe('柒拾捌元整');
    const printRows = await print.locator('tbody tr').allTextContents();
    expect(printRows[0]).toBe(`1${a.code}${barA}${a.name}件12¥2.50¥30.00`);
    expect(printRows[1]).toBe(`2${b.code}${barB}${b.name}件6¥8.00¥48.00`);
    await print.evaluate(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => void ((window as unknown as { printed: number }).printed += 1);
    });
    await print.getByRole('button', { name: '打印 / 另存为PDF' }).click();
    await expect(print.evaluate(() => (window as unknown as { printed: number }).printed)).resolves.toBe(1);
    await print.close();

    await page.getByTestId('po-send').click();
    await page.getByTestId('po-status').getByText('已下单').waitFor();
    await expect(page.getByTestId('po-detail').textContent()).resolves.toContain('已由 王店长 发送给供应商');

    // The delivery is short: 5 of A (typed quantity) and B scanned twice.
    await page.getByTestId('receive-qty').fill('5');
    await page.getByTestId('receive-scan').fill(barA);
    await page.getByTestId('receive-scan').press('Enter');
    for (let i = 0; i < 2; i++) {
      await page.getByTestId('receive-scan').fill(barB);
      await page.getByTestId('receive-scan').press('Enter');
    }
    await expect(page.getByTestId('receive-scanned').allTextContents()).resolves.toEqual([`${barA} × 5`, `${barB} × 1`, `${barB} × 1`]);
    await page.getByTestId('receive-submit').click();
    await page.getByTestId('po-status').getByText('部分收货').waitFor();
    const lines = await page.getByTestId('po-lines').locator('tbody tr').allTextContents();
    expect(lines).toEqual([`${a.code}${a.name}125¥2.50`, `${b.code}${b.name}62¥8.00`]);
    await page.getByTestId('po-table').locator('tbody tr', { hasText: '部分收货' }).waitFor();

    expect(await onHandAt(manager, 'S001', barA)).toBe(beforeA + 5);
    expect(await onHandAt(manager, 'S001', barB)).toBe(beforeB + 2);
    const { purchaseOrders } = await manager<{ purchaseOrders: Array<{ status: string; supplierCode: string }> }>('GET', '/purchase-orders?store=S001');
    expect(purchaseOrders[0]).toMatchObject({ status: 'partly_received', supplierCode: 'HDSP' });
    await page.close();
  });
});
