// Browser test of the points rewards editor in the back office: HQ's admin sees the demo's
// gifts and coupon offers, adds a points + cash gift (its product found by searching the catalog)
// and a ¥50 coupon, saves, reloads and finds both kept in fen; a cash part with three decimals is
// refused at its field before anything is sent, and an offer code listed twice is refused by the
// server at the code's field, with nothing saved. Finance sees the lists read-only.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { MembersConfig } from '../src/members/config';
import { chromiumMissing, serverAndBrowser } from './browser';
import { demoCatalog } from './demo-products';
import { signInAtBackOffice } from './back-office';

describe.skipIf(chromiumMissing())('browser: gifts and coupon offers for points', () => {
  const env = serverAndBrowser('tp-e2e-members-rewards-');

  const membersConfig = async (): Promise<MembersConfig> => {
    const url = env.server().url;
    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'demo' }) });
    const { token } = (await login.json()) as { token: string };
    return (await (await fetch(`${url}/api/v1/members-config`, { headers: { authorization: `Bearer ${token}` } })).json()) as MembersConfig;
  };
  const openEditor = async (page: Page) => {
    await page.getByTestId('admin-nav').getByText('会员').click();
    await page.getByTestId('members-tab-rewards').click();
    await page.getByTestId('members-rewards-form').waitFor();
  };
  /** The error shown under the form field that holds the element with this test id. */
  const fieldError = (page: Page, testId: string) => page.locator('.ant-form-item', { has: page.getByTestId(testId) }).locator('.ant-form-item-explain-error');

  it('adds a gift and an offer, keeps them after a reload, and refuses bad values at their fields', async () => {
    const before = await membersConfig();
    expect(before.gifts).toHaveLength(2);
    expect(before.couponOffers.map((o) => o.id)).toEqual(['C10', 'C30']);
    const { products } = await demoCatalog(env.server().url);
    const product = products.find((p) => p.active && p.unit === 'piece' && p.components.length === 0 && !before.gifts.some((g) => g.skuId === p.skuId));
    if (!product) throw new Error('the demo catalog has no piece product that is not a gift yet');

    const page = await env.browser().newPage({ viewport: { width: 1400, height: 900 } });
    await signInAtBackOffice(page, env.server().url, 'admin');
    await openEditor(page);

    // The demo's lists, amounts in yuan.
    await expect(page.getByTestId('members-gifts').textContent()).resolves.toContain(products.find((p) => p.skuId === before.gifts[0]?.skuId)?.name ?? 'the first gift’s product');
    await expect(page.getByTestId('gift-points-0').inputValue()).resolves.toBe(String(before.gifts[0]?.points));
    await expect(page.getByTestId('offer-id-0').inputValue()).resolves.toBe('C10');
    await expect(page.getByTestId('offer-value-0').inputValue()).resolves.toBe('10.00');
    await expect(page.getByTestId('offer-min-spend-1').inputValue()).resolves.toBe('150.00');

    // A gift for 800 points + ¥5.50, its product found by its code.
    await page.getByTestId('gift-add').click();
    await page.getByTestId('gift-sku-2').click();
    await page.keyboard.type(product.code);
    await page.locator('.ant-select-item-option', { hasText: product.name }).first().click();
    await page.getByTestId('gift-points-2').fill('800');
    await page.getByTestId('gift-cash-2').fill('5.5');
    // A ¥50 coupon for 2,500 points, from ¥300, for 60 days.
    await page.getByTestId('offer-add').click();
    await page.getByTestId('offer-id-2').fill('C50');
    await page.getByTestId('offer-name-2').fill('¥50 优惠券');
    await page.getByTestId('offer-points-2').fill('2500');
    await page.getByTestId('offer-value-2').fill('50');
    await page.getByTestId('offer-min-spend-2').fill('300');
    await page.getByTestId('offer-days-2').fill('60');

    // Three decimals: refused at the field, nothing sent.
    await page.getByTestId('gift-cash-2').fill('5.505');
    await page.getByTestId('members-rewards-save').click();
    await fieldError(page, 'gift-cash-2').getByText('最多两位小数').waitFor();
    expect((await membersConfig()).gifts).toHaveLength(2);
    await page.getByTestId('gift-cash-2').fill('5.5');

    await page.getByTestId('members-rewards-save').click();
    await page.getByTestId('members-rewards-message').getByText('会员规则已保存').waitFor();
    const saved = await membersConfig();
    expect(saved.gifts[2]).toEqual({ skuId: product.skuId, points: 800, cashFen: 550 });
    expect(saved.couponOffers[2]).toEqual({ id: 'C50', name: '¥50 优惠券', points: 2500, valueFen: 5000, minSpendFen: 30000, validDays: 60 });
    expect(saved.tiers).toEqual(before.tiers);

    await page.reload();
    await openEditor(page);
    await expect(page.getByTestId('members-gifts').textContent()).resolves.toContain(product.name);
    await expect(page.getByTestId('gift-points-2').inputValue()).resolves.toBe('800');
    await expect(page.getByTestId('gift-cash-2').inputValue()).resolves.toBe('5.50');
    await expect(page.getByTestId('offer-id-2').inputValue()).resolves.toBe('C50');
    await expect(page.getByTestId('offer-value-2').inputValue()).resolves.toBe('50.00');
    await expect(page.getByTestId('offer-min-spend-2').inputValue()).resolves.toBe('300.00');
    await expect(page.getByTestId('offer-days-2').inputValue()).resolves.toBe('60');

    // The same offer code twice: the server refuses it and names the field; nothing is saved.
    await page.getByTestId('offer-id-2').fill('C10');
    await page.getByTestId('members-rewards-save').click();
    await page.getByTestId('members-rewards-message').getByText('couponOffers.2').waitFor();
    await expect(fieldError(page, 'offer-id-2').textContent()).resolves.toContain('coupon offer C10 is listed twice');
    expect((await membersConfig()).couponOffers.map((o) => o.id)).toEqual(['C10', 'C30', 'C50']);
    await page.close();

    // Finance may look but not change (no members.manage).
    const finance = await env.browser().newPage({ viewport: { width: 1400, height: 900 } });
    await signInAtBackOffice(finance, env.server().url, 'finance');
    await openEditor(finance);
    await expect(finance.getByTestId('offer-value-2').inputValue()).resolves.toBe('50.00');
    await expect(finance.getByTestId('offer-value-2').isDisabled()).resolves.toBe(true);
    await expect(finance.getByTestId('members-rewards-save').count()).resolves.toBe(0);
    await expect(finance.getByTestId('gift-add').count()).resolves.toBe(0);
    await finance.close();
  });
});
