// Bank CSV exports as stores download them: GBK, title rows, thousand separators, Excel's ="…"
// protection, 合计 footers, and the running balance that proves no line is missing.
import { describe, expect, it } from 'vitest';
import iconv from 'iconv-lite';
import { thrown } from '../platform/testing/thrown';
import { parseBankCsv } from './bank-csv';
import type { BankStatement } from './types';

function gbk(lines: string[]): Buffer {
  return iconv.encode(lines.join('\r\n') + '\r\n', 'gbk');
}

const ICBC = [
  '中国工商银行账户历史明细',
  '账号：6222 0202 0000 1234 567,户名：上海某某便利店有限公司',
  '起止日期：2024-03-01 至 2024-03-03,币种：人民币',
  ',,,,,,,',
  '交易日期,摘要,交易详情,收入金额,支出金额,余额,对方户名,对方账号',
  '2024-03-01,\t转账,微信支付结算 2024-02-29,"12,680.50",,"65,020.65",财付通支付科技有限公司,="243300133"',
  '2024-03-02,支付宝结算,,"1,500.00",,"66,520.65",支付宝（中国）网络技术有限公司,',
  '',
  '2024-03-03,代发,三月物业费,,"3,500.00","63,020.65",,="4000023409100123456"',
  '合计,,,"14,180.50","3,500.00",,,',
  '打印时间：2024-03-04 09:00:00,操作员：王芳',
];

const CMB = [
  '招商银行账务明细',
  '账号:,755912345610801',
  '币种:,人民币',
  '起始日期:,20240301,终止日期:,20240302',
  '交易日,交易时间,收入,支出,余额,交易类型,交易备注,对方户名,对方账号',
  '20240302,16:05:11,,"1,200.00","18,800.40",转账汇款,店铺装修尾款,上海某某装饰工程有限公司,="31050161393600001234"',
  '20240302,09:12:40,"5,000.40",,"20,000.40",银联入账,银联POS结算 商户号 898310058120001,银联商务股份有限公司,',
  '20240301,18:30:00,,35.00,"15,000.00",手续费,账户管理费,,',
  '20240301,10:00:00,"3,035.00",,"15,035.00",转账汇款,备用金,张三,',
  '合计,,"8,035.40","1,235.00",,,,,',
];

describe('parseBankCsv', () => {
  it('reads an ICBC export in GBK with title rows, blank lines and a 合计 footer', () => {
    expect(parseBankCsv(gbk(ICBC), 'icbc')).toEqual<BankStatement>({
      account: '6222020200001234567',
      currency: 'CNY',
      openingFen: 5_234_015,
      closingFen: 6_302_065,
      fromDate: '2024-03-01',
      toDate: '2024-03-03',
      lines: [
        { valueDate: '2024-03-01', bookingDate: null, amountFen: 1_268_050, currency: 'CNY', counterparty: '财付通支付科技有限公司', reference: null, description: '转账 微信支付结算 2024-02-29', line: 6 },
        { valueDate: '2024-03-02', bookingDate: null, amountFen: 150_000, currency: 'CNY', counterparty: '支付宝（中国）网络技术有限公司', reference: null, description: '支付宝结算', line: 7 },
        // No name: the paying account stands in for it.
        { valueDate: '2024-03-03', bookingDate: null, amountFen: -350_000, currency: 'CNY', counterparty: '4000023409100123456', reference: null, description: '代发 三月物业费', line: 9 },
      ],
    });
  });

  it('reads a CMB export listed newest first, opening and closing from its 余额', () => {
    const statement = parseBankCsv(gbk(CMB), 'cmb');
    expect(statement).toMatchObject({ account: '755912345610801', currency: 'CNY', openingFen: 1_200_000, closingFen: 1_880_040, fromDate: '2024-03-01', toDate: '2024-03-02' });
    expect(statement.lines.map((l) => [l.line, l.valueDate, l.amountFen, l.counterparty, l.description])).toEqual([
      [6, '2024-03-02', -120_000, '上海某某装饰工程有限公司', '转账汇款 店铺装修尾款'],
      [7, '2024-03-02', 500_040, '银联商务股份有限公司', '银联入账 银联POS结算 商户号 898310058120001'],
      [8, '2024-03-01', -3_500, null, '手续费 账户管理费'],
      [9, '2024-03-01', 303_500, '张三', '转账汇款 备用金'],
    ]);
  });

  it('names the line where the running balance breaks', () => {
    const edited = ICBC.map((l) => l.replace('"66,520.65"', '"66,502.65"'));
    const error = thrown(() => parseBankCsv(gbk(edited), 'icbc'));
    expect(error.code).toBe('BANK_BALANCE_MISMATCH');
    expect(error.message).toBe(
      'Line 7: the balance 66502.65 does not follow from line 6: 65020.65 + 1500.00 = 66520.65. A line between them is missing or was edited: export the statement from the bank again. Nothing was imported.',
    );
  });

  it('checks the lines against the 合计 row', () => {
    const withoutRent = ICBC.filter((l) => !l.startsWith('2024-03-03'));
    const error = thrown(() => parseBankCsv(gbk(withoutRent), 'icbc'));
    expect(error.code).toBe('BANK_TOTAL_MISMATCH');
    expect(error.message).toBe(
      'Line 9: the total row says 支出金额 3500.00, but the 2 lines above add up to 0.00. Lines are missing or were edited: export the statement from the bank again. Nothing was imported.',
    );
  });

  it('names the line and column of an amount it cannot read', () => {
    const error = thrown(() => parseBankCsv(gbk(CMB.map((l) => l.replace('35.00', '35.0.0'))), 'cmb'));
    expect(error.code).toBe('BANK_FILE_INVALID');
    expect(error.details).toMatchObject({ line: 8, field: '支出' });
    expect(error.message).toMatch(/^Line 8: 支出 "35\.0\.0" is not an amount like 1,234\.56\./);
  });

  it('says the profile does not fit when no header row is found', () => {
    const error = thrown(() => parseBankCsv(gbk(CMB), 'icbc'));
    expect(error.code).toBe('BANK_FILE_INVALID');
    expect(error.message).toContain('Check that the file is a bank statement export for ICBC, or choose the profile of the bank it comes from.');
  });

  it('reads any bank through a generic mapping: UTF-8 with BOM, one signed column, page subtotals', () => {
    const text = [
      '\uFEFF记账日期,金额,用途,对方名称,流水号',
      '2024/3/1,"2,000.00",货款,甲公司,A001',
      '2024/3/1,-15.50,手续费,,A002',
      '本页小计,"1,984.50",,,',
      '记账日期,金额,用途,对方名称,流水号',
      '2024/3/2,+100,利息,,A003',
      '总计,"2,084.50",,,',
    ].join('\n');
    const statement = parseBankCsv(Buffer.from(text, 'utf8'), {
      kind: 'generic',
      columns: { date: ['记账日期'], amount: ['金额'], description: ['用途'], counterparty: ['对方名称'], reference: ['流水号'] },
    });
    expect(statement).toMatchObject({ account: '', currency: 'CNY', openingFen: null, closingFen: null, fromDate: '2024-03-01', toDate: '2024-03-02' });
    expect(statement.lines.map((l) => [l.line, l.amountFen, l.reference])).toEqual([
      [2, 200_000, 'A001'],
      [3, -1_550, 'A002'],
      [6, 10_000, 'A003'],
    ]);
  });
});
