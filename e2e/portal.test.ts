// Browser test of the member portal on a phone-sized screen: a member registered at the till
// buys at the member price, signs in with the SMS code (read from the demo inbox), and sees the
// points the sale earned and a member code the till can scan.
import { describe, expect, it } from 'vitest';
import { chromiumMissing, serverAndBrowser } from './browser';
import { demoCatalog } from './demo-products';
import { cashierOnShift, poster } from './back-office';

describe.skipIf(chromiumMissing())('browser: the member portal', () => {
  const env = serverAndBrowser('tp-e2e-portal-');

  it('signs in by SMS code and shows points and a scannable member code', async () => {
    const url = env.server().url;
    const post = poster(url);
    const token = await cashierOnShift(post);
    const member = await post('/members', { phone: '13911112222', consentVersion: 'v1', consentAccepted: true }, token);
    const { products } = await demoCatalog(url);
    const item = products.find((p) => p.unit === 'piece' && p.barcodes.length > 0 && p.priceFen >= 1000 && p.priceFen < 5000);
    if (!item) throw new Error('no demo item between ¥10 and ¥50');
    // HQ gives the item a member price (会员价): members pay ¥1.00 less.
    const admin = (await post('/auth/login', { username: 'admin', password: 'demo' })).token as string;
    await post('/promotions', { name: '会员价', target: { kind: 'skus', skuIds: [item.skuId] }, rule: { kind: 'special_price', priceFen: item.priceFen - 100 }, priority: 1, exclusive: true, membersOnly: true }, admin);
    const cart = await post('/carts', {}, token);
    const anonymous = await post(`/carts/${String(cart.id)}/scan`, { code: item.barcodes[0] }, token);
    expect(anonymous.totalFen).toBe(item.priceFen);
    // Scanning the member's card reprices the cart at the member price.
    const priced = await post(`/carts/${String(cart.id)}/scan`, { code: member.cardNo }, token);
    expect(priced.totalFen).toBe(item.priceFen - 100);
    expect(JSON.stringify(priced.lines)).toContain('会员价');
    await post(`/carts/${String(cart.id)}/tenders`, { method: 'card', amountFen: priced.dueFen }, token);
    const sale = await post(`/carts/${String(cart.id)}/complete`, {}, token);
    const earned = (sale.points as { earned: number }).earned;
    expect(earned).toBeGreaterThan(0);

    const page = await env.browser().newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${url}/m`);
    await page.getByTestId('portal-phone').fill('139 1111 2222');
    await page.getByTestId('portal-send-code').click();
    await page.getByTestId('portal-demo-inbox').click();
    const sms = (await page.getByTestId('portal-inbox-item').first().textContent()) ?? '';
    const code = /(\d{6})/.exec(sms)?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    await page.getByTestId('portal-code').fill(code);
    await page.getByTestId('portal-sign-in').click();
    await page.getByTestId('portal-card').waitFor();
    await expect(page.getByTestId('portal-tier').textContent()).resolves.toBe('普通会员');
    await expect(page.getByTestId('portal-points').textContent()).resolves.toContain(String(earned));
    await expect(page.getByTestId('portal-qr').getAttribute('data-code')).resolves.toMatch(/^97\d{22}$/);
    // Progress to 银卡 (¥2,000 within 12 months) and the e-receipt of the sale.
    await expect(page.getByTestId('portal-next-tier').textContent()).resolves.toContain('银卡会员');
    await expect(page.getByTestId('portal-receipt').first().getAttribute('href')).resolves.toBe(sale.receiptUrl);
    // Binding WeChat (the demo's WeChat sandbox stands in for wx.login): messages then come on WeChat.
    await page.getByTestId('portal-bind-wechat').click();
    await page.getByTestId('portal-wechat-bound').waitFor();
    await page.close();
  });
});
