// Browser test of a whole shift at the till, as a cashier works: PIN sign-in, open the shift,
// scan a weighed label, a bundle and a discounted snack, pay part card part cash, see the
// change, open the e-receipt, close the shift with a short count and see the 短款.
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatScaleLabel, DEFAULT_SCALE_FORMATS } from '../src/catalog/scale-label';
import { formatMoney } from '../src/platform/money';
import type { Product } from '../src/catalog/schema';
import { chromiumMissing, serverAndBrowser, signInAtTill } from './browser';
import { demoCatalog } from './demo-products';

async function demoProducts(url: string): Promise<{ weighed: Product; bundle: Product; snack: Product }> {
  const { products, categoryId } = await demoCatalog(url);
  const snacks = categoryId('C3001');
  const weighed = products.find((p) => p.unit === 'kg' && p.plu);
  const bundle = products.find((p) => p.components.length > 0 && p.barcodes.length > 0);
  const snack = products.find((p) => p.categoryId === snacks && p.barcodes.length > 0);
  if (!weighed || !bundle || !snack) throw new Error('demo catalog lacks a weighed item, a bundle or a snack');
  return { weighed, bundle, snack };
}

const yuan = (text: string | null): number => Math.round(Number((text ?? '').replace(/[^\d.-]/g, '')) * 100);

describe.skipIf(chromiumMissing())('browser: a whole shift at the till', () => {
  const env = serverAndBrowser('tp-e2e-sale-');

  it('sells, pays split, shows change and the e-receipt, and closes the shift short', async () => {
    const { weighed, bundle, snack } = await demoProducts(env.server().url);
    const context = await env.browser().newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    await signInAtTill(page, env.server().url, { username: 'cashier' });

    await page.getByTestId('float-amount').fill('200.00');
    await page.getByTestId('open-shift').click();
    const scanBox = page.getByTestId('scan-box');
    await page.waitForSelector('[data-testid=scan-box]:not([disabled])');

    const label = formatScaleLabel({ kind: 'weight', plu: weighed.plu ?? '', grams: 1234, format: DEFAULT_SCALE_FORMATS[1]! });
    for (const code of [label, bundle.barcodes[0] ?? '', snack.barcodes[0] ?? '']) {
      await scanBox.fill(code);
      await scanBox.press('Enter');
      await page.getByTestId('cart-lines').getByText(code === label ? weighed.name : code === snack.barcodes[0] ? snack.name : bundle.name).first().waitFor();
    }
    await page.getByTestId('cart-lines').getByText('零食九折').waitFor();
    // a misread barcode beeps, says why, and changes nothing
    await scanBox.fill('6901234567890');
    await scanBox.press('Enter');
    await expect(page.getByTestId('scan-error').textContent()).resolves.toMatch(/条码校验位错误/);
    await expect(page.getByTestId('cart-lines').locator('tbody tr.ant-table-row').count()).resolves.toBe(3);

    const totalFen = yuan(await page.getByTestId('cart-total').textContent());
    expect(totalFen).toBeGreaterThan(1000);
    await page.screenshot({ path: path.join(os.tmpdir(), 'tp-pos-cart.png') });

    await page.getByTestId('pay-card').click();
    await page.getByTestId('pay-amount').fill('10.00');
    await page.getByTestId('pay-amount').press('Enter');
    await page.getByTestId('cart-paid').getByText('¥10.00').waitFor();

    const dueFen = totalFen - 1000;
    const payableFen = dueFen - (dueFen % 10); // the demo store waives the fen (抹零)
    const givenFen = Math.ceil((dueFen + 1) / 10000) * 10000;
    await page.getByTestId('pay-cash').click();
    await page.getByTestId('pay-amount').fill((givenFen / 100).toFixed(2));
    await page.getByTestId('pay-amount').press('Enter');
    await page.getByTestId('sale-done').waitFor();
    await expect(page.getByTestId('sale-change').textContent()).resolves.toContain(formatMoney(givenFen - payableFen));
    const receiptNo = await page.getByTestId('receipt-no').textContent();
    expect(receiptNo).toMatch(/^S001-T01-\d{8}-0001$/);

    const [receipt] = await Promise.all([context.waitForEvent('page'), page.getByTestId('open-receipt').click()]);
    await receipt.waitForLoadState();
    await expect(receipt.content()).resolves.toContain(receiptNo ?? 'missing');
    await expect(receipt.content()).resolves.toContain(bundle.name);
    await receipt.close();

    // the drawer should hold float + cash kept; count one yuan less
    const expectedFen = 20000 + payableFen;
    const countedFen = expectedFen - 100;
    await page.getByTestId('close-shift').click();
    await page.getByTestId('count-10000').fill(String(Math.floor(countedFen / 10000)));
    await page.getByTestId('count-1').fill(String(countedFen % 10000));
    await expect(page.getByTestId('counted-total').textContent()).resolves.toContain(formatMoney(countedFen));
    await page.getByTestId('close-shift-confirm').click();
    await page.getByTestId('shift-result').waitFor();
    await expect(page.getByTestId('shift-result').textContent()).resolves.toContain('短款');
    await expect(page.getByTestId('over-short').textContent()).resolves.toBe('-¥1.00');
    await expect(page.getByTestId('shift-result').textContent()).resolves.toContain(formatMoney(expectedFen));
    await context.close();
  });
  it('pays by scanning the customer\'s WeChat code and finishes the sale', async () => {
    const { snack } = await demoProducts(env.server().url);
    const page = await env.browser().newPage();
    await signInAtTill(page, env.server().url, { username: 'cashier2', terminal: 'T02' });
    await page.getByTestId('open-shift').click();
    await page.waitForSelector('[data-testid=scan-box]:not([disabled])');
    const scanBox = page.getByTestId('scan-box');
    await scanBox.fill(snack.barcodes[0] ?? '');
    await scanBox.press('Enter');
    await page.getByTestId('cart-lines').getByText(snack.name).first().waitFor();
    await page.waitForSelector('[data-testid=scan-box]:not([disabled])');
    await scanBox.fill('134567890123456700');
    await scanBox.press('Enter');
    await page.getByTestId('sale-done').waitFor();
    await expect(page.getByTestId('receipt-no').textContent()).resolves.toMatch(/^S001-T02-\d{8}-0001$/);
    await page.close();
  });
});
