// Browser test: the finance clerk imports a WeChat bill on the reconciliation page and sees the
// payment that has no sale flagged, with the bill line behind it.
import { describe, expect, it } from 'vitest';
import { formatWechatBill } from '../src/reconciliation/wechat-bill';
import { chromiumMissing, serverAndBrowser } from './browser';

describe.skipIf(chromiumMissing())('browser: reconciliation', () => {
  const env = serverAndBrowser('tp-e2e-recon-');

  it('imports a bill and shows the 掉单 it finds', async () => {
    const bill = formatWechatBill({
      lines: [
        {
          time: '2026-11-29T18:30:00+08:00',
          appId: 'wxd930ea5d5a258f4f',
          mchId: '10000100',
          deviceInfo: null,
          transactionId: '4200000000202611290000000001',
          outTradeNo: 'S00120261129183000123456',
          openId: 'oSandboxOpenId0000000000000',
          state: 'SUCCESS',
          totalFen: 2590,
          body: '演示店 消费',
          feeExact: '0.15540',
          rate: '0.60%',
        },
      ],
    });
    const page = await env.browser().newPage();
    await page.goto(`${env.server().url}/login`);
    await page.getByTestId('username').fill('finance');
    await page.getByTestId('password').fill('demo');
    await page.getByTestId('login-submit').click();
    await page.waitForURL('**/admin');
    await page.getByTestId('admin-nav').getByText('对账').click();
    await page.getByTestId('recon-date').fill('2026-11-29');
    await page.locator('input[type=file]').setInputFiles({ name: 'wechat-2026-11-29.csv', mimeType: 'text/csv', buffer: bill });
    await expect(page.getByTestId('recon-message').textContent().then((x) => x ?? '')).resolves.toContain('已导入 1 行');
    await page.getByText('有账单无销售（掉单）').waitFor();
    await expect(page.getByTestId('recon-exceptions').textContent()).resolves.toContain('1');
    await expect(page.getByRole('cell', { name: '¥25.90' }).count()).resolves.toBe(1);
    await page.close();
  });
});
