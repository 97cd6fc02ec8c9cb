// Browser test of a member's detail in the back office: the store manager opens a member from the
// member list and sees the points the sale earned and the purchase, then raises the 银卡 threshold
// in the rules editor, saves, reloads and finds the new threshold kept.
import { describe, expect, it } from 'vitest';
import { chromiumMissing, serverAndBrowser } from './browser';
import { demoCatalog } from './demo-products';
import { formatMoney } from '../src/platform/money';
import { cashierOnShift, poster, signInAtBackOffice } from './back-office';

describe.skipIf(chromiumMissing())('browser: a member’s detail and the rules editor', () => {
  const env = serverAndBrowser('tp-e2e-members-detail-');

  it('opens a member: ledger and purchase; edits a tier threshold, saves and keeps it after a reload', async () => {
    const url = env.server().url;
    const post = poster(url);
    const token = await cashierOnShift(post);
    const member = await post('/members', { phone: '13933334444', name: '孙悟空', consentVersion: 'v1', consentAccepted: true }, token);
    const { products } = await demoCatalog(url);
    const item = products.find((p) => p.unit === 'piece' && p.barcodes.length > 0 && p.priceFen >= 2000 && p.priceFen < 9000);
    if (!item) throw new Error('no demo item between ¥20 and ¥90');
    const cart = await post('/carts', {}, token);
    await post(`/carts/${String(cart.id)}/scan`, { code: member.cardNo }, token);
    const priced = await post(`/carts/${String(cart.id)}/scan`, { code: item.barcodes[0] }, token);
    await post(`/carts/${String(cart.id)}/tenders`, { method: 'card', amountFen: priced.dueFen }, token);
    const sale = await post(`/carts/${String(cart.id)}/complete`, {}, token);
    const earned = (sale.points as { earned: number }).earned;
    expect(earned).toBeGreaterThan(0);

    const page = await env.browser().newPage({ viewport: { width: 1400, height: 900 } });
    await signInAtBackOffice(page, url, 'manager');
    await page.getByTestId('admin-nav').getByText('会员').click();

    // The member list (masked) opens the member's detail.
    await page.getByTestId('members-list').getByText(String(member.cardNo)).click();
    await page.getByTestId('member-detail').waitFor();
    await expect(page.getByTestId('member-detail-card').textContent()).resolves.toBe(member.cardNo);
    await expect(page.getByTestId('member-detail-phone').textContent()).resolves.toBe('139****4444');
    await expect(page.getByTestId('member-detail-points').textContent()).resolves.toBe(String(earned));
    await page.getByTestId('member-ledger').getByText(`+${earned}`).waitFor();
    await expect(page.getByTestId('member-ledger').textContent()).resolves.toContain(String(sale.receiptNo));
    await expect(page.getByTestId('member-detail-progress').textContent()).resolves.toContain('银卡会员');
    await page.getByTestId('member-detail-tab-sales').click();
    await expect(page.getByTestId('member-sale-receipt').first().textContent()).resolves.toBe(sale.receiptNo);
    await expect(page.getByTestId('member-sale-total').first().textContent()).resolves.toBe(formatMoney(sale.totalFen as number));
    await page.getByTestId('member-detail-tab-messages').click();
    await expect(page.getByTestId('member-messages').textContent()).resolves.toContain('电子小票');

    // The rules are the chain's: the store manager sees them read-only; HQ's admin edits them.
    await page.getByTestId('member-detail-back').click();
    await page.getByTestId('members-tab-rules').click();
    await expect(page.getByTestId('tier-min-spend-1').isDisabled()).resolves.toBe(true);
    await expect(page.getByTestId('members-rules-save').count()).resolves.toBe(0);
    await signInAtBackOffice(page, url, 'admin');
    await page.getByTestId('admin-nav').getByText('会员').click();
    await page.getByTestId('members-tab-rules').click();
    // 银卡 from ¥2,000.00 to ¥1,500.00.
    await expect(page.getByTestId('tier-name-1').inputValue()).resolves.toBe('银卡会员');
    await expect(page.getByTestId('tier-min-spend-1').inputValue()).resolves.toBe('2000.00');
    await page.getByTestId('tier-min-spend-1').fill('1500');
    await page.getByTestId('members-rules-save').click();
    await page.getByTestId('members-rules-message').getByText('会员规则已保存').waitFor();

    await page.reload();
    await page.getByTestId('admin-nav').getByText('会员').click();
    await page.getByTestId('members-tab-rules').click();
    await expect(page.getByTestId('tier-min-spend-1').inputValue()).resolves.toBe('1500.00');
    const admin = (await post('/auth/login', { username: 'admin', password: 'demo' })).token as string;
    const config = (await (await fetch(`${url}/api/v1/members-config`, { headers: { authorization: `Bearer ${admin}` } })).json()) as { tiers: Array<{ code: string; minSpendFen?: number }> };
    expect(config.tiers.find((t) => t.code === 'silver')?.minSpendFen).toBe(150_000);

    // A threshold below the tier under it is refused, and the field says why.
    await page.getByTestId('tier-min-spend-2').fill('1000');
    await page.getByTestId('members-rules-save').click();
    await page.getByTestId('members-rules-message').waitFor();
    await expect(page.getByTestId('members-rules-message').textContent()).resolves.toContain('tiers.2.minSpendFen');
    await expect(page.locator('.ant-form-item', { has: page.getByTestId('tier-min-spend-2') }).locator('.ant-form-item-explain-error').textContent()).resolves.toContain('tiers.2.minSpendFen');
    await page.close();
  });
});
