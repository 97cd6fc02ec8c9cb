import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { CARD_FILE_PROFILES, formatCardFile, parseCardFile, type CardFileRow } from './card-file';
import { matchCardLines, matchCardRefunds, type PosCardRefund } from './match';

const rows: CardFileRow[] = [
  { merchantNo: '898310000000001', terminal: 'T0000001', time: '2026-11-29 10:00:01', kind: 'pay', batch: '000123', voucher: '000001', reference: '000123000001', cardMasked: '622588******6688', amountFen: 2580, feeFen: 15 },
  { merchantNo: '898310000000001', terminal: 'T0000001', time: '2026-11-29 12:00:00', kind: 'pay', batch: '000123', voucher: '000002', reference: '000123000002', cardMasked: '622588******6688', amountFen: 123456, feeFen: 741 },
  { merchantNo: '898310000000001', terminal: 'T0000001', time: '2026-11-29 16:00:00', kind: 'refund', batch: '000123', voucher: '000003', reference: '000123000003', cardMasked: '622588******6688', amountFen: 1000, feeFen: 6, originalReference: '000123000001' },
];

describe('card acquirer file', () => {
  it('reads the acquirer layout it writes: 参考号, terminal, time, fee charged and returned, totals', () => {
    const file = parseCardFile(formatCardFile(rows));
    expect(file.lines.map((l) => [l.channelTxnId, l.kind, l.terminal, l.grossFen, l.feeFen, l.netFen, l.time, l.line, l.merchantOrderNo])).toEqual([
      ['000123000001', 'pay', 'T0000001', 2580, -15, 2565, '2026-11-29T10:00:01+08:00', 3, null],
      ['000123000002', 'pay', 'T0000001', 123456, -741, 122715, '2026-11-29T12:00:00+08:00', 4, null],
      // The refund (退货) names the payment it gives back (原参考号).
      ['000123000003', 'refund', 'T0000001', -1000, 6, -994, '2026-11-29T16:00:00+08:00', 5, '000123000001'],
    ]);
    expect(formatCardFile(rows).toString('utf8').split('\n')[4]).toBe('898310000000001,T0000001,2026-11-29 16:00:00,退货,000123,000003,000123000003,622588******6688,10.00,-0.06,9.94,000123000001');
  });

  it('reads another acquirer through its profile: GBK, metadata lines, date and time apart, thousand separators', () => {
    const text = [
      '银联商务 商户结算明细',
      '商户名称：Tillpoint 演示商户,,,,,,,,,,,',
      '商户编号,终端编号,交易日期,交易时间,交易类型,批次号,凭证号,检索参考号,卡号,交易金额,手续费,清算金额',
      '898310000000001,T0000001,2026/11/29,10:00:01,消费,000123,000001,000123000001,622588******6688,"1,234.56",7.41,"1,227.15"',
      '898310000000001,T0000001,2026/11/29,10:05:00,消费撤销,000123,000002,000123000002,622588******6688,"1,234.56",0.00,0.00',
      '合计,2,"1,234.56",7.41,"1,227.15",,,,,,,',
    ].join('\r\n');
    const file = parseCardFile(iconv.encode(text, 'gbk'), CARD_FILE_PROFILES.chinaums);
    expect(file.lines.map((l) => [l.channelTxnId, l.kind, l.grossFen, l.feeFen, l.time, l.line])).toEqual([
      ['000123000001', 'pay', 123456, -741, '2026-11-29T10:00:01+08:00', 4],
      ['000123000002', 'reverse', 0, 0, '2026-11-29T10:05:00+08:00', 5],
    ]);
    expect(() => parseCardFile(iconv.encode(text, 'gbk'))).toThrow(/No row of this file has the columns of the acquirer card settlement layout/);
  });

  it('refuses a shifted column or a changed row, naming the line; nothing is returned', () => {
    const text = formatCardFile(rows).toString('utf8').split('\n');
    const shifted = [...text];
    // 卡号 lost: every value after it moves one column left.
    shifted[3] = (shifted[3] ?? '').replace('622588******6688,', '');
    expect(() => parseCardFile(Buffer.from(shifted.join('\n')))).toThrow(/^Line 4: the row has 11 fields but the header has 12: a column is missing or shifted/);
    const swapped = [...text];
    // The amounts moved one column right: 交易金额 − 手续费 no longer gives 结算金额.
    swapped[2] = (swapped[2] ?? '').replace('6688,25.80,0.15,25.65', '6688,0.00,25.80,0.15');
    expect(() => parseCardFile(Buffer.from(swapped.join('\n')))).toThrow(/^Line 3, 结算金额: "0.15" is not 交易金额 − 手续费 \(25.80\): the row does not add up, or its columns are shifted/);
    const dropped = text.filter((_l, i) => i !== 3);
    expect(() => parseCardFile(Buffer.from(dropped.join('\n')))).toThrow(/^The file's totals \(line 5\) say 笔数 3 but the rows add up to 2/);
  });
});

describe('matchCardLines', () => {
  const line = (ref: string, grossFen: number, time: string, n: number, feeFen = -Math.round(grossFen * 0.006)) => ({ channelTxnId: ref, kind: 'pay' as const, grossFen, feeFen, time, line: n });
  const tender = (reference: string, amountFen: number, time: string) => ({ reference, amountFen, time, saleId: `sale-${reference}`, receiptNo: `R-${reference}` });

  it('matches by reference, amount and time; flags the rest', () => {
    const result = matchCardLines(
      [tender('000001', 2580, '2026-11-29T02:00:00Z'), tender('000002', 1000, '2026-11-29T03:00:00Z'), tender('000003', 500, '2026-11-29T04:00:00Z'), tender('000004', 700, '2026-11-29T05:00:00Z')],
      [
        line('000001', 2580, '2026-11-29T10:00:30+08:00', 3), // 30 s after the till: the same payment
        line('000002', 1001, '2026-11-29T11:00:00+08:00', 4), // a fen more
        line('000004', 700, '2026-11-29T15:00:00+08:00', 5), // the same reference two hours later: another batch's
      ],
      true,
      (gross) => Math.round(gross * 0.006),
    );
    expect(result.matched).toBe(1);
    expect(result.exceptions.map((e) => [e.code, e.merchantOrderNo, e.posAmountFen, e.channelAmountFen, e.lines])).toEqual([
      ['AMOUNT_MISMATCH', '000002', 1000, 1001, [4]],
      ['CHANNEL_ONLY', '000004', null, 700, [5]],
      ['POS_ONLY', '000003', 500, null, []],
      ['POS_ONLY', '000004', 700, null, []],
    ]);
    expect(matchCardLines([tender('000001', 2580, '2026-11-29T02:00:00Z')], [], false).pending).toBe(1);
  });

  it('gives the same result whatever the order of tenders and lines', () => {
    const refs = fc.constantFrom('000001', '000002', '000003');
    const minute = fc.integer({ min: 0, max: 60 });
    const amount = fc.constantFrom(500, 501, 2580);
    const input = fc.tuple(
      fc.array(fc.tuple(refs, amount, minute), { maxLength: 6 }),
      fc.array(fc.tuple(refs, amount, minute), { maxLength: 6 }),
    );
    const at = (m: number) => new Date(Date.UTC(2026, 10, 29, 2, m)).toISOString();
    fc.assert(
      fc.property(input, fc.integer(), ([ts, ls], seed) => {
        const tenders = ts.map(([ref, fen, m]) => tender(ref, fen, at(m)));
        const lines = ls.map(([ref, fen, m], i) => line(ref, fen, at(m), i + 2));
        const shuffle = <T>(xs: T[]) => xs.map((x, i) => ({ x, k: Math.sin(seed + i) })).sort((a, b) => a.k - b.k).map((e) => e.x);
        const a = matchCardLines(tenders, lines, true);
        const b = matchCardLines(shuffle(tenders), shuffle(lines), true);
        expect([b.matched, b.exceptions]).toEqual([a.matched, a.exceptions]);
      }),
    );
  });
});

describe('matchCardRefunds', () => {
  const at = (m: number) => new Date(Date.UTC(2026, 10, 29, 8, m)).toISOString();
  const refundLine = (ref: string, original: string | null, fen: number, m: number, n: number) => ({ channelTxnId: ref, merchantOrderNo: original, kind: 'refund' as const, grossFen: -fen, feeFen: Math.round(fen * 0.006), time: at(m), line: n });
  const refund = (reference: string, originalReference: string, amountFen: number, m: number): PosCardRefund => ({ reference, originalReference, amountFen, time: at(m), storeId: 'S1' });
  const refunds = [refund('000200000001', '000123000001', 1000, 0), refund('000200000002', '000123000002', 2500, 10), refund('000200000003', '000123000003', 700, 20), refund('000200000004', '000123000004', 300, 30)];
  const lines = [
    refundLine('000200000001', '000123000001', 1000, 1, 2), // the same refund a minute later at the acquirer
    refundLine('000200000002', '000123000002', 2490, 10, 3), // ten fen less given back
    refundLine('000999000009', '000123000004', 300, 31, 4), // the acquirer's own reference: found by the payment's
    refundLine('000200000005', '000123000005', 1200, 40, 5), // refunded on the terminal, no return at the till
    refundLine('000200000006', '000123000006', 800, 50, 6), // a refund of yesterday's return billed today (known)
  ];
  const known = [...refunds, refund('000200000006', '000123000006', 800, 49)];

  it('matches by the refund reference or the payment reference within the time window; flags a refund on one side only or for another amount', () => {
    const result = matchCardRefunds(refunds, lines, lines, true, known);
    expect(result.matched).toBe(2);
    expect(result.exceptions.map((e) => [e.code, e.merchantOrderNo, e.refundNo, e.posAmountFen, e.channelAmountFen, e.lines])).toEqual([
      ['AMOUNT_MISMATCH', '000123000002', '000200000002', 2500, 2490, [3]],
      ['REFUND_CHANNEL_ONLY', '000123000005', '000200000005', null, 1200, [5]],
      ['REFUND_POS_ONLY', '000123000003', '000200000003', 700, null, []],
    ]);
    // Before the day's card file is in, the till's refunds are pending.
    expect(matchCardRefunds(refunds, [], [], false, known)).toMatchObject({ matched: 0, pending: 4, exceptions: [] });
    // A line of the same reference an hour away is another batch's: not this refund.
    const later = matchCardRefunds([refund('000200000001', '000123000001', 1000, 0)], [refundLine('000200000001', null, 1000, 60, 2)], [refundLine('000200000001', null, 1000, 60, 2)], true, []);
    expect(later.exceptions.map((e) => e.code)).toEqual(['REFUND_CHANNEL_ONLY', 'REFUND_POS_ONLY']);
  });

  it('gives the same result whatever the order of refunds and lines', () => {
    const expected = matchCardRefunds(refunds, lines, lines, true, known);
    fc.assert(
      fc.property(fc.shuffledSubarray(refunds, { minLength: refunds.length }), fc.shuffledSubarray(lines, { minLength: lines.length }), (rs, ls) => {
        expect(matchCardRefunds(rs, ls, ls, true, known)).toEqual(expected);
      }),
    );
  });
});
