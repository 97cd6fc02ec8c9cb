import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { CARD_FILE_PROFILES, formatCardFile, parseCardFile, type CardFileRow } from './card-file';
import { matchCardLines } from './match';

const rows: CardFileRow[] = [
  { merchantNo: '898310000000001', terminal: 'T0000001', time: '2026-11-29 10:00:01', kind: 'pay', batch: '000123', voucher: '000001', reference: '000123000001', cardMasked: '622588******6688', amountFen: 2580, feeFen: 15 },
  { merchantNo: '898310000000001', terminal: 'T0000001', time: '2026-11-29 12:00:00', kind: 'pay', batch: '000123', voucher: '000002', reference: '000123000002', cardMasked: '622588******6688', amountFen: 123456, feeFen: 741 },
  { merchantNo: '898310000000001', terminal: 'T0000001', time: '2026-11-29 16:00:00', kind: 'refund', batch: '000123', voucher: '000003', reference: '000123000003', cardMasked: '622588******6688', amountFen: 1000, feeFen: 6 },
];

describe('card acquirer file', () => {
  it('reads the acquirer layout it writes: 参考号, terminal, time, fee charged and returned, totals', () => {
    const file = parseCardFile(formatCardFile(rows));
    expect(file.lines.map((l) => [l.channelTxnId, l.kind, l.terminal, l.grossFen, l.feeFen, l.netFen, l.time, l.line])).toEqual([
      ['000123000001', 'pay', 'T0000001', 2580, -15, 2565, '2026-11-29T10:00:01+08:00', 3],
      ['000123000002', 'pay', 'T0000001', 123456, -741, 122715, '2026-11-29T12:00:00+08:00', 4],
      ['000123000003', 'refund', 'T0000001', -1000, 6, -994, '2026-11-29T16:00:00+08:00', 5],
    ]);
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
    expect(() => parseCardFile(Buffer.from(shifted.join('\n')))).toThrow(/^Line 4: the row has 10 fields but the header has 11: a column is missing or shifted/);
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
