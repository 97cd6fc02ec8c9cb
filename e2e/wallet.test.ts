// Browser test of WeChat Pay at the till against the demo's sandbox: the customer enters their
// password (the sandbox takes 12 s, the server queries every 5 s on the real clock, so about 15 s)
// while the till says so, then the sale completes and the e-receipt names the channel and the
// transaction number; and a customer who never confirms, whom the cashier stops waiting for.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { formatMoney } from '../src/platform/money';
import { openJournal } from '../src/sandbox/journal';
import { sandboxJournals } from '../src/sandbox/export';
import type { SandboxOrder } from '../src/sandbox/wechat-pay';
import { chromiumMissing, serverAndBrowser, signInAtTill } from './browser';
import { demoCatalog } from './demo-products';

// WeChat codes (18 digits from 10–15); the sandbox scripts the outcome by the last two digits.
const PASSWORD_THEN_PAID = '134567890123450011';
const NEVER_CONFIRMED = '134567890123450014';

const yuan = (text: string | null): number => Math.round(Number((text ?? '').replace(/[^\d.-]/g, '')) * 100);

describe.skipIf(chromiumMissing())('browser: WeChat Pay at the till', () => {
  const env = serverAndBrowser('tp-e2e-wallet-');
  /** The sandbox's latest record of the order charged to `authCode` (its journal under the data folder). */
  const orderAtWechat = (authCode: string): SandboxOrder | undefined =>
    openJournal<SandboxOrder>(sandboxJournals(env.dataDir()).wechat, 'outTradeNo')
      .load()
      .find((o) => o.authCode === authCode);

  /** Signs in, opens the shift and scans one snack; returns the page and the cart's total. */
  async function tillWithSnack(username: string, terminal: string): Promise<{ page: Page; totalFen: number }> {
    const { products } = await demoCatalog(env.server().url);
    const snack = products.find((p) => p.unit === 'piece' && p.barcodes.length > 0 && p.components.length === 0);
    if (!snack) throw new Error('the demo catalog has no piece item with a barcode');
    const page = await env.browser().newPage();
    await signInAtTill(page, env.server().url, { username, terminal });
    await page.getByTestId('open-shift').click();
    await page.waitForSelector('[data-testid=scan-box]:not([disabled])');
    const scanBox = page.getByTestId('scan-box');
    await scanBox.fill(snack.barcodes[0] ?? '');
    await scanBox.press('Enter');
    await page.getByTestId('cart-lines').getByText(snack.name).first().waitFor();
    await page.waitForSelector('[data-testid=scan-box]:not([disabled])');
    return { page, totalFen: yuan(await page.getByTestId('cart-total').textContent()) };
  }

  it('waits while the customer enters the password, then completes the sale with the WeChat transaction on the receipt', async () => {
    const { page, totalFen } = await tillWithSnack('cashier', 'T01');
    await page.getByTestId('scan-box').fill(PASSWORD_THEN_PAID);
    await page.getByTestId('scan-box').press('Enter');
    const waiting = page.getByTestId('waiting-wallet');
    await waiting.waitFor();
    await expect(waiting.textContent()).resolves.toContain('等待顾客输入密码');
    // The till shows this as it sends the code; the sandbox soon has the order waiting for the password.
    await expect.poll(() => orderAtWechat(PASSWORD_THEN_PAID)?.state, { timeout: 5_000 }).toBe('USERPAYING');

    await page.getByTestId('sale-done').waitFor({ timeout: 30_000 });
    const order = orderAtWechat(PASSWORD_THEN_PAID);
    expect(order).toMatchObject({ state: 'SUCCESS', totalFee: totalFen });
    expect(order?.transactionId).toMatch(/^42000\d+$/);
    const receiptNo = await page.getByTestId('receipt-no').textContent();
    expect(receiptNo).toMatch(/^S001-T01-\d{8}-0001$/);

    const [receipt] = await Promise.all([page.context().waitForEvent('page'), page.getByTestId('open-receipt').click()]);
    await receipt.waitForLoadState();
    const html = await receipt.content();
    expect(html).toContain(receiptNo ?? 'missing');
    expect(html).toContain('微信支付');
    expect(html).toContain(formatMoney(totalFen));
    expect(html).toContain(order?.transactionId ?? 'missing');
    await receipt.close();
    await page.close();
  });

  it('lets the cashier cancel a payment the customer never confirms: the cart stays open and nothing is charged', async () => {
    const { page, totalFen } = await tillWithSnack('cashier2', 'T02');
    await page.getByTestId('scan-box').fill(NEVER_CONFIRMED);
    await page.getByTestId('scan-box').press('Enter');
    await page.getByTestId('waiting-wallet').waitFor();
    await page.getByTestId('cancel-wallet').click();

    // Reversed at the next query (within 5 s): the till says why and keeps the cart as it was.
    await page.getByTestId('scan-error').waitFor({ timeout: 15_000 });
    await page.getByTestId('waiting-wallet').waitFor({ state: 'detached' });
    await expect(page.getByTestId('cart-paid').textContent()).resolves.toContain(formatMoney(0));
    expect(yuan(await page.getByTestId('cart-total').textContent())).toBe(totalFen);
    await expect(page.getByTestId('cart-lines').locator('tbody tr.ant-table-row').count()).resolves.toBe(1);
    expect(await page.getByTestId('sale-done').count()).toBe(0);
    expect(orderAtWechat(NEVER_CONFIRMED)).toMatchObject({ state: 'REVOKED', paidAt: null });
    await page.close();
  });
});
