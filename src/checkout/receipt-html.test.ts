// The HTML receipt: self-contained, script-free, escaped, and showing the numbers a customer checks.
import { describe, expect, it } from 'vitest';
import QRCode from 'qrcode';
import type { ReceiptView } from './receipt';
import { renderReceiptHtml } from './receipt-html';

const URL = 'https://pos.example.cn/r/7f3kQ2xZ9mWb';
const HOSTILE = `<script>alert("x&y's")</script>`;

const view: ReceiptView = {
  storeName: `联华超市 "A&B's" 店`,
  storeCode: 'S002',
  terminalCode: 'T03',
  cashierName: '李娜',
  receiptNo: 'S002-T03-20261231-0007',
  // 16:00 UTC on New Year's Eve is already 2027 in Shanghai.
  issuedAt: '2026-12-31T16:00:01Z',
  timeZone: 'Asia/Shanghai',
  lines: [
    { name: HOSTILE, qty: 2, unit: 'piece', unitPriceFen: 5650, listFen: 11300, discountFen: 0, totalFen: 11300 },
    { name: '精品五花肉', qty: 750, unit: 'kg', unitPriceFen: 3600, listFen: 2700, discountFen: 270, totalFen: 2430 },
  ],
  promotions: [{ name: '鲜肉九折', savingFen: 270 }],
  subtotalFen: 14000,
  discountFen: 270,
  roundingFen: 30,
  totalFen: 13700,
  taxes: [
    { rate: '0.13', grossFen: 11300, taxFen: 1300 },
    { rate: '0.09', grossFen: 2430, taxFen: 201 },
  ],
  tenders: [
    { method: 'card', amountFen: 10000, cardLast4: '4321', reference: 'RRN<123>' },
    { method: 'cash', amountFen: 5000 },
  ],
  changeFen: 1300,
  receiptUrl: URL,
  member: { maskedPhone: '139****0001', pointsEarned: 137, pointsBalance: 2137 },
};

/** The visible text of the page, tags and the QR removed, entities left as written. */
function visibleText(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/, '')
    .replace(/<svg[\s\S]*?<\/svg>/, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ');
}

describe('renderReceiptHtml', () => {
  it('is a complete page with no scripts and nothing loaded from elsewhere', async () => {
    const html = await renderReceiptHtml(view, 'zh-CN');
    expect(html.startsWith('<!doctype html>\n<html lang="zh-CN">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('@media print{');
    expect(html).toContain('width:72mm');
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|\bhref=|url\(|@import|\bon[a-z]+=/i);
  });

  it('escapes every piece of user text', async () => {
    const html = await renderReceiptHtml(view, 'zh-CN');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&amp;y&#39;s&quot;)&lt;/script&gt;');
    expect(html).toContain('<h1>联华超市 &quot;A&amp;B&#39;s&quot; 店</h1>');
    expect(html).toContain('RRN&lt;123&gt;');
  });

  it('draws the e-receipt QR inline as SVG', async () => {
    const html = await renderReceiptHtml(view, 'zh-CN');
    // The same options give the same modules, so the page's QR is the URL's QR.
    const expected = await QRCode.toString(URL, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
    const modules = /<path stroke="#000000" d="([^"]+)"/.exec(expected)?.[1];
    expect(modules).toBeDefined();
    expect(html).toContain(`d="${modules ?? ''}"`);
    expect(html).toContain('<svg role="img" aria-label="扫码查看电子小票"');
    expect(visibleText(html)).toContain('扫码查看电子小票');
  });

  it('shows the numbers in Chinese by default, with the time in the store zone', async () => {
    const text = visibleText(await renderReceiptHtml(view, 'zh-CN'));
    for (const expected of [
      '小票号 S002-T03-20261231-0007',
      '收银台 T03',
      '收银员 李娜',
      '时间 2027-01-01 00:00:01',
      '2 × ¥56.50 ¥113.00',
      '0.750kg × ¥36.00/kg ¥24.30',
      '原价 ¥27.00 优惠 -¥2.70',
      '鲜肉九折 -¥2.70',
      '合计 ¥140.00',
      '优惠 -¥2.70',
      '抹零 -¥0.30',
      '应收 ¥137.00',
      '增值税 13% · 含税金额 ¥113.00 ¥13.00',
      '增值税 9% · 含税金额 ¥24.30 ¥2.01',
      '银行卡 ****4321 ¥100.00',
      '现金 ¥50.00',
      '找零 ¥13.00',
      '会员 139****0001',
      '积分余额 2137',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('speaks English when asked', async () => {
    const html = await renderReceiptHtml(view, 'en');
    const text = visibleText(html);
    expect(html).toContain('<html lang="en">');
    for (const expected of [
      'Receipt No. S002-T03-20261231-0007',
      'Cashier 李娜',
      'Subtotal ¥140.00',
      'Rounding -¥0.30',
      'Total due ¥137.00',
      'VAT 13% · Gross ¥113.00 ¥13.00',
      'Bank card ****4321 ¥100.00',
      'Change ¥13.00',
      'Scan for your e-receipt',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toMatch(/应收|找零/);
  });

  it('leaves out discount, rounding, promotions and member when there are none', async () => {
    const plain: ReceiptView = { ...view, promotions: [], discountFen: 0, roundingFen: 0, member: null, tenders: [{ method: 'wechat', amountFen: 13700 }], changeFen: 0 };
    const text = visibleText(await renderReceiptHtml(plain, 'zh-CN'));
    expect(text).not.toContain('抹零');
    expect(text).not.toContain('鲜肉九折');
    expect(text).not.toContain('会员');
    expect(text).toContain('微信支付 ¥137.00');
    expect(text).toContain('找零 ¥0.00');
  });
});
