// WeChat Pay trade bills: the lines a reconciliation run gets from them, and the exact line and
// reason it is told when a downloaded file is cut off, edited or does not add up.
import { gzipSync } from 'node:zlib';
import Big from 'big.js';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { AppError } from '../platform/errors';
import { roundHalfEven } from '../platform/money';
import { formatWechatBill, parseWechatBill, type WechatBillRecord } from './wechat-bill';

const HEADER =
  '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const SUMMARY_HEADER = '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额';

/** The row from FORMATS.md, as WeChat's documentation shows it. */
const EXAMPLE_PAY =
  '`2021-01-28 17:07:11,`wx81be3101902f7cb2,`1601959334,`0,`,`4200000925202101284997714292,`S20210128170702357723,`ofyak5q…,`MICROPAY,`SUCCESS,`OTHERS,`CNY,`0.01,`0.00,`0,`0,`0.00,`0.00,`,`,`for testing,`,`0.00000,`0.60%,`0.01,`0.00,`';
/** ¥19.99 at 0.60%: the fee 0.11994 is charged as 12 fen. */
const COLA_PAY =
  '`2021-01-28 18:20:05,`wx81be3101902f7cb2,`1601959334,`0,`POS-07,`4200000925202101285011223344,`S20210128182000112233,`ofyak5q…,`MICROPAY,`SUCCESS,`OTHERS,`CNY,`19.99,`0.00,`0,`0,`0.00,`0.00,`,`,`可口可乐 330ml×6,`,`0.11994,`0.60%,`19.99,`0.00,`';
/** ¥5.00 of it refunded: WeChat gives back 0.03000 of the fee. */
const COLA_REFUND =
  '`2021-01-28 19:02:40,`wx81be3101902f7cb2,`1601959334,`0,`POS-07,`4200000925202101285011223344,`S20210128182000112233,`ofyak5q…,`MICROPAY,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300107082021012805934217761,`R20210128190200001,`5.00,`0.00,`ORIGINAL,`SUCCESS,`可口可乐 330ml×6,`,`-0.03000,`0.60%,`0.00,`5.00,`';
const GOOD_SUMMARY = '`3,`20.00,`5.00,`0.00,`0.08994,`20.00,`5.00';

function bill(rows: string[], summary: string | null = GOOD_SUMMARY, eol = '\r\n'): Buffer {
  const lines = [HEADER, ...rows, ...(summary === null ? [] : [SUMMARY_HEADER, summary])];
  return Buffer.from(lines.join(eol) + eol, 'utf8');
}

/** Runs the parser expecting it to refuse the file, and returns the AppError. */
function refusal(bytes: Buffer): AppError {
  try {
    parseWechatBill(bytes);
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected the bill to be refused');
}

describe('parseWechatBill', () => {
  it('reads the documented example row, a payment with a fee and a refund', () => {
    const result = parseWechatBill(bill([EXAMPLE_PAY, COLA_PAY, COLA_REFUND]));
    expect(result.layout).toBe('all-27');
    expect(result.summary).toEqual({ count: 3, grossFen: 2000, refundFen: 500, feeExact: '0.08994' });
    expect(result.lines).toEqual([
      {
        channel: 'wechat',
        channelTxnId: '4200000925202101284997714292',
        merchantOrderNo: 'S20210128170702357723',
        refundNo: null,
        kind: 'pay',
        grossFen: 1,
        feeFen: 0,
        feeExact: '0.00000',
        netFen: 1,
        time: '2021-01-28T17:07:11+08:00',
        store: null,
        terminal: null,
        line: 2,
      },
      {
        channel: 'wechat',
        channelTxnId: '4200000925202101285011223344',
        merchantOrderNo: 'S20210128182000112233',
        refundNo: null,
        kind: 'pay',
        grossFen: 1999,
        feeFen: -12,
        feeExact: '0.11994',
        netFen: 1987,
        time: '2021-01-28T18:20:05+08:00',
        store: null,
        terminal: 'POS-07',
        line: 3,
      },
      {
        channel: 'wechat',
        channelTxnId: '4200000925202101285011223344',
        merchantOrderNo: 'S20210128182000112233',
        refundNo: 'R20210128190200001',
        kind: 'refund',
        grossFen: -500,
        feeFen: 3,
        feeExact: '-0.03000',
        netFen: -497,
        time: '2021-01-28T19:02:40+08:00',
        store: null,
        terminal: 'POS-07',
        line: 4,
      },
    ]);
  });

  it('rounds each fee half-even to the fen: 1.5 fen → 2, 2.5 fen → 2', () => {
    const rows = [COLA_PAY.replace('`0.11994', '`0.01500'), COLA_PAY.replace('`0.11994', '`0.02500')];
    const { lines } = parseWechatBill(bill(rows, '`2,`39.98,`0.00,`0.00,`0.04000,`39.98,`0.00'));
    expect(lines.map((l) => l.feeFen)).toEqual([-2, -2]);
    expect(lines.map((l) => l.netFen)).toEqual([1997, 1997]);
  });

  it('reads a reversed (REVOKED) order as kind reverse with no money, whatever amount the row shows', () => {
    const revoked = COLA_PAY.replace('`SUCCESS', '`REVOKED').replace('`0.11994', '`0.00000');
    const { lines } = parseWechatBill(bill([EXAMPLE_PAY, revoked], '`2,`0.01,`0.00,`0.00,`0.00000,`20.00,`0.00'));
    expect(lines[1]).toMatchObject({ kind: 'reverse', merchantOrderNo: 'S20210128182000112233', grossFen: 0, feeFen: 0, netFen: 0, line: 3 });
  });

  it('reads the older 24-column layout with its 5-column summary, also when saved as GBK', () => {
    const text = [
      '交易时间,公众账号ID,商户号,子商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,总金额,代金券或立减优惠金额,微信退款单号,商户退款单号,退款金额,代金券或立减优惠退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率',
      '`2016-05-04 02:18:18,`wxf7c30a8258df4208,`10014843,`0,`harryma007,`4001232001201605015390231640,`autotest_20160501030456_45023,`oT2kauIMXH398DZBeJ4m22CuSDQ0,`NATIVE,`SUCCESS,`CFT,`CNY,`12.50,`0.00,`0,`0,`0.00,`0.00,`,`,`body中文测试,`attach中文测试,`0.07500,`0.60%',
      '`2016-05-04 09:30:00,`wxf7c30a8258df4208,`10014843,`0,`harryma007,`4001232001201605015390231640,`autotest_20160501030456_45023,`oT2kauIMXH398DZBeJ4m22CuSDQ0,`NATIVE,`REFUND,`CFT,`CNY,`0.00,`0.00,`2001232001201605015390231647,`REF4001232001201605015390231647,`2.50,`0.00,`ORIGINAL,`SUCCESS,`body中文测试,`attach中文测试,`-0.01500,`0.60%',
      '总交易单数,总交易额,总退款金额,总代金券或立减优惠退款金额,手续费总金额',
      '`2,`12.50,`2.50,`0.00,`0.06000',
      '',
    ].join('\r\n');
    for (const bytes of [Buffer.from(text, 'utf8'), iconv.encode(text, 'gb18030')]) {
      const result = parseWechatBill(bytes);
      expect(result.layout).toBe('legacy');
      expect(result.summary).toEqual({ count: 2, grossFen: 1250, refundFen: 250, feeExact: '0.06000' });
      expect(result.lines.map((l) => [l.kind, l.grossFen, l.feeFen, l.netFen, l.refundNo, l.terminal, l.time])).toEqual([
        ['pay', 1250, -8, 1242, null, 'harryma007', '2016-05-04T02:18:18+08:00'],
        ['refund', -250, 2, -248, 'REF4001232001201605015390231647', 'harryma007', '2016-05-04T09:30:00+08:00'],
      ]);
    }
  });

  it('unpacks a gzip-compressed bill and reads LF line ends the same as CRLF', () => {
    const plain = parseWechatBill(bill([EXAMPLE_PAY, COLA_PAY, COLA_REFUND]));
    expect(parseWechatBill(gzipSync(bill([EXAMPLE_PAY, COLA_PAY, COLA_REFUND], GOOD_SUMMARY, '\n')))).toEqual(plain);
  });

  it('keeps a comma inside 商品名称, since every value starts with a backtick', () => {
    const row = COLA_PAY.replace('`可口可乐 330ml×6', '`可乐,雪碧');
    expect(parseWechatBill(bill([row], '`1,`19.99,`0.00,`0.00,`0.11994,`19.99,`0.00')).lines[0]?.grossFen).toBe(1999);
  });

  it('reports a file cut off before its summary at the last line it has', () => {
    const full = bill([EXAMPLE_PAY, COLA_PAY, COLA_REFUND]);
    const cut = full.subarray(0, full.indexOf(Buffer.from('`MICROPAY,`REFUND')));
    const error = refusal(cut);
    expect(error.code).toBe('BILL_INVALID');
    expect(error.message).toBe('Line 4: the bill ends here without its summary (总交易单数,…), so the file is cut off. Download the bill again.');
    expect(error.details).toMatchObject({ line: 4 });
  });

  it('reports a summary header with no values after it as cut off', () => {
    const error = refusal(Buffer.from([HEADER, EXAMPLE_PAY, SUMMARY_HEADER].join('\r\n')));
    expect(error.code).toBe('BILL_INVALID');
    expect(error.message).toContain('Line 3: the summary header is the last line');
  });

  it('names where rows are missing when the summary counts more than the file has', () => {
    const error = refusal(bill([EXAMPLE_PAY, COLA_REFUND]));
    expect(error.code).toBe('BILL_TOTAL_MISMATCH');
    expect(error.message).toBe(
      "The bill's summary (line 5) says 3 transactions but the file has 2: a line is missing before line 4, so the file is cut off. Download the bill again.",
    );
    expect(error.details).toMatchObject({ line: 5, field: '总交易单数', expected: '3', actual: '2' });
  });

  it('names the first row the summary does not count', () => {
    const error = refusal(bill([EXAMPLE_PAY, COLA_PAY, COLA_REFUND, EXAMPLE_PAY]));
    expect(error.code).toBe('BILL_TOTAL_MISMATCH');
    expect(error.message).toContain('says 3 transactions but the file has 4: the rows from line 5 on are not counted');
  });

  it('refuses a bill whose fee total differs from its rows by 0.00001', () => {
    const error = refusal(bill([EXAMPLE_PAY, COLA_PAY, COLA_REFUND], '`3,`20.00,`5.00,`0.00,`0.08995,`20.00,`5.00'));
    expect(error.code).toBe('BILL_TOTAL_MISMATCH');
    expect(error.message).toBe(
      "The bill's summary (line 6) says 手续费总金额 is 0.08995 but the 手续费 column adds up to 0.08994. Download the bill again.",
    );
  });

  it('refuses a bill whose payments or refunds do not add up to the summary', () => {
    const pay = refusal(bill([EXAMPLE_PAY, COLA_PAY, COLA_REFUND], '`3,`20.01,`5.00,`0.00,`0.08994,`20.00,`5.00'));
    expect(pay.message).toContain('says 应结订单总金额 is 20.01 but the SUCCESS rows add up to 20.00.');
    const refund = refusal(bill([EXAMPLE_PAY, COLA_PAY, COLA_REFUND], '`3,`20.00,`4.00,`0.00,`0.08994,`20.00,`5.00'));
    expect(refund.message).toContain('says 退款总金额 is 4.00 but the REFUND rows add up to 5.00.');
    expect([pay.code, refund.code]).toEqual(['BILL_TOTAL_MISMATCH', 'BILL_TOTAL_MISMATCH']);
  });

  it('names the line and column of a value that is not an amount', () => {
    const error = refusal(bill([EXAMPLE_PAY, COLA_PAY.replace('`19.99,`0.00,`0', '`19.9x,`0.00,`0'), COLA_REFUND]));
    expect(error.code).toBe('BILL_INVALID');
    expect(error.message).toBe('Line 3, 应结订单金额: "19.9x" is not an amount like 12.34 (yuan, at most two decimals). Download the bill again.');
    expect(error.details).toMatchObject({ line: 3, field: '应结订单金额', value: '19.9x' });
  });

  it('names the line of an unknown trade state, a bad fee, a bad time and a wrong column count', () => {
    expect(refusal(bill([EXAMPLE_PAY, COLA_PAY.replace('`SUCCESS', '`CLOSED'), COLA_REFUND])).message).toContain(
      'Line 3, 交易状态: "CLOSED" is not a trade state this importer knows (SUCCESS, REFUND, REVOKED).',
    );
    expect(refusal(bill([EXAMPLE_PAY, COLA_PAY, COLA_REFUND.replace('`-0.03000', '`-0.030001')])).message).toContain('Line 4, 手续费: "-0.030001"');
    expect(refusal(bill([EXAMPLE_PAY.replace('2021-01-28 17', '2021-02-30 17'), COLA_PAY, COLA_REFUND])).message).toContain('Line 2, 交易时间');
    const short = refusal(bill([EXAMPLE_PAY, COLA_PAY.replace(',`0.60%', ''), COLA_REFUND]));
    expect(short.message).toContain('Line 3: the line has 26 values but the bill has 27 columns');
    expect(short.code).toBe('BILL_INVALID');
  });

  it('refuses a file that is not an ALL trade bill, naming the column that differs', () => {
    const error = refusal(Buffer.from(HEADER.replace('应结订单金额', '总金额') + '\r\n'));
    expect(error.code).toBe('BILL_INVALID');
    expect(error.message).toContain('Line 1: this is not the header of a WeChat Pay trade bill of type ALL (全部订单). Column 13 is "总金额" where 应结订单金额 is expected.');
    expect(refusal(Buffer.alloc(0)).message).toContain('the file is empty');
  });

  it('refuses a damaged gzip file and anything after the summary', () => {
    const zipped = gzipSync(bill([EXAMPLE_PAY, COLA_PAY, COLA_REFUND]));
    expect(refusal(zipped.subarray(0, zipped.length - 10)).message).toContain('gzip-compressed but cannot be unpacked');
    const joined = Buffer.concat([bill([EXAMPLE_PAY, COLA_PAY, COLA_REFUND]), Buffer.from(EXAMPLE_PAY)]);
    expect(refusal(joined).message).toContain('Line 7: the line comes after the summary');
  });
});

const example: WechatBillRecord = {
  time: '2021-01-28T17:07:11+08:00',
  appId: 'wx81be3101902f7cb2',
  mchId: '1601959334',
  deviceInfo: null,
  transactionId: '4200000925202101284997714292',
  outTradeNo: 'S20210128170702357723',
  openId: 'ofyak5q…',
  state: 'SUCCESS',
  totalFen: 1,
  body: 'for testing',
  feeExact: '0',
  rate: '0.60%',
};

describe('formatWechatBill', () => {
  it('writes the documented row exactly, with the summary computed, as UTF-8 without BOM and CRLF', () => {
    const refund: WechatBillRecord = {
      ...example,
      time: '2021-01-28T11:02:40Z',
      deviceInfo: 'POS-07',
      state: 'REFUND',
      refundId: '50300107082021012805934217761',
      outRefundNo: 'R20210128190200001',
      refundFen: 1,
      feeExact: '-0.00006',
    };
    const bytes = formatWechatBill({ lines: [example, refund] });
    expect(bytes.subarray(0, 3).toString('hex')).not.toBe('efbbbf');
    expect(bytes.toString('utf8').split('\r\n')).toEqual([
      HEADER,
      EXAMPLE_PAY,
      '`2021-01-28 19:02:40,`wx81be3101902f7cb2,`1601959334,`0,`POS-07,`4200000925202101284997714292,`S20210128170702357723,`ofyak5q…,`MICROPAY,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300107082021012805934217761,`R20210128190200001,`0.01,`0.00,`ORIGINAL,`SUCCESS,`for testing,`,`-0.00006,`0.60%,`0.00,`0.01,`',
      SUMMARY_HEADER,
      '`2,`0.01,`0.01,`0.00,`-0.00006,`0.01,`0.01',
      '',
    ]);
  });

  it('refuses a refund without its numbers and a value that would split the line', () => {
    expect(() => formatWechatBill({ lines: [{ ...example, state: 'REFUND' }] })).toThrow(/needs refundId, outRefundNo and refundFen/);
    expect(() => formatWechatBill({ lines: [{ ...example, body: 'a\nb' }] })).toThrow(/商品名称/);
    expect(() => formatWechatBill({ lines: [{ ...example, feeExact: '0.000001' }] })).toThrow(/at most 5 decimals/);
  });

  it('gives back the same amounts, ids, kinds and times when read again', () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);
    const text = fc
      .string({ unit: fc.constantFrom('a', 'Z', '9', ',', '`', ' ', '可', '乐', '¥', '"', '𠀀'), maxLength: 12 })
      .filter((value) => !value.includes(',`'));
    // Whole seconds between 2015 and 2035, written as Beijing time.
    const time = fc.integer({ min: 1_420_070_400, max: 2_050_000_000 }).map((s) => new Date(s * 1000 + 8 * 3600 * 1000).toISOString().slice(0, 19) + '+08:00');
    const fee = fc.integer({ min: -10_000_000, max: 10_000_000 }).map((units) => new Big(units).div(100_000).toFixed(5));
    const record: fc.Arbitrary<WechatBillRecord> = fc.record({
      time,
      appId: id,
      mchId: fc.stringMatching(/^\d{10}$/),
      deviceInfo: fc.option(id, { nil: null }),
      transactionId: fc.stringMatching(/^42\d{26}$/),
      outTradeNo: id,
      openId: id,
      state: fc.constantFrom('SUCCESS' as const, 'REFUND' as const, 'REVOKED' as const),
      totalFen: fc.integer({ min: 0, max: 100_000_000 }),
      refundId: fc.stringMatching(/^50\d{27}$/),
      outRefundNo: id,
      refundFen: fc.integer({ min: 0, max: 100_000_000 }),
      body: text,
      feeExact: fee,
      rate: fc.constantFrom('0.60%', '0.38%', '0.20%'),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 20 }), (records) => {
        const { lines, summary, layout } = parseWechatBill(formatWechatBill({ lines: records }));
        expect(layout).toBe('all-27');
        const expected = records.map((r, index) => {
          const grossFen = r.state === 'SUCCESS' ? r.totalFen : r.state === 'REFUND' ? 0 - (r.refundFen ?? 0) : 0;
          const feeFen = 0 - roundHalfEven(new Big(r.feeExact).times(100));
          return {
            channelTxnId: r.transactionId,
            merchantOrderNo: r.outTradeNo,
            refundNo: r.state === 'REFUND' ? r.outRefundNo : null,
            kind: { SUCCESS: 'pay', REFUND: 'refund', REVOKED: 'reverse' }[r.state],
            grossFen,
            feeFen,
            feeExact: r.feeExact,
            netFen: grossFen + feeFen,
            time: r.time,
            terminal: r.deviceInfo,
            line: index + 2,
          };
        });
        expect(lines).toEqual(expected.map((e) => ({ channel: 'wechat', store: null, ...e })));
        expect(summary.count).toBe(records.length);
        expect(summary.grossFen).toBe(lines.filter((l) => l.kind === 'pay').reduce((s, l) => s + l.grossFen, 0));
        expect(summary.refundFen).toBe(lines.filter((l) => l.kind === 'refund').reduce((s, l) => s - l.grossFen, 0));
        expect(new Big(summary.feeExact).eq(records.reduce((s, r) => s.plus(r.feeExact), new Big(0)))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
