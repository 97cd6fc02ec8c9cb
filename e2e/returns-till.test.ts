// Browser test of a return above the cashier's limit: the cashier scans the receipt at the till,
// picks the goods, is told a store manager must approve, and the manager types their own PIN
// at the till; the refund goes back to the card it was paid with.
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../src/platform/money';
import { chromiumMissing, serverAndBrowser, signInAtTill } from './browser';
import { demoCatalog } from './demo-products';

const yuan = (text: string | null): number => Math.round(Number((text ?? '').replace(/[^\d.-]/g, '')) * 100);

describe.skipIf(chromiumMissing())('browser: a large return approved by the manager at the till', () => {
  const env = serverAndBrowser('tp-e2e-return-');

  it('sells ¥200+ by card, scans the receipt, gets the manager’s PIN, refunds the card', async () => {
    const { products, categoryId } = await demoCatalog(env.server().url);
    // A piece item outside the drinks (买二送一) and snacks (九折) promotions.
    const promoted = new Set([categoryId('C3001'), categoryId('C3003')]);
    const item = products.find((p) => p.unit === 'piece' && p.components.length === 0 && p.barcodes.length > 0 && p.priceFen >= 2_000 && !promoted.has(p.categoryId));
    if (!item) throw new Error('the demo catalog has no piece item of ¥20 or more');
    const count = Math.ceil(25_000 / item.priceFen);

    const page = await env.browser().newPage({ viewport: { width: 1024, height: 768 } });
    await signInAtTill(page, env.server().url, { username: 'cashier' });
    await page.getByTestId('open-shift').click();
    const scanBox = page.getByTestId('scan-box');
    await page.waitForSelector('[data-testid=scan-box]:not([disabled])');
    for (let i = 0; i < count; i++) {
      await scanBox.fill(item.barcodes[0] ?? '');
      await scanBox.press('Enter');
      await page.waitForSelector('[data-testid=scan-box]:not([disabled])');
    }
    const totalFen = yuan(await page.getByTestId('cart-total').textContent());
    expect(totalFen).toBeGreaterThan(20_000);
    // The customer asks whether there are more: stock here and in the chain's other stores.
    await page.getByTestId('open-stock').click();
    await expect(page.getByTestId('stock-here').textContent()).resolves.toContain(`${item.name}: 本店库存`);
    await page.keyboard.press('Escape');
    await page.getByTestId('pay-card').click();
    await page.getByTestId('pay-amount').press('Enter');
    await page.getByTestId('sale-done').waitFor();
    const receiptNo = (await page.getByTestId('receipt-no').textContent()) ?? '';

    // The receipt's barcode scanned into the same box opens the return.
    await page.waitForSelector('[data-testid=scan-box]:not([disabled])');
    await scanBox.fill(receiptNo);
    await scanBox.press('Enter');
    await page.getByTestId('return-lines').waitFor();
    await page.getByTestId('return-qty-1').fill(String(count));
    await page.getByTestId('return-quote').click();
    await expect(page.getByTestId('return-amount').textContent()).resolves.toBe(formatMoney(totalFen));
    await expect(page.getByTestId('return-needs-approval').textContent()).resolves.toContain('店长');

    // The cashier's own PIN is refused; the manager's is taken.
    await page.getByTestId('approver-username').fill('cashier');
    await page.getByTestId('approver-pin').fill('1234');
    await page.getByTestId('approver-submit').click();
    await expect(page.getByTestId('return-error').textContent()).resolves.toContain('不能审批自己的退货');
    await page.getByTestId('approver-username').fill('manager');
    await page.getByTestId('approver-pin').fill('1234');
    await page.getByTestId('approver-submit').click();
    await page.getByTestId('return-done').waitFor();
    await expect(page.getByTestId('return-refund-card').textContent()).resolves.toContain(formatMoney(totalFen));
    await expect(page.getByTestId('return-refund-card').textContent()).resolves.toContain('成功');
    await page.close();
  });
});
