// Browser test of points gifts at the till (积分兑换礼品): a member earns points on a sale made
// through the API at the other till; the cashier finds the member by phone, opens the rewards
// from the member panel, redeems the demo's points + cash gift, is told in Chinese why a coupon the
// member bought does not apply to so small a sale, takes the cash part, and the sale shows the
// member's new balance: the gift's points taken, none earned on the gift.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumMissing, serverAndBrowser, signInAtTill } from './browser';
import { demoCatalog } from './demo-products';

const PHONE = '13900005678';
const yuan = (text: string | null): number => Math.round(Number((text ?? '').replace(/[^\d.-]/g, '')) * 100);
const number = async (page: Page, testId: string): Promise<number> => Number(await page.getByTestId(testId).textContent());

describe.skipIf(chromiumMissing())('browser: a member redeems a points gift at the till', () => {
  const env = serverAndBrowser('tp-e2e-rewards-');

  /** JSON over the API with a Bearer token; throws with the body on an error status. */
  const call = async <T,>(method: string, url: string, token: string | null, body?: unknown): Promise<T> => {
    const res = await fetch(`${env.server().url}/api/v1${url}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  };

  it('redeems the points + cash gift from the member panel; the sale shows the balance less the gift’s points', async () => {
    const { products, categoryId } = await demoCatalog(env.server().url);
    // The member earns points at till T02 through the API: registered there, a cash sale of about ¥1,600.
    const { token } = await call<{ token: string }>('POST', '/auth/pin', null, { storeCode: 'S001', terminalCode: 'T02', username: 'cashier2', pin: '1234' });
    const { gifts, couponOffers } = await call<{ gifts: Array<{ code: string; name: string; points: number; cashFen: number }>; couponOffers: Array<{ id: string; points: number; minSpendFen: number }> }>('GET', '/members-rewards', token);
    const gift = gifts.find((g) => g.cashFen > 0);
    if (!gift) throw new Error('the demo has no points + cash gift');
    await call('POST', '/shifts/open', token, { floatFen: 0 });
    const member = await call<{ id: string }>('POST', '/members', token, { phone: PHONE, consentVersion: 'v1', consentAccepted: true });
    const promoted = new Set([categoryId('C3001'), categoryId('C3003')]);
    const item = products.find((p) => p.unit === 'piece' && p.components.length === 0 && p.barcodes.length > 0 && p.priceFen >= 5_000 && !promoted.has(p.categoryId));
    if (!item) throw new Error('the demo catalog has no piece item of ¥50 or more');
    const cart = await call<{ id: string; dueFen: number }>('POST', '/carts', token);
    await call('POST', `/carts/${cart.id}/member`, token, { phone: PHONE });
    // A coupon with a minimum spend (¥10 off from ¥50): a sale of the gift alone counts nothing towards it.
    const offer = couponOffers.find((o) => o.minSpendFen > 0);
    if (!offer) throw new Error('the demo has no coupon offer with a minimum spend');
    const scanned = await call<{ dueFen: number }>('POST', `/carts/${cart.id}/scan`, token, { code: item.barcodes[0], qty: Math.ceil(((gift.points + offer.points + 100) * 100) / item.priceFen) });
    await call('POST', `/carts/${cart.id}/tenders`, token, { method: 'cash', amountFen: scanned.dueFen });
    const first = await call<{ points: { balance: number } }>('POST', `/carts/${cart.id}/complete`, token);
    const coupon = await call<{ code: string }>('POST', `/members/${member.id}/coupons`, token, { offerId: offer.id });
    const before = first.points.balance - offer.points;
    expect(before).toBeGreaterThanOrEqual(gift.points);

    const page = await env.browser().newPage({ viewport: { width: 1280, height: 900 } });
    await signInAtTill(page, env.server().url, { username: 'cashier' });
    await page.getByTestId('open-shift').click();
    await page.waitForSelector('[data-testid=scan-box]:not([disabled])');
    await page.keyboard.press('F10');
    await page.getByTestId('member-phone').fill(PHONE);
    await page.getByTestId('member-find').click();
    await page.getByTestId('member-panel').waitFor();
    await expect(number(page, 'member-points')).resolves.toBe(before);

    await page.getByTestId('open-rewards').click();
    await expect(page.getByTestId('rewards-available').textContent()).resolves.toContain(String(before));
    await page.getByTestId(`redeem-gift-${gift.code}`).click();
    await page.getByTestId('gift-line').waitFor();
    await expect(page.getByTestId('gift-line').textContent()).resolves.toContain(String(gift.points));
    expect(yuan(await page.getByTestId('cart-total').textContent())).toBe(gift.cashFen);
    await expect(page.getByTestId('member-available-points').textContent()).resolves.toContain(String(before - gift.points));

    // The coupon on a sale of the gift alone: refused, saying why in Chinese with the amounts.
    await page.getByTestId('open-rewards').click();
    await page.getByRole('tab', { name: '优惠券' }).click();
    await page.getByTestId(`use-coupon-${coupon.code}`).click();
    await expect(page.getByTestId('rewards-error').textContent()).resolves.toBe(`未达到优惠券使用门槛：需满 ¥${(offer.minSpendFen / 100).toFixed(2)}，本单可计入 ¥0.00（积分礼品和改价商品不计入）。`);
    await page.keyboard.press('Escape');

    await page.getByTestId('pay-cash').click();
    await page.getByTestId('pay-amount').press('Enter');
    await page.getByTestId('sale-done').waitFor();
    await expect(number(page, 'sale-points-redeemed')).resolves.toBe(gift.points);
    await expect(number(page, 'sale-points-earned')).resolves.toBe(0);
    await expect(number(page, 'sale-points-balance')).resolves.toBe(before - gift.points);
    await page.close();
  });
});
