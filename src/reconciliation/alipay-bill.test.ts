// Alipay 业务明细 bills: FORMATS.md's sample, refunds, GBK and zips as Alipay serves them, and
// every damaged file refused with the line to look at.
import Big from 'big.js';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { roundHalfEven } from '../platform/money';
import { thrown } from '../platform/testing/thrown';
import { formatAlipayBill, parseAlipayBill, zipAlipayBill, type AlipayBillInput, type AlipayBillRow } from './alipay-bill';
import type { ChannelLine } from './types';

const HEADER =
  '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
const START = '#-----------------------------------------业务明细列表----------------------------------------';
const END = '#-----------------------------------------业务明细列表结束------------------------------------';
const SAMPLE_ROW =
  '2017083121001004720299453898\t,cd6ece…\t,交易\t,支付宝APP支付,2017-08-31 00:06:14,2017-08-31 00:06:15,\t,\t,\t,\t,*杨(137****2600)\t,20.00,20.00,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,0.00,0.00,备注…';

/** FORMATS.md's sample, verbatim except for the rows and the two totals lines. */
function sample(rows: string[], payTotal: string, refundTotal: string): string[] {
  return [
    '#支付宝业务明细查询',
    '#账号：[20885212319120680156]',
    '#起始日期：[2017年08月31日 00:00:00]   终止日期：[2017年09月01日 00:00:00]',
    START,
    HEADER,
    ...rows,
    END,
    payTotal,
    refundTotal,
    '#导出时间：[2021年10月22日 06:27:10]',
  ];
}

const ONE_PAYMENT = sample([SAMPLE_ROW], '#交易合计：1笔，商家实收共20.00元，商家优惠共0.00元', '#退款合计：0笔，商家实收退款共0.00元，商家优惠退款共0.00元');

function gbk(lines: string[], eol = '\r\n'): Buffer {
  return iconv.encode(lines.join(eol) + eol, 'gbk');
}

const sampleLine: ChannelLine = {
  channel: 'alipay',
  channelTxnId: '2017083121001004720299453898',
  merchantOrderNo: 'cd6ece…',
  refundNo: null,
  kind: 'pay',
  grossFen: 2000,
  feeFen: 0,
  feeExact: '0.00',
  netFen: 2000,
  time: '2017-08-31T00:06:15+08:00',
  store: null,
  terminal: null,
  line: 6,
};

/** A ¥3000 sale with a 0.6% fee at store S001, and its full refund, which returns the fee. */
const SALE = '2017083121001004720299460001\t,T20170831-0001\t,交易\t,奶粉 整箱,2017-08-31 10:00:00,2017-08-31 10:00:02,S001\t,一号店\t,店长\t,POS01\t,*明(138****0001)\t,3000.00,3000.00,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,\t,-18.00,0.00,';
const REFUND = '2017083121001004720299460001\t,T20170831-0001\t,退款\t,奶粉 整箱,2017-08-31 15:30:00,2017-08-31 15:30:01,S001\t,一号店\t,店长\t,POS01\t,*明(138****0001)\t,-3000.00,-3000.00,0.00,0.00,0.00,0.00,0.00,,0.00\t,0.00,R20170831-0001\t,18.00,0.00,';
const WITH_REFUND = sample(
  [SAMPLE_ROW, SALE, REFUND],
  '#交易合计：2笔，商家实收共3020.00元，商家优惠共0.00元',
  '#退款合计：1笔，商家实收退款共-3000.00元，商家优惠退款共0.00元',
);

describe('parseAlipayBill', () => {
  it('reads the FORMATS.md sample once its totals describe its one row', () => {
    const bill = parseAlipayBill(gbk(ONE_PAYMENT));
    expect(bill.account).toBe('20885212319120680156');
    expect(bill.lines).toEqual([sampleLine]);
    expect(bill.totals).toEqual({ payCount: 1, payFen: 2000, refundCount: 0, refundFen: 0 });
  });

  it('refuses the FORMATS.md sample verbatim: its totals speak of 10374 payments, the excerpt has 1', () => {
    const verbatim = sample([SAMPLE_ROW], '#交易合计：10374笔，商家实收共28790.16元，商家优惠共0.00元', '#退款合计：1笔，商家实收退款共-3000.00元，商家优惠退款共0.00元');
    const error = thrown(() => parseAlipayBill(gbk(verbatim)));
    expect(error.code).toBe('BILL_TOTAL_MISMATCH');
    expect(error.message).toContain("The bill's #交易合计 (line 8) says 10374 payments but the file has 1 交易 rows");
    expect(error.message).toContain('10373 row(s) are missing');
    expect(error.details).toMatchObject({ line: 8, statedCount: 10374, rowCount: 1 });
  });

  it('reads a refund: negative gross, the fee returned, the refund request number', () => {
    const bill = parseAlipayBill(gbk(WITH_REFUND));
    expect(bill.lines.map(({ kind, grossFen, feeFen, netFen, refundNo, store, terminal, line }) => ({ kind, grossFen, feeFen, netFen, refundNo, store, terminal, line }))).toEqual([
      { kind: 'pay', grossFen: 2000, feeFen: 0, netFen: 2000, refundNo: null, store: null, terminal: null, line: 6 },
      { kind: 'pay', grossFen: 300_000, feeFen: -1800, netFen: 298_200, refundNo: null, store: 'S001', terminal: 'POS01', line: 7 },
      { kind: 'refund', grossFen: -300_000, feeFen: 1800, netFen: -298_200, refundNo: 'R20170831-0001', store: 'S001', terminal: 'POS01', line: 8 },
    ]);
    expect(bill.lines[2]).toMatchObject({ channelTxnId: '2017083121001004720299460001', merchantOrderNo: 'T20170831-0001', time: '2017-08-31T15:30:01+08:00' });
    expect(bill.totals).toEqual({ payCount: 2, payFen: 302_000, refundCount: 1, refundFen: -300_000 });
  });

  it('reads GBK, UTF-8 with a BOM, and LF line ends alike', () => {
    const fromGbk = parseAlipayBill(gbk(WITH_REFUND));
    // The Chinese really is GBK: two bytes per character, not valid UTF-8.
    expect(gbk(['交易'], '')).toEqual(Buffer.from([0xbd, 0xbb, 0xd2, 0xd7]));
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(WITH_REFUND.join('\n') + '\n', 'utf8')]);
    expect(parseAlipayBill(utf8)).toEqual(fromGbk);
  });

  it('takes the 业务明细.csv out of a zip whose names are GBK, as Alipay writes them, and skips the 汇总', () => {
    const zip = zipWithGbkNames({
      '20885212319120680156_20170831_业务明细(汇总).csv': gbk(['#支付宝业务汇总查询']),
      '20885212319120680156_20170831_业务明细.csv': gbk(WITH_REFUND),
    });
    expect(zip.includes(iconv.encode('业务明细.csv', 'gbk'))).toBe(true);
    expect(parseAlipayBill(zip)).toEqual(parseAlipayBill(gbk(WITH_REFUND)));
  });

  it('refuses a zip without a 业务明细.csv, naming what it holds', () => {
    const zip = Buffer.from(zipSync({ '20885212319120680156_20170831_业务明细(汇总).csv': gbk(['#支付宝业务汇总查询']) }));
    const error = thrown(() => parseAlipayBill(zip));
    expect(error.code).toBe('BILL_INVALID');
    expect(error.message).toBe(
      "The zip holds no …业务明细.csv (it has 20885212319120680156_20170831_业务明细(汇总).csv). Import the zip Alipay's trade bill (bill_type=trade) downloads as.",
    );
  });

  it('refuses a zip whose compressed bill is damaged, and one cut off, without reading a line', () => {
    const zip = zipAlipayBill(gbk(WITH_REFUND), '20885212319120680156_20170831');
    const at = zip.indexOf(Buffer.from('业务明细.csv', 'utf8')) + 40;
    const damaged = Buffer.from(zip);
    damaged.fill(0xff, at, at + 16);
    const error = thrown(() => parseAlipayBill(damaged));
    expect(error.code).toBe('BILL_INVALID');
    expect(error.message).toMatch(/^The zip is damaged \(.+\)\. Download the bill again from Alipay\.$/);
    expect(thrown(() => parseAlipayBill(zip.subarray(0, zip.length - 30))).message).toMatch(/^The zip is damaged/);
  });

  it('refuses a file cut off inside the list, naming the last line', () => {
    const cut = WITH_REFUND.slice(0, 7);
    const error = thrown(() => parseAlipayBill(gbk(cut)));
    expect(error.code).toBe('BILL_INVALID');
    expect(error.message).toMatch(/^The bill stops at line 7 without the "#----业务明细列表结束----" line: the file is cut off\. Download the bill again/);
  });

  it('refuses a file cut off after the list, before its totals', () => {
    const error = thrown(() => parseAlipayBill(gbk(WITH_REFUND.slice(0, 10))));
    expect(error.code).toBe('BILL_INVALID');
    expect(error.message).toMatch(/^The bill has no #退款合计 line after its list ends at line 9: the file is cut off\./);
  });

  it('refuses a bill whose rows do not add up to #交易合计, saying by how much', () => {
    const edited = WITH_REFUND.map((line) => (line === SALE ? line.replace(',3000.00,3000.00,', ',3000.00,2990.00,') : line));
    const error = thrown(() => parseAlipayBill(gbk(edited)));
    expect(error.code).toBe('BILL_TOTAL_MISMATCH');
    expect(error.message).toContain("The bill's #交易合计 (line 10) says 商家实收 3020.00 yuan but its 2 交易 rows");
    expect(error.message).toContain('add up to 3010.00: a row was changed.');
    expect(error.details).toMatchObject({ statedFen: 302_000, rowFen: 301_000 });
  });

  it('refuses a bill with a refund row missing', () => {
    const error = thrown(() => parseAlipayBill(gbk(WITH_REFUND.filter((line) => line !== REFUND))));
    expect(error.code).toBe('BILL_TOTAL_MISMATCH');
    expect(error.message).toContain("The bill's #退款合计 (line 10) says 1 refunds but the file has 0 退款 rows");
  });

  it('names the line and column of a bad amount, and imports nothing', () => {
    const edited = WITH_REFUND.map((line) => (line === SALE ? line.replace(',3000.00,3000.00,', ',3000.00,3,000.00,') : line));
    const shifted = thrown(() => parseAlipayBill(gbk(edited)));
    expect(shifted.code).toBe('BILL_INVALID');
    expect(shifted.message).toMatch(/^Line 7: the row has 26 fields but the header has 25\./);

    const typo = WITH_REFUND.map((line) => (line === REFUND ? line.replace(',-3000.00,-3000.00,', ',-3000.00,-30O0.00,') : line));
    const error = thrown(() => parseAlipayBill(gbk(typo)));
    expect(error.message).toBe(
      'Line 8, 商家实收（元）: "-30O0.00" is not a yuan amount like 20.00. Download the bill again from Alipay (do not open and save it in Excel); nothing was imported.',
    );
    expect(error.details).toEqual({ problems: [{ line: 8, column: '商家实收（元）', message: '"-30O0.00" is not a yuan amount like 20.00.' }], problemCount: 1 });
  });

  it('refuses a time that is not on the calendar and a refund with a positive amount', () => {
    const edited = WITH_REFUND.map((line) =>
      line === SALE ? line.replace('2017-08-31 10:00:02', '2017-02-30 10:00:02') : line === REFUND ? line.replace(',-3000.00,-3000.00,', ',-3000.00,3000.00,') : line,
    );
    const error = thrown(() => parseAlipayBill(gbk(edited)));
    expect(error.details?.problems).toEqual([
      { line: 7, column: '完成时间', message: '"2017-02-30 10:00:02" is not a time like 2017-08-31 00:06:15.' },
      { line: 8, column: '商家实收（元）', message: 'a 退款 row must be negative or zero, not 3000.00.' },
    ]);
  });

  it('points at the bill when given the 汇总 summary', () => {
    const error = thrown(() => parseAlipayBill(gbk(['#支付宝业务汇总查询', '#-----业务汇总列表-----'])));
    expect(error.message).toMatch(/^This is the 业务明细\(汇总\) summary, not the bill\./);
  });
});

const EXAMPLE_INPUT: AlipayBillInput = {
  account: '20885212319120680156',
  from: '2017-08-31',
  to: '2017-09-01 00:00:00',
  exportedAt: '2021-10-22 06:27:10',
  lines: [
    {
      tradeNo: '2017083121001004720299453898',
      outTradeNo: 'cd6ece…',
      kind: '交易',
      subject: '支付宝APP支付',
      createdAt: '2017-08-31 00:06:14',
      finishedAt: '2017-08-31 00:06:15',
      storeId: '',
      storeName: '',
      operator: '',
      terminalId: '',
      buyer: '*杨(137****2600)',
      orderFen: 2000,
      receivedFen: 2000,
      refundRequestNo: '',
      serviceFeeExact: '0.00',
    },
  ],
};

describe('formatAlipayBill', () => {
  it('writes FORMATS.md layout byte for byte in GBK (备注 left empty)', () => {
    const expected = ONE_PAYMENT.map((line) => (line === SAMPLE_ROW ? line.replace(/备注…$/, '') : line));
    expect(formatAlipayBill(EXAMPLE_INPUT)).toEqual(gbk(expected));
  });

  it('quotes a subject with a comma or a quote so it reads back whole', () => {
    const [row] = EXAMPLE_INPUT.lines as [AlipayBillRow];
    const csv = formatAlipayBill({ ...EXAMPLE_INPUT, lines: [{ ...row, subject: '面包,牛奶 "特价"' }] });
    expect(iconv.decode(csv, 'gbk')).toContain(',"面包,牛奶 ""特价""",');
    expect(parseAlipayBill(csv).lines).toEqual([sampleLine]);
  });

  it('refuses a time it cannot write', () => {
    const [row] = EXAMPLE_INPUT.lines as [AlipayBillRow];
    const error = thrown(() => formatAlipayBill({ ...EXAMPLE_INPUT, lines: [{ ...row, createdAt: '2017/08/31 0:06' }] }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toBe('lines[0].createdAt "2017/08/31 0:06" is not a time like 2017-08-31 00:06:15.');
  });
});

describe('zipAlipayBill', () => {
  it('zips the bill beside its summary under UTF-8 names, the same bytes every time', () => {
    const csv = formatAlipayBill(EXAMPLE_INPUT);
    const zip = zipAlipayBill(csv, '20885212319120680156_20170831');
    expect(zip.subarray(0, 4)).toEqual(Buffer.from('PK\x03\x04', 'latin1'));
    expect(zip.includes(Buffer.from('20885212319120680156_20170831_业务明细(汇总).csv', 'utf8'))).toBe(true);
    expect(zipAlipayBill(csv, '20885212319120680156_20170831')).toEqual(zip);
    expect(parseAlipayBill(zip).lines).toEqual([sampleLine]);
  });
});

describe('parseAlipayBill ∘ formatAlipayBill', () => {
  const time = fc
    .date({ min: new Date('2015-01-01T00:00:00Z'), max: new Date('2035-12-31T23:59:59Z'), noInvalidDate: true })
    .map((date) => date.toISOString().slice(0, 19).replace('T', ' '));
  // Alipay writes two decimals; more are allowed so half-even rounding of the fee is exercised.
  const fee = fc
    .tuple(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 4 }))
    .map(([units, decimals]) => new Big(units).div(10 ** decimals).toFixed(decimals));
  const text = fc.constantFrom('', '可口可乐 330ml', '面包,牛奶', '"特价"', ' 前后空格 ');
  const row: fc.Arbitrary<AlipayBillRow> = fc
    .record({
      tradeNo: fc.stringMatching(/^20\d{26}$/),
      outTradeNo: fc.stringMatching(/^[A-Za-z0-9_]{0,64}$/),
      kind: fc.constantFrom('交易' as const, '退款' as const),
      subject: text,
      createdAt: time,
      finishedAt: fc.oneof(time, fc.constant('')),
      storeId: fc.constantFrom('', 'S001', 'NJ-03'),
      storeName: text,
      operator: text,
      terminalId: fc.constantFrom('', 'POS01'),
      buyer: text,
      amountFen: fc.integer({ min: 0, max: 100_000_000 }),
      refundRequestNo: fc.stringMatching(/^[A-Za-z0-9_]{0,64}$/),
      serviceFeeExact: fee,
    })
    .map(({ amountFen, ...rest }) => {
      // 0 - x, not -x: the parser never yields -0 and toEqual tells -0 from 0.
      const signed = rest.kind === '退款' ? 0 - amountFen : amountFen;
      return { ...rest, orderFen: signed, receivedFen: signed };
    });

  it('gives back every amount, id, kind and time, and the totals', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 20 }), fc.boolean(), (rows, zipped) => {
        const csv = formatAlipayBill({ ...EXAMPLE_INPUT, lines: rows });
        const bill = parseAlipayBill(zipped ? zipAlipayBill(csv, 'bill') : csv);
        const feeFen = (exact: string): number => roundHalfEven(new Big(exact).times(100));
        expect(bill.lines).toEqual(
          rows.map((r, index): ChannelLine => ({
            channel: 'alipay',
            channelTxnId: r.tradeNo,
            merchantOrderNo: r.outTradeNo || null,
            refundNo: r.kind === '退款' ? r.refundRequestNo || null : null,
            kind: r.kind === '交易' ? 'pay' : 'refund',
            grossFen: r.receivedFen,
            feeFen: feeFen(r.serviceFeeExact),
            feeExact: r.serviceFeeExact,
            netFen: r.receivedFen + feeFen(r.serviceFeeExact),
            time: `${(r.finishedAt || r.createdAt).replace(' ', 'T')}+08:00`,
            store: r.storeId || null,
            terminal: r.terminalId || null,
            line: 6 + index,
          })),
        );
        const pays = rows.filter((r) => r.kind === '交易');
        const refunds = rows.filter((r) => r.kind === '退款');
        expect(bill.totals).toEqual({
          payCount: pays.length,
          payFen: pays.reduce((sum, r) => sum + r.receivedFen, 0),
          refundCount: refunds.length,
          refundFen: refunds.reduce((sum, r) => sum + r.receivedFen, 0),
        });
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * Zips under GBK names without the UTF-8 flag, as Alipay does. fflate writes only UTF-8 names,
 * so zip (stored, uncompressed) under ASCII stand-ins of the same byte length and swap the bytes.
 */
function zipWithGbkNames(files: Record<string, Buffer>): Buffer {
  const entries = Object.entries(files).map(([name, data], index) => {
    const gbkName = iconv.encode(name, 'gbk');
    return { gbkName, standIn: Buffer.from(`${index}`.padStart(gbkName.length, 'Q')), data };
  });
  const zip = Buffer.from(zipSync(Object.fromEntries(entries.map((e) => [e.standIn.toString('latin1'), e.data])), { level: 0 }));
  for (const { gbkName, standIn } of entries) {
    for (let at = zip.indexOf(standIn); at >= 0; at = zip.indexOf(standIn, at + 1)) gbkName.copy(zip, at);
  }
  return zip;
}
