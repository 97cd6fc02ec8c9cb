// The printed slip: render a Chinese receipt, read the text back as the printer would, and check
// the numbers a customer checks and that nothing runs off the paper.
import { describe, expect, it } from 'vitest';
import type { ReceiptView } from './receipt';
import { decodeEscPosText, renderEscPos } from './receipt-escpos';
import { taxBreakdown } from './tax';

const LONG_NAME = '进口智利车厘子JJ级特大果礼盒装两公斤装限时特惠款';
const WECHAT_TXN = '4200001234202611300012345678';
const URL = 'https://pos.example.cn/r/7f3kQ2xZ9mWb';

const lines = [
  { name: '农夫山泉饮用天然水550ml', qty: 3, unit: 'piece', unitPriceFen: 200, listFen: 600, discountFen: 0, totalFen: 600, vatRate: '0.13' },
  { name: '散装鲜鸡蛋', qty: 1234, unit: 'kg', unitPriceFen: 1280, listFen: 1580, discountFen: 0, totalFen: 1580, vatRate: '0.09' },
  { name: LONG_NAME, qty: 1, unit: 'piece', unitPriceFen: 19900, listFen: 19900, discountFen: 2000, totalFen: 17900, vatRate: '0.09' },
  { name: '五常稻花香大米5kg', qty: 1, unit: 'piece', unitPriceFen: 5990, listFen: 5990, discountFen: 599, totalFen: 5391, vatRate: '0.09' },
  { name: '新鲜菠菜', qty: 500, unit: 'kg', unitPriceFen: 800, listFen: 400, discountFen: 0, totalFen: 400, vatRate: '0' },
  { name: '包装服务费', qty: 1, unit: 'piece', unitPriceFen: 100, listFen: 100, discountFen: 0, totalFen: 100, vatRate: '0.06' },
] as const;

function receipt(overrides: Partial<ReceiptView> = {}): ReceiptView {
  return {
    storeName: '鲜丰超市（西湖文三路店）',
    storeCode: 'S001',
    terminalCode: 'T01',
    cashierName: '王小明',
    receiptNo: 'S001-T01-20261130-0042',
    issuedAt: '2026-11-30T06:05:09.000Z',
    timeZone: 'Asia/Shanghai',
    lines: lines.map(({ vatRate: _rate, ...line }) => ({ ...line })),
    promotions: [
      { name: '车厘子直降20元', savingFen: 2000 },
      { name: '会员九折', savingFen: 599 },
    ],
    subtotalFen: 28570,
    discountFen: 2599,
    roundingFen: 71,
    totalFen: 25900,
    taxes: taxBreakdown(lines.map((l) => ({ totalFen: l.totalFen, vatRate: l.vatRate }))),
    tenders: [
      { method: 'card', amountFen: 10000, cardLast4: '4321' },
      { method: 'wechat', amountFen: 5000, reference: WECHAT_TXN },
      { method: 'cash', amountFen: 20000 },
    ],
    changeFen: 9100,
    receiptUrl: URL,
    member: { maskedPhone: '138****5678', pointsEarned: 259, pointsBalance: 1259 },
    ...overrides,
  };
}

/** Printer columns, measured independently of the renderer: every non-ASCII character is double-byte. */
function columnsOf(line: string): number {
  return [...line].reduce((w, ch) => w + ((ch.codePointAt(0) ?? 0) > 0x7f ? 2 : 1), 0);
}

function printedLines(view: ReceiptView, width: 58 | 80): string[] {
  return decodeEscPosText(renderEscPos(view, { width })).split('\n');
}

/** The printed line that starts with `left` (after indentation) and ends with `right`. */
function rowWith(printed: string[], left: string, right: string): string | undefined {
  return printed.find((l) => l.trimStart().startsWith(left) && l.endsWith(right));
}

describe.each([
  [58, 32],
  [80, 48],
] as const)('renderEscPos on %i mm paper', (width, columns) => {
  const printed = printedLines(receipt(), width);

  it(`never prints a line wider than ${columns} columns`, () => {
    for (const line of printed) expect(columnsOf(line), line).toBeLessThanOrEqual(columns);
  });

  it('prints each line as quantity × price and its amount, with the discount under it', () => {
    expect(rowWith(printed, '3 × ￥2.00', '￥6.00')).toBeDefined();
    expect(rowWith(printed, '1.234kg × ￥12.80/kg', '￥15.80')).toBeDefined();
    expect(rowWith(printed, '1 × ￥199.00', '￥179.00')).toBeDefined();
    expect(rowWith(printed, '原价 ￥199.00', '优惠 -￥20.00')).toBeDefined();
    expect(rowWith(printed, '1 × ￥59.90', '￥53.91')).toBeDefined();
    expect(rowWith(printed, '0.500kg × ￥8.00/kg', '￥4.00')).toBeDefined();
    expect(rowWith(printed, '1 × ￥1.00', '￥1.00')).toBeDefined();
    expect(printed).toContain('农夫山泉饮用天然水550ml');
  });

  it('shows promotions, totals, VAT per rate, tenders and change', () => {
    expect(rowWith(printed, '车厘子直降20元', '-￥20.00')).toBeDefined();
    expect(rowWith(printed, '合计', '￥285.70')).toBeDefined();
    expect(rowWith(printed, '优惠', '-￥25.99')).toBeDefined();
    expect(rowWith(printed, '抹零', '-￥0.71')).toBeDefined();
    expect(rowWith(printed, '应收', '￥259.00')).toBeDefined();
    expect(rowWith(printed, '增值税 13%:', '￥0.69')).toBeDefined();
    expect(rowWith(printed, '增值税 9%:', '￥20.54')).toBeDefined();
    expect(rowWith(printed, '增值税 6%:', '￥0.06')).toBeDefined();
    expect(rowWith(printed, '增值税 0%:', '￥0.00')).toBeDefined();
    expect(rowWith(printed, '银行卡 ****4321', '￥100.00')).toBeDefined();
    expect(rowWith(printed, '微信支付', '￥50.00')).toBeDefined();
    expect(rowWith(printed, '现金', '￥200.00')).toBeDefined();
    expect(rowWith(printed, '找零', '￥91.00')).toBeDefined();
    expect(printed.join('')).toContain(WECHAT_TXN);
    expect(rowWith(printed, '会员', '138****5678')).toBeDefined();
    expect(rowWith(printed, '积分余额', '1259')).toBeDefined();
  });

  it('heads the slip with the store, receipt number, till, cashier and the store-local time', () => {
    expect(printed[0]).toBe('鲜丰超市（西湖文三路店）');
    expect(rowWith(printed, '小票号', 'S001-T01-20261130-0042')).toBeDefined();
    expect(rowWith(printed, '收银台', 'T01')).toBeDefined();
    expect(rowWith(printed, '收银员', '王小明')).toBeDefined();
    expect(rowWith(printed, '时间', '2026-11-30 14:05:09')).toBeDefined();
    expect(printed).toContain('扫码查看电子小票');
  });

  it('encodes the receipt URL in the native QR store-data command', () => {
    const bytes = renderEscPos(receipt(), { width });
    const url = Buffer.from(URL, 'utf8');
    const stored = url.length + 3;
    expect(bytes.includes(Buffer.concat([Buffer.from([0x1d, 0x28, 0x6b, stored & 0xff, stored >> 8, 0x31, 0x50, 0x30]), url]))).toBe(true);
    expect(bytes.includes(Buffer.from([0x1d, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30]))).toBe(true);
  });
});

describe('renderEscPos bytes', () => {
  const bytes = renderEscPos(receipt(), { width: 58 });

  it('initialises in Chinese mode, prints the store name bold and centred, and ends with a partial cut', () => {
    expect([...bytes.subarray(0, 4)]).toEqual([0x1b, 0x40, 0x1c, 0x26]);
    expect([...bytes.subarray(4, 10)]).toEqual([0x1b, 0x61, 1, 0x1b, 0x45, 1]);
    expect([...bytes.subarray(bytes.length - 4)]).toEqual([0x1d, 0x56, 66, 0]);
  });

  it('prints the amount due double size', () => {
    const doubled = bytes.indexOf(Buffer.from([0x1d, 0x21, 0x11]));
    const normal = bytes.indexOf(Buffer.from([0x1d, 0x21, 0x00]), doubled);
    expect(doubled).toBeGreaterThan(0);
    expect(decodeEscPosText(bytes.subarray(doubled, normal))).toMatch(/^应收 +￥259\.00\n$/);
  });

  it('wraps a long name onto its own lines without losing a character', () => {
    const printed = printedLines(receipt(), 58);
    const start = printed.findIndex((l) => l.startsWith('进口智利'));
    expect(start).toBeGreaterThan(0);
    expect(printed[start + 1]?.trimStart().startsWith('1 × ')).toBe(false);
    expect(printed.slice(start, start + 2).join('')).toBe(LONG_NAME);
  });

  it('keeps hostile text from sending printer commands and replaces what GBK printers cannot print', () => {
    const view = receipt({ lines: [{ ...receipt().lines[0]!, name: 'Bad\x1b@\x1dV\x00name ¥5 😀' }] });
    const printed = printedLines(view, 58);
    expect(printed).toContain('Bad @ V name ￥5 ?');
  });

  it('refuses a paper width it has no layout for, and bytes it did not write', () => {
    expect(() => renderEscPos(receipt(), { width: 76 as 58 })).toThrow(/58 or 80 mm/);
    expect(() => decodeEscPosText(Buffer.from([0x41, 0x1b, 0x70, 0, 25]))).toThrow(/Unknown or cut-off ESC\/POS command \(1b 70 00\) at byte 1/);
    expect(() => decodeEscPosText(Buffer.from([0x1d, 0x28, 0x6b, 9, 0, 0x31]))).toThrow(/cut-off/);
  });
});
