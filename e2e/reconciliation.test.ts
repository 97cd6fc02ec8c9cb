// Browser test: the finance clerk imports a WeChat bill (S001's own account) on the reconciliation page and sees the
// payment that has no sale flagged, with the bill line behind it; then writes it off with a reason.
import { describe, expect, it } from 'vitest';
import { formatWechatBill } from '../src/reconciliation/wechat-bill';
import { formatMt940 } from '../src/reconciliation/bank-mt940';
import type { Page } from 'playwright-core';
import { chromiumMissing, serverAndBrowser } from './browser';
import { signInAtBackOffice } from './back-office';

async function openReconciliationAsFinance(page: Page, baseUrl: string): Promise<void> {
  await signInAtBackOffice(page, baseUrl, 'finance');
  await page.getByTestId('admin-nav').getByText('对账').click();
}

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
    await openReconciliationAsFinance(page, env.server().url);
    await page.getByTestId('recon-date').fill('2026-11-29');
    // The bill of S001's own merchant account: what no sale explains on it is S001's.
    await page.getByTestId('recon-import-store').fill('s001');
    await page.locator('input[type=file]').setInputFiles({ name: 'wechat-2026-11-29.csv', mimeType: 'text/csv', buffer: bill });
    await expect(page.getByTestId('recon-message').textContent().then((x) => x ?? '')).resolves.toContain('已导入 1 行');
    await page.getByText('有账单无销售（掉单）').waitFor();
    await expect(page.getByTestId('recon-exceptions').textContent()).resolves.toContain('1');
    await expect(page.getByTestId('recon-stores').getByRole('row', { name: /S001\s*微信支付/ }).textContent()).resolves.toMatch(/S001微信支付001$/);
    await expect(page.getByTestId('recon-list').getByRole('cell', { name: '¥25.90', exact: true }).count()).resolves.toBe(1);
    // The channel by its name, as everywhere on the page, not its code (wechat).
    await expect(page.getByTestId('recon-list').getByRole('cell', { name: '微信支付', exact: true }).count()).resolves.toBe(1);
    await page.close();
  });

  it('charts the day: money per channel, what is still in transit, the calendar, and the list as CSV', async () => {
    const page = await env.browser().newPage();
    await openReconciliationAsFinance(page, env.server().url);
    await page.getByTestId('recon-date').fill('2026-11-29');
    const wechat = page.getByTestId('recon-money').getByRole('row', { name: /微信支付/ });
    // ¥25.90 paid, ¥0.16 fee (0.1554 rounded), no settlement yet: all of the net is in transit.
    await expect(wechat.textContent()).resolves.toMatch(/微信支付1¥25\.90¥0\.16¥0\.00¥25\.74¥25\.74/);
    await expect(page.getByTestId('recon-in-transit').textContent()).resolves.toContain('¥25.74');
    await page.getByTestId('recon-day-2026-11-29').getByText('(1)').waitFor();
    await page.getByTestId('recon-matched-chart').waitFor();
    await page.getByTestId('recon-trend-chart').waitFor();
    const href = await page.getByTestId('recon-csv').getAttribute('href');
    const csv = await page.request.get(`${env.server().url}${href ?? ''}`);
    expect(csv.status()).toBe(200);
    expect((await csv.text()).split('\r\n')[1]).toMatch(/^2026-11-29,有账单无销售（掉单）,CHANNEL_ONLY,wechat,S001,S00120261129183000123456,/);
    await page.close();
  });

  it('writes the 掉单 off with a reason, in the exception drawer; the list then shows it written off', async () => {
    const page = await env.browser().newPage();
    await openReconciliationAsFinance(page, env.server().url);
    await page.getByTestId('recon-date').fill('2026-11-29');
    await page.getByRole('cell', { name: '+¥25.90' }).click();
    const drawer = page.getByTestId('recon-drawer');
    await drawer.getByText('待处理').waitFor();
    await page.getByTestId('recon-writeoff-reason').fill('顾客重复扫码，已线下退回');
    await page.getByTestId('recon-writeoff').click();
    await page.getByTestId('recon-drawer-status').getByText('已核销').waitFor();
    await drawer.getByText('顾客重复扫码，已线下退回').first().waitFor();
    await page.getByRole('cell', { name: '已核销' }).waitFor();
    await page.close();
  });

  it("records a store's cash deposit and finds the bank's credit ¥10.00 short of it", async () => {
    const page = await env.browser().newPage();
    await openReconciliationAsFinance(page, env.server().url);
    await page.getByTestId('recon-date').fill('2026-11-28');
    await page.getByTestId('recon-deposit-amount').fill('500.00');
    await page.getByPlaceholder('缴款单号').fill('JK20261128S001');
    await page.getByTestId('recon-deposit').click();
    await expect(page.getByTestId('recon-message').textContent().then((x) => x ?? '')).resolves.toContain('已登记存款 ¥500.00');
    const credit = { valueDate: '2026-11-29', bookingDate: '2026-11-29', amountFen: 49_000, currency: 'CNY', counterparty: null, reference: 'JK20261128S001', description: '现金存款 缴款单号JK20261128S001', line: 0 };
    const statement = formatMt940([{ account: '6222000000000001', currency: 'CNY', openingFen: 100_000, closingFen: 149_000, fromDate: '2026-11-29', toDate: '2026-11-29', lines: [credit] }], 'STMT20261129');
    await page.getByText('微信支付账单').click();
    await page.getByTitle('银行对账单').click();
    await page.locator('input[type=file]').setInputFiles({ name: 'bank-2026-11-29.mt940', mimeType: 'text/plain', buffer: Buffer.from(statement) });
    await page.getByText('现金短款').waitFor();
    const row = page.getByTestId('recon-list').getByRole('row', { name: /现金短款/ });
    await expect(row.textContent()).resolves.toMatch(/现金短款现金JK20261128S001.*¥500\.00¥490\.00-¥10\.00/);
    await page.close();
  });

  it('gives a 掉单 back to the customer: the drawer names its fields in Chinese and records the refund', async () => {
    const bill = formatWechatBill({
      lines: [
        { time: '2026-11-27T12:05:00+08:00', appId: 'wxd930ea5d5a258f4f', mchId: '10000100', deviceInfo: null, transactionId: '4200000000202611270000000007', outTradeNo: 'S00120261127120500999999', openId: 'oSandboxOpenId0000000000000', state: 'SUCCESS', totalFen: 1880, body: '演示店 消费', feeExact: '0.11280', rate: '0.60%' },
      ],
    });
    const page = await env.browser().newPage();
    await openReconciliationAsFinance(page, env.server().url);
    await page.getByTestId('recon-date').fill('2026-11-27');
    await page.locator('input[type=file]').setInputFiles({ name: 'wechat-2026-11-27.csv', mimeType: 'text/csv', buffer: bill });
    await page.getByRole('cell', { name: '+¥18.80' }).click();
    const drawer = page.getByTestId('recon-drawer');
    await drawer.getByText('商户订单号').waitFor();
    await expect(drawer.getByText('merchantOrderNo').count()).resolves.toBe(0);
    await page.getByTestId('recon-refund-ref').fill('50300000000777');
    await page.getByTestId('recon-refund').click();
    await page.getByTestId('recon-drawer-status').getByText('已解决').waitFor();
    await drawer.getByText(/已退款.*50300000000777/).first().waitFor();
    await page.close();
  });

  it('filters the list by channel and exception type, and exports what it shows', async () => {
    const page = await env.browser().newPage();
    await openReconciliationAsFinance(page, env.server().url);
    await page.getByTestId('recon-date').fill('2026-11-28');
    await page.getByText('现金短款').waitFor();
    const rows = page.getByTestId('recon-list').locator('tbody tr.ant-table-row');
    const pick = async (filter: string, option: string) => {
      await page.getByTestId(filter).click();
      await page.locator('.ant-select-dropdown:visible').getByTitle(option, { exact: true }).click();
    };
    const all = await rows.count();
    await pick('recon-channel-filter', '现金');
    await expect.poll(() => rows.count()).toBe(1);
    await pick('recon-code-filter', '现金短款');
    await expect(rows.first().textContent()).resolves.toContain('JK20261128S001');
    const href = (await page.getByTestId('recon-csv').getAttribute('href')) ?? '';
    expect(new URLSearchParams(href.split('?')[1]).toString()).toBe('date=2026-11-28&format=csv&channel=cash&code=CASH_SHORT');
    const csv = (await (await page.request.get(`${env.server().url}${href}`)).text()).trim().split('\r\n');
    expect(csv.slice(1).map((line) => line.split(',').slice(1, 4).join(','))).toEqual(['现金短款,CASH_SHORT,cash']);
    // Back to every channel: the list is whole again (the other filters still hold).
    await pick('recon-channel-filter', '全部渠道');
    await pick('recon-code-filter', '全部差异类型');
    await expect.poll(() => rows.count()).toBe(all);
    await page.close();
  });
});
