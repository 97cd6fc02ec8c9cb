import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matchChannelLines, matchRefunds, type PosTender } from './match';
import { matchCashDeposits, type CashDeposit } from './match-cash';
import { batchesPaidTogether, matchBankCredits, matchSettlements, payingCredits, summariseBillLines, type BankCredit, type SettlementRow } from './match-settlement';

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

  describe('one credit paying several batches', () => {
    const day = (channel: string, businessDate: string, netFen: number): SettlementRow => ({ channel, businessDate, settleDate: businessDate, batchId: `${channel === 'wechat' ? 'WX' : 'CD'}${businessDate.replace(/-/g, '')}`, count: 1, grossFen: netFen, feeFen: 0, refundFen: 0, netFen });
    const credit = (valueDate: string, amountFen: number, counterparty: string, n: number, description = ''): BankCredit => ({ valueDate, amountFen, counterparty, reference: null, description, line: n });
    const wx27 = day('wechat', '2026-11-27', 10_000);
    const wx28 = day('wechat', '2026-11-28', 20_000);
    const wx29 = day('wechat', '2026-11-29', 30_000);
    const cd28 = day('card', '2026-11-28', 4_000);
    const cd29 = day('card', '2026-11-29', 6_000);
    const batches = [wx27, wx28, wx29, cd28, cd29];
    const credits = [
      credit('2026-11-30', 50_000, '财付通支付科技有限公司', 3, '微信支付自动提现'), // 11-28 + 11-29 (not 11-27 + another: consecutive days first)
      credit('2026-11-28', 10_000, '财付通支付科技有限公司', 4), // 11-27 alone
      credit('2026-11-30', 10_000, '银联商务股份有限公司', 5, 'POS结算 CD20261128 CD20261129'), // two card batches at once
    ];

    it('records the batches a credit pays together, preferring consecutive days; the rest one to one', () => {
      const { paid } = payingCredits(batches, credits, '2026-11-29');
      expect(batches.map((b) => [b.batchId, paid.get(b)?.line])).toEqual([
        ['WX20261127', 4],
        ['WX20261128', 3],
        ['WX20261129', 3],
        ['CD20261128', 5],
        ['CD20261129', 5],
      ]);
      expect(matchBankCredits(batches, credits, { date: '2026-11-29', today: '2026-12-03' })).toEqual({ matched: 2, pending: 0, exceptions: [] });
      // The day before sees the same credit pay its batch together with the next day's.
      expect(matchBankCredits(batches, credits, { date: '2026-11-28', today: '2026-12-03' })).toEqual({ matched: 2, pending: 0, exceptions: [] });
    });

    it('is exact: a credit a fen off any sum pays nothing, and both sides are BANK_UNMATCHED after the window', () => {
      const off = [credit('2026-11-30', 50_001, '财付通支付科技有限公司', 3)];
      expect(matchBankCredits([wx28, wx29], off, { date: '2026-11-29', today: '2026-12-01' })).toMatchObject({ matched: 0, pending: 2, exceptions: [] });
      expect(matchBankCredits([wx28, wx29], off, { date: '2026-11-29', today: '2026-12-03' }).exceptions.map((e) => [e.side, e.batchId, e.amountFen, e.lines])).toEqual([
        ['settlement', 'WX20261129', 30_000, []],
        ['bank', null, 50_001, [3]],
      ]);
      // Another channel's batches are never combined for a WeChat credit.
      expect(batchesPaidTogether([wx28], 24_000, () => false)).toBeNull();
      expect(payingCredits([wx28, cd29], [credit('2026-11-30', 26_000, '财付通支付科技有限公司', 3)], '2026-11-29').paid.size).toBe(0);
    });

    it('picks the fewest batches, then the earliest, when several sets add up', () => {
      const open = [day('wechat', '2026-11-26', 100), day('wechat', '2026-11-27', 300), day('wechat', '2026-11-28', 200), day('wechat', '2026-11-29', 100)];
      // 100 + 300 + 200 (consecutive) beats 300 + 200 + 100, both consecutive: the earliest run wins.
      expect(batchesPaidTogether(open, 600, () => false)?.map((b) => b.businessDate)).toEqual(['2026-11-26', '2026-11-27', '2026-11-28']);
      // No consecutive run makes 200: of the sets, the earliest pair.
      expect(batchesPaidTogether(open, 200, () => false)?.map((b) => b.businessDate)).toEqual(['2026-11-26', '2026-11-29']);
    });

    it('gives the same answer whatever the order of batches and credits', () => {
      const expected = matchBankCredits(batches, credits, { date: '2026-11-29', today: '2026-12-03' });
      const paidBy = (bs: readonly SettlementRow[], cs: readonly BankCredit[]) => {
        const { paid } = payingCredits(bs, cs, '2026-11-29');
        return [...paid].map(([b, c]) => `${b.batchId}:${c.line}`).sort();
      };
      const expectedPaid = paidBy(batches, credits);
      fc.assert(
        fc.property(fc.shuffledSubarray(batches, { minLength: batches.length }), fc.shuffledSubarray(credits, { minLength: credits.length }), (bs, cs) => {
          expect(matchBankCredits(bs, cs, { date: '2026-11-29', today: '2026-12-03' })).toEqual(expected);
          expect(paidBy(bs, cs)).toEqual(expectedPaid);
        }),
      );
    });
  });
});

describe('matchCashDeposits', () => {
  const deposit = (storeCode: string, businessDate: string, depositFen: number, slipNo: string | null = null): CashDeposit => ({ storeId: `id-${storeCode}`, storeCode, businessDate, depositFen, countedFen: depositFen, slipNo });
  const credit = (valueDate: string, amountFen: number, description: string, n: number): BankCredit => ({ valueDate, amountFen, counterparty: null, reference: null, description, line: n });
  const deposits = [deposit('S001', '2026-11-29', 50_000, 'JK001'), deposit('S002', '2026-11-29', 30_000), deposit('S003', '2026-11-29', 20_000), deposit('S004', '2026-11-29', 12_000)];
  const credits = [
    credit('2026-11-30', 30_000, '现金存款', 2), // S002's amount exactly
    credit('2026-11-30', 49_000, '现金缴存 JK001', 3), // S001's slip, ¥10 short
    credit('2026-11-30', 20_500, '现金存款 S003', 4), // S003 by its code, ¥5 over
    credit('2026-11-30', 12_000, '微信支付结算', 5), // not a cash deposit
    credit('2026-11-29', 7_700, 'CASH DEPOSIT', 6), // nobody's
  ];

  it('meets each deposit by amount, or by its slip or store code for another amount; the rest after the window', () => {
    const result = matchCashDeposits(deposits, credits, { date: '2026-11-29', today: '2026-12-03' });
    expect(result.matched).toBe(1);
    expect(result.exceptions.map((e) => [e.code, e.side, e.storeId, e.depositFen, e.bankFen, e.lines])).toEqual([
      ['CASH_SHORT', 'deposit', 'id-S001', 50_000, 49_000, [3]],
      ['CASH_OVER', 'deposit', 'id-S003', 20_000, 20_500, [4]],
      ['BANK_UNMATCHED', 'deposit', 'id-S004', 12_000, null, []],
      ['BANK_UNMATCHED', 'bank', null, null, 7_700, [6]],
    ]);
    // Inside the window S004's deposit and the unknown credit may still be met.
    expect(matchCashDeposits(deposits, credits, { date: '2026-11-29', today: '2026-12-02' })).toMatchObject({ matched: 1, pending: 2 });
    // Configured without 现金缴存, S001's credit is no cash deposit.
    expect(matchCashDeposits(deposits, credits, { date: '2026-11-29', today: '2026-12-03' }, ['现金存款']).exceptions.map((e) => [e.code, e.storeId])).toEqual([
      ['BANK_UNMATCHED', 'id-S001'],
      ['CASH_OVER', 'id-S003'],
      ['BANK_UNMATCHED', 'id-S004'],
    ]);
  });

  it('gives the same answer whatever the order of deposits and credits', () => {
    const expected = matchCashDeposits(deposits, credits, { date: '2026-11-29', today: '2026-12-03' });
    fc.assert(
      fc.property(fc.shuffledSubarray(deposits, { minLength: deposits.length }), fc.shuffledSubarray(credits, { minLength: credits.length }), (ds, cs) => {
        expect(matchCashDeposits(ds, cs, { date: '2026-11-29', today: '2026-12-03' })).toEqual(expected);
      }),
    );
  });
});
