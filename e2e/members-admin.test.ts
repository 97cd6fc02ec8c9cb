// Browser test of members in the back office: the store manager registers a member with their
// consent, finds them masked, reveals the number, exports their data, and anonymises them on
// request — after which the phone number finds no one.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, serverAndBrowser } from './browser';
import { signInAtBackOffice } from './back-office';

const PHONE = '13700005678';

describe.skipIf(chromiumMissing())('browser: members in the back office', () => {
  const env = serverAndBrowser('tp-e2e-members-admin-');

  it('registers, reveals, exports and anonymises a member; shows the tiers', async () => {
    const page = await env.browser().newPage({ viewport: { width: 1400, height: 900 } });
    await signInAtBackOffice(page, env.server().url, 'manager');
    await page.getByTestId('admin-nav').getByText('会员').click();

    await page.getByTestId('members-tab-rules').click();
    await expect(page.getByTestId('tier-name-1').inputValue()).resolves.toBe('银卡会员');
    await expect(page.getByTestId('members-points-rules').textContent()).resolves.toContain('100 积分 = ¥1.00');

    // Registering needs the customer's consent.
    await page.getByTestId('members-tab-register').click();
    await expect(page.getByTestId('admin-member-consent-text').textContent()).resolves.toContain('个人信息保护法');
    await page.getByTestId('admin-member-phone').fill(PHONE);
    await page.getByTestId('admin-member-name').fill('赵大海');
    await page.getByTestId('admin-member-register').click();
    await page.getByText('顾客须同意会员条款才能注册').waitFor();
    await page.getByTestId('admin-member-consent').click();
    await page.getByTestId('admin-member-register').click();

    // The new member is shown masked; a manager may reveal the number.
    await page.getByTestId('member-result').waitFor();
    await expect(page.getByTestId('member-result-phone').textContent()).resolves.toBe('137****5678');
    await expect(page.getByTestId('member-result-name').textContent()).resolves.toBe('赵**');
    await page.getByTestId('member-reveal').click();
    await page.getByTestId('member-result-phone').getByText(PHONE).waitFor();
    await expect(page.getByTestId('member-result-name').textContent()).resolves.toBe('赵大海');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('member-export').click()]);
    const exported = JSON.parse(fs.readFileSync(await download.path(), 'utf8')) as { member: { phone: string }; consent: { version: string } };
    expect(exported).toMatchObject({ member: { phone: PHONE }, consent: { version: 'v1' } });

    await page.getByTestId('member-anonymise').click();
    await expect(page.getByTestId('anonymise-warning').textContent()).resolves.toContain('不可撤销');
    await page.getByTestId('anonymise-confirm').click();
    await page.getByTestId('member-result-status').getByText('已注销').waitFor();
    await expect(page.getByTestId('member-result-phone').textContent()).resolves.toBe('—');

    await page.getByTestId('members-search').locator('input').fill(PHONE);
    await page.getByTestId('members-search').locator('input').press('Enter');
    await page.getByTestId('members-message').getByText('没有使用该手机号的会员').waitFor();
    await page.close();
  });
});
