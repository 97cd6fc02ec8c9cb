// Browser test of members at the till: the cashier registers a customer with their consent,
// sells for cash and the sale earns a point per yuan; on the next visit the member is found by
// phone, pays ¥1.00 of the sale with 100 points, and the balance drops by what was used.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { formatMoney } from '../src/platform/money';
import { chromiumMissing, serverAndBrowser, signInAtTill } from './browser';
import { demoCatalog } from './demo-products';

const PHONE = '13900001234';
const yuan = (text: string | null): number => Math.round(Number((text ?? '').replace(/[^\d.-]/g, '')) * 100);
const number = async (page: Page, testId: string): Promise<number> => Number(await page.getByTestId(testId).textContent());

describe.skipIf(chromiumMissing())('browser: a member registers at the till, earns points, then pays with them', () => {
  const env = serverAndBrowser('tp-e2e-members-');

  it('registers with consent, earns on a cash sale, redeems 100 points on the next', async () => {
    const { products, categoryId } = await demoCatalog(env.server().url);
    // A piece item outside the drinks (买二送一) and snacks (九折) promotions.
    const promoted = new Set([categoryId('C3001'), categoryId('C3003')]);
    const item = products.find((p) => p.unit === 'piece' && p.components.length === 0 && p.barcodes.length > 0 && p.priceFen >= 2_000 && !promoted.has(p.categoryId));
    if (!item) throw new Error('the demo catalog has no piece item of ¥20 or more');

    const page = await env.browser().newPage({ viewport: { width: 1280, height: 900 } });
    await signInAtTill(page, env.server().url, { username: 'cashier' });
    await page.getByTestId('open-shift').click();
    const scanBox = page.getByTestId('scan-box');
    const ready = () => page.waitForSelector('[data-testid=scan-box]:not([disabled])');
    const scan = async (code: string, times = 1) => {
      for (let i = 0; i < times; i++) {
        await ready();
        await scanBox.fill(code);
        await scanBox.press('Enter');
      }
      await ready();
    };
    await ready();

    // Register at the till: the customer must accept the consent text first.
    await page.getByTestId('open-member').click();
    await page.getByTestId('member-tab-register').click();
    await expect(page.getByTestId('member-consent-text').textContent()).resolves.toContain('个人信息保护法');
    await page.getByTestId('member-register-phone').fill(PHONE);
    await page.getByTestId('member-register-name').fill('李小梅');
    await expect(page.getByTestId('member-register-submit').isDisabled()).resolves.toBe(true);
    await page.getByTestId('member-consent').click();
    await page.getByTestId('member-register-submit').click();
    await page.getByTestId('member-panel').waitFor();
    await expect(page.getByTestId('member-masked-phone').textContent()).resolves.toBe('139****1234');
    await expect(page.getByTestId('member-tier').textContent()).resolves.toBe('普通会员');
    await expect(number(page, 'member-points')).resolves.toBe(0);
    expect(await page.getByTestId('member-card').textContent()).toMatch(/^88\d{14}$/);

    // ¥150 or more in cash (and under the ¥2,000 of 银卡): a point per whole yuan paid.
    await scan(item.barcodes[0] ?? '', Math.ceil(15_000 / item.priceFen));
    const firstFen = yuan(await page.getByTestId('cart-total').textContent());
    expect(firstFen).toBeGreaterThanOrEqual(15_000);
    expect(firstFen).toBeLessThan(200_000);
    await page.getByTestId('pay-cash').click();
    await page.getByTestId('pay-amount').press('Enter');
    await page.getByTestId('sale-done').waitFor();
    const firstEarned = Math.floor(firstFen / 100);
    await expect(number(page, 'sale-points-earned')).resolves.toBe(firstEarned);
    await expect(number(page, 'sale-points-redeemed')).resolves.toBe(0);
    await expect(number(page, 'sale-points-balance')).resolves.toBe(firstEarned);
    await expect(page.getByTestId('sale-tier-upgraded').count()).resolves.toBe(0);

    // Next customer: the same member, found by phone with F10.
    await ready();
    await page.keyboard.press('F10');
    await page.getByTestId('member-phone').fill(PHONE);
    await page.getByTestId('member-find').click();
    await page.getByTestId('member-panel').waitFor();
    await expect(number(page, 'member-points')).resolves.toBe(firstEarned);
    await scan(item.barcodes[0] ?? '');
    const secondFen = yuan(await page.getByTestId('cart-total').textContent());

    // More points than the member holds: the server refuses and the dialog says why.
    await page.getByTestId('pay-points').click();
    await page.getByTestId('points-amount').fill('99999');
    await page.getByTestId('points-submit').click();
    await expect(page.getByTestId('points-error').textContent()).resolves.toContain('积分不足');
    // 100 points pay ¥1.00; the rest in cash.
    await page.getByTestId('points-amount').fill('100');
    await expect(page.getByTestId('points-equals').textContent()).resolves.toBe(`100 积分 = ${formatMoney(100)}`);
    await page.getByTestId('points-submit').click();
    await page.getByTestId('points-amount').waitFor({ state: 'detached' });
    expect(yuan(await page.getByTestId('cart-due').textContent())).toBe(secondFen - 100);
    await page.getByTestId('pay-cash').click();
    await page.getByTestId('pay-amount').press('Enter');
    await page.getByTestId('sale-done').waitFor();
    const secondEarned = Math.floor((secondFen - 100) / 100);
    await expect(number(page, 'sale-points-redeemed')).resolves.toBe(100);
    await expect(number(page, 'sale-points-earned')).resolves.toBe(secondEarned);
    await expect(number(page, 'sale-points-balance')).resolves.toBe(firstEarned - 100 + secondEarned);
    await page.close();
  });
});
