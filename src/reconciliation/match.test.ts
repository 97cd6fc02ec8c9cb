import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matchChannelLines, matchRefunds, type PosTender } from './match';
import { matchBankCredits, matchSettlements, summariseBillLines, type SettlementRow } from './match-settlement';

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

describe('matchRefunds', () => {
  const refund = (no: string, order: string, amountFen: number, channel = 'wechat') => ({ channel, refundNo: no, merchantOrderNo: order, amountFen, storeId: 'S1' });
  const billed = (no: string, order: string, grossFen: number, n: number) => ({ channel: 'wechat', merchantOrderNo: order, refundNo: no, kind: 'refund' as const, grossFen, line: n });
  const sold = new Set(['wechat\u0000A', 'wechat\u0000B', 'wechat\u0000C']);

  it('matches by refund number, and flags a refund on one side only or for another amount', () => {
    const today = [billed('R1', 'A', -500, 4), billed('R2', 'B', -300, 5), billed('RX', 'C', -100, 6), billed('RCANCEL', 'Z', -900, 7)];
    const tomorrow = [billed('R4', 'A', -200, 2)]; // billed after midnight (日切): still matched
    const known = new Set(['wechat\u0000R1', 'wechat\u0000R2', 'wechat\u0000R3', 'wechat\u0000R4']);
    const result = matchRefunds([refund('R1', 'A', 500), refund('R2', 'B', 350), refund('R3', 'C', 700), refund('R4', 'A', 200), refund('R9', 'D', 50, 'alipay')], [...today, ...tomorrow], today, new Set(['wechat']), known, sold);
    expect(result).toMatchObject({ matched: 2, pending: 1 }); // R9: the Alipay bill is not in yet
    expect(result.exceptions.map((e) => [e.code, e.refundNo, e.posAmountFen, e.channelAmountFen, e.lines])).toEqual([
      ['AMOUNT_MISMATCH', 'R2', 350, 300, [5]],
      ['REFUND_CHANNEL_ONLY', 'RX', null, 100, [6]], // refunded in the portal, not at a till
      ['REFUND_POS_ONLY', 'R3', 700, null, []],
    ]);
  });
});

describe('matchSettlements and matchBankCredits', () => {
  const lines = [
    { channel: 'wechat', kind: 'pay', grossFen: 10_000, feeFen: -60 },
    { channel: 'wechat', kind: 'pay', grossFen: 5_000, feeFen: -30 },
    { channel: 'wechat', kind: 'refund', grossFen: -1_000, feeFen: 6 },
    { channel: 'wechat', kind: 'reverse', grossFen: 0, feeFen: 0 },
    { channel: 'alipay', kind: 'pay', grossFen: 2_000, feeFen: -12 },
  ];
  const batch = (channel: string, over: Partial<SettlementRow> = {}): SettlementRow => ({ channel, businessDate: '2026-11-29', settleDate: '2026-11-30', batchId: `${channel}-1129`, count: 3, grossFen: 15_000, feeFen: 84, refundFen: 1_000, netFen: 13_916, ...over });

  it('adds bill lines up as a settlement states them', () => {
    expect(summariseBillLines(lines).get('wechat')).toEqual({ channel: 'wechat', count: 3, grossFen: 15_000, feeFen: 84, refundFen: 1_000, netFen: 13_916 });
  });

  it('says which figure of a settlement differs and by how much; a missing one is pending until T+2', () => {
    const days = summariseBillLines(lines);
    const off = batch('wechat', { feeFen: 90, netFen: 13_910 });
    expect(matchSettlements(days, [off], { date: '2026-11-29', today: '2026-11-30' })).toEqual({
      matched: 0,
      pending: 1, // alipay's settlement may still come
      exceptions: [{ code: 'SETTLEMENT_MISMATCH', channel: 'wechat', businessDate: '2026-11-29', batchId: 'wechat-1129', billNetFen: 13_916, settlementNetFen: 13_910, differences: [{ figure: 'fees', bill: 84, settlement: 90, difference: 6 }, { figure: 'net', bill: 13_916, settlement: 13_910, difference: -6 }] }],
    });
    expect(matchSettlements(days, [batch('wechat')], { date: '2026-11-29', today: '2026-12-02' }).exceptions).toEqual([expect.objectContaining({ code: 'SETTLEMENT_MISSING', channel: 'alipay', billNetFen: 1_988 })]);
  });

  it('pays each batch with one bank credit of its amount in T+1…T+3 naming it or its channel; leftovers either side', () => {
    const wx = batch('wechat');
    const ali = batch('alipay', { batchId: 'ali-1129', count: 1, grossFen: 2_000, feeFen: 12, refundFen: 0, netFen: 1_988 });
    const credit = (valueDate: string, amountFen: number, counterparty: string, n: number) => ({ valueDate, amountFen, counterparty, reference: null, description: '', line: n });
    const credits = [credit('2026-12-01', 13_916, '财付通支付科技有限公司', 3), credit('2026-11-30', 500, '支付宝（中国）网络技术有限公司', 4), credit('2026-11-30', 1_988, '房东', 5)];
    expect(matchBankCredits([wx, ali], credits, { date: '2026-11-29', today: '2026-11-30' })).toMatchObject({ matched: 1, pending: 2, exceptions: [] });
    expect(matchBankCredits([wx, ali], credits, { date: '2026-11-29', today: '2026-12-03' })).toEqual({
      matched: 1,
      pending: 0,
      exceptions: [
        expect.objectContaining({ code: 'BANK_UNMATCHED', side: 'settlement', channel: 'alipay', batchId: 'ali-1129', amountFen: 1_988 }),
        expect.objectContaining({ code: 'BANK_UNMATCHED', side: 'bank', channel: 'alipay', amountFen: 500, valueDate: '2026-11-30', lines: [4] }),
      ],
    });
  });
});
