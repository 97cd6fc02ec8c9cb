import { describe, expect, it } from 'vitest';
import { formatAggregatorBill, parseAggregatorBill, type AggregatorBillRow } from './aggregator-bill';

const rows: AggregatorBillRow[] = [
  { merchantNo: 'M8880001', time: '2026-11-29 10:00:01', kind: 'pay', wallet: 'unionpay', tradeNo: 'AGG1', outTradeNo: 'S001-1', outRefundNo: '', amountFen: 1290, feeFen: 8, terminal: '' },
  { merchantNo: 'M8880001', time: '2026-11-29 11:30:00', kind: 'pay', wallet: 'ecny', tradeNo: 'AGG2', outTradeNo: 'S001-2', outRefundNo: '', amountFen: 5000, feeFen: 30, terminal: 'T01' },
  { merchantNo: 'M8880001', time: '2026-11-29 15:00:00', kind: 'refund', wallet: 'unionpay', tradeNo: 'AGR1', outTradeNo: 'S001-1', outRefundNo: 'RF1', amountFen: -500, feeFen: -3, terminal: '' },
];

describe('aggregator bill', () => {
  it('reads what it writes: payments, a refund with its fee returned, the totals checked', () => {
    const bill = parseAggregatorBill(formatAggregatorBill(rows));
    expect(bill.lines.map((l) => [l.kind, l.merchantOrderNo, l.refundNo, l.grossFen, l.feeFen, l.netFen, l.time, l.line])).toEqual([
      ['pay', 'S001-1', null, 1290, -8, 1282, '2026-11-29T10:00:01+08:00', 3],
      ['pay', 'S001-2', null, 5000, -30, 4970, '2026-11-29T11:30:00+08:00', 4],
      ['refund', 'S001-1', 'RF1', -500, 3, -497, '2026-11-29T15:00:00+08:00', 5],
    ]);
    expect([...bill.merchants]).toEqual([['M8880001', 3]]);
  });

  it('refuses a row with a shifted column, a changed amount, a cut-off file — naming the line', () => {
    const text = formatAggregatorBill(rows).toString('utf8').split('\n');
    const shifted = [...text];
    shifted[2] = (shifted[2] ?? '').replace('unionpay,', 'unionpay,,');
    expect(() => parseAggregatorBill(Buffer.from(shifted.join('\n')))).toThrow(/^Line 3: the row has 12 fields but the header has 11: a column is missing or shifted/);
    const changed = [...text];
    changed[3] = (changed[3] ?? '').replace('50.00,0.30,49.70', '50.10,0.30,49.80');
    expect(() => parseAggregatorBill(Buffer.from(changed.join('\n')))).toThrow(/^The bill's 合计 \(line 6\) says 交易金额 57\.90 but the rows add up to 58\.00/);
    expect(() => parseAggregatorBill(Buffer.from(text.slice(0, 4).join('\n')))).toThrow(/^Line 4: the bill ends here without its 合计 row, so the file is cut off/);
    expect(() => parseAggregatorBill(Buffer.from('交易时间,金额\n'))).toThrow(/this is not an aggregator bill/);
  });
});
