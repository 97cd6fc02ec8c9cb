import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matchChannelLines, type PosTender } from './match';

const tender = (no: string, amountFen: number, channel = 'wechat'): PosTender => ({ channel, merchantOrderNo: no, amountFen, saleId: `sale-${no}`, receiptNo: `S001-T01-20261129-${no}` });
const line = (no: string, kind: 'pay' | 'refund' | 'reverse', grossFen: number, n: number, channel = 'wechat') => ({ channel, merchantOrderNo: no, kind, grossFen, line: n });

describe('matchChannelLines', () => {
  const tenders = [tender('A', 1000), tender('B', 2000), tender('C', 3000), tender('D', 4000), tender('E', 500), tender('F', 800, 'alipay')];
  const lines = [
    line('A', 'pay', 1000, 2),
    line('B', 'pay', 1990, 3), // 10 fen short
    line('D', 'pay', 4000, 4),
    line('D', 'pay', 4000, 5), // charged twice
    line('E', 'pay', 500, 6),
    line('E', 'reverse', 0, 7), // reversed after the sale
    line('X', 'pay', 1200, 8), // paid, no sale: 掉单
    line('Y', 'pay', 900, 9),
    line('Y', 'reverse', 0, 10), // paid and reversed without a sale: settled
  ];

  it('finds each kind of gap and counts the rest as matched or pending', () => {
    const result = matchChannelLines(tenders, lines, new Set(['wechat']));
    expect(result.matched).toBe(1);
    expect(result.pending).toBe(1); // the Alipay bill is not in yet
    expect(result.exceptions.map((e) => [e.code, e.merchantOrderNo, e.posAmountFen, e.channelAmountFen, e.lines])).toEqual([
      ['AMOUNT_MISMATCH', 'B', 2000, 1990, [3]],
      ['CHANNEL_ONLY', 'X', null, 1200, [8]],
      ['DUPLICATE', 'D', 4000, 8000, [4, 5]],
      ['POS_ONLY', 'C', 3000, null, []],
      ['REVERSED_AFTER_SUCCESS', 'E', 500, 500, [6, 7]],
    ]);
  });

  it('flags a fee off the contract rate by more than a fen of rounding', () => {
    const rate = (_c: string, gross: number) => Math.round(gross * 0.006);
    const fees = [
      { ...line('A', 'pay', 10000, 2), feeFen: -60 }, // 0.6 % exactly
      { ...line('B', 'pay', 20000, 3), feeFen: -121 }, // one fen of rounding
      { ...line('C', 'pay', 30000, 4), feeFen: -300 }, // charged 1 % instead of 0.6 %
    ];
    const result = matchChannelLines([tender('A', 10000), tender('B', 20000), tender('C', 30000)], fees, new Set(['wechat']), rate);
    expect(result.matched).toBe(2);
    expect(result.exceptions).toEqual([expect.objectContaining({ code: 'FEE_MISMATCH', merchantOrderNo: 'C', feeFen: 300, expectedFeeFen: 180, lines: [4] })]);
  });

  it('gives the same answer whatever the order of tenders and lines', () => {
    const expected = matchChannelLines(tenders, lines, new Set(['wechat']));
    fc.assert(
      fc.property(fc.shuffledSubarray(tenders, { minLength: tenders.length }), fc.shuffledSubarray(lines, { minLength: lines.length }), (ts, ls) => {
        expect(matchChannelLines(ts, ls, new Set(['wechat']))).toEqual(expected);
      }),
    );
  });
});
