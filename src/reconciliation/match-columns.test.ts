// The columnar layer-1 matcher against matchChannelLines: the same result for the same bills,
// read from the files the providers send, whatever the mix of faults.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatAlipayBill, parseAlipayBill, readAlipayBillColumns, type AlipayBillRow } from './alipay-bill';
import { KeyColumn, summariseBillColumns } from './bill-columns';
import { matchChannelLines, type BillLine, type PosTender } from './match';
import { matchChannelColumns, matchChannelPart, mergeChannelParts, tenderColumns } from './match-columns';
import { summariseBillLines } from './match-settlement';
import { formatWechatBill, parseWechatBill, readWechatBillColumns, type WechatBillRecord } from './wechat-bill';

type Fault = 'none' | 'missing' | 'amount' | 'twice' | 'reversed' | 'refunded' | 'no-sale' | 'fee';
const TIME = '2026-11-29 10:00:00';

/** Bills and tenders for orders with the given faults; order numbers with non-ASCII characters take the parsers' text path. */
function day(orders: Array<{ fault: Fault; amountFen: number; wide: boolean; channel: 'wechat' | 'alipay' }>) {
  const wechat: WechatBillRecord[] = [];
  const alipay: AlipayBillRow[] = [];
  const tenders: PosTender[] = [];
  orders.forEach(({ fault, amountFen, wide, channel }, i) => {
    const no = `${wide ? '单' : 'S'}${String(i).padStart(6, '0')}`;
    if (fault !== 'no-sale') tenders.push({ channel, merchantOrderNo: no, amountFen, saleId: `sale-${i}`, receiptNo: `R${i}`, storeId: `S00${i % 3}` });
    const bill = (kind: 'pay' | 'refund' | 'reverse', fen: number, feeFen: number) => {
      const fee = (f: number) => `${f < 0 ? '-' : ''}${Math.floor(Math.abs(f) / 100)}.${String(Math.abs(f) % 100).padStart(2, '0')}`;
      if (channel === 'wechat') {
        const state = kind === 'pay' ? 'SUCCESS' : kind === 'refund' ? 'REFUND' : 'REVOKED';
        wechat.push({ time: TIME, appId: 'wx1', mchId: '1000', deviceInfo: null, transactionId: `42${i}`, outTradeNo: no, openId: 'o', state, totalFen: fen, body: '消费', feeExact: fee(kind === 'refund' ? -feeFen : feeFen), rate: '0.60%', ...(kind === 'refund' ? { refundId: `50${i}`, outRefundNo: `RF${i}`, refundFen: fen } : {}) });
      } else if (kind !== 'reverse') {
        alipay.push({ tradeNo: `2026${i}`, outTradeNo: no, kind: kind === 'pay' ? '交易' : '退款', subject: '消费', createdAt: TIME, finishedAt: TIME, storeId: 'S001', storeName: '店', operator: 'c', terminalId: 'T1', buyer: '*顾', orderFen: kind === 'pay' ? fen : -fen, receivedFen: kind === 'pay' ? fen : -fen, refundRequestNo: kind === 'refund' ? `RF${i}` : '', serviceFeeExact: fee(kind === 'pay' ? -feeFen : feeFen) });
      }
    };
    const feeFen = Math.round(amountFen * 0.006);
    if (fault === 'missing') return;
    bill('pay', fault === 'amount' ? amountFen + 1 : amountFen, fault === 'fee' ? feeFen + 50 : feeFen);
    if (fault === 'twice') bill('pay', amountFen, feeFen);
    if (fault === 'reversed' && channel === 'wechat') bill('reverse', amountFen, 0);
    if (fault === 'refunded' || (fault === 'reversed' && channel === 'alipay')) bill('refund', amountFen, feeFen);
  });
  const wechatBytes = formatWechatBill({ lines: wechat });
  const alipayBytes = formatAlipayBill({ account: '2088', from: '2026-11-29', to: '2026-11-30', exportedAt: '2026-11-30 06:00:00', lines: alipay });
  return { wechatBytes, alipayBytes, tenders };
}

const fee = (_channel: string, grossFen: number) => Math.round(grossFen * 0.006);

describe('matchChannelColumns', () => {
  it('finds what matchChannelLines finds: each fault, by store and channel, on both bills', () => {
    const order = fc.record({
      fault: fc.constantFrom<Fault>('none', 'none', 'none', 'missing', 'amount', 'twice', 'reversed', 'refunded', 'no-sale', 'fee'),
      amountFen: fc.integer({ min: 1, max: 500_000 }),
      wide: fc.boolean(),
      channel: fc.constantFrom<'wechat' | 'alipay'>('wechat', 'alipay'),
    });
    fc.assert(
      fc.property(fc.array(order, { minLength: 1, maxLength: 40 }), fc.boolean(), (orders, alipayBilled) => {
        const { wechatBytes, alipayBytes, tenders } = day(orders);
        const billed = new Set(alipayBilled ? ['wechat', 'alipay'] : ['wechat']);
        const wechat = readWechatBillColumns(wechatBytes).columns;
        const alipay = readAlipayBillColumns(alipayBytes).columns;
        const lines = [...parseWechatBill(wechatBytes).lines, ...(alipayBilled ? parseAlipayBill(alipayBytes).lines : [])];
        const expected = matchChannelLines(tenders, lines, billed, fee);
        const columns = tenderColumns(tenders);
        expect(matchChannelColumns(columns, alipayBilled ? [wechat, alipay] : [wechat], billed, fee)).toEqual(expected);
        // Each channel on its own (as two threads do it), added up: the same result.
        const wechatPart = matchChannelPart(columns, [wechat], billed, fee, new Set(['wechat']));
        const otherPart = matchChannelPart(columns, alipayBilled ? [alipay] : [], billed, fee, new Set(columns.channels.filter((c) => c !== 'wechat')));
        const merged = mergeChannelParts(columns, [otherPart, wechatPart]);
        expect(merged).toEqual(expected);
        expect([...merged.groups.keys()]).toEqual([...expected.groups.keys()]);
        expect(Array.from({ length: columns.count }, (_x, i) => columns.tenderAt(i))).toEqual(tenders);
        expect(summariseBillColumns(wechat)).toEqual(summariseBillLines(parseWechatBill(wechatBytes).lines).get('wechat') ?? { channel: 'wechat', count: 0, grossFen: 0, feeFen: 0, refundFen: 0, netFen: 0 });
      }),
      { numRuns: 60 },
    );
  });

  /** Keys with the hashes given (all the same by default), as ranges of one buffer. */
  const keys = (text: string[], hash: (key: string) => number = () => 0x9e3779b9) => {
    const bytes = Buffer.from(text.join(''), 'latin1');
    const start = new Int32Array(text.length);
    const end = new Int32Array(text.length);
    text.reduce((at, key, i) => ((start[i] = at), (end[i] = at + key.length), at + key.length), 0);
    return new KeyColumn(bytes, text.length, { orderStart: start, orderEnd: end, orderHash: Uint32Array.from(text, hash) });
  };

  it('tells orders whose hashes collide apart by their bytes, in one bucket', () => {
    // Every key gets the same hash: one bucket, one probe chain; only the bytes decide.
    const orders = ['S1', 'S2', 'S3', 'S4', 'S5', 'S2'];
    const lines: BillLine[] = orders.map((no, i) => ({ channel: 'wechat', merchantOrderNo: no, kind: 'pay', grossFen: i === 2 ? 301 : (i + 1) * 100, feeFen: 0, line: i + 2 }));
    const bill = { channel: 'wechat', count: lines.length, kind: Uint8Array.from(lines, () => 0), grossFen: Float64Array.from(lines, (l) => l.grossFen), feeFen: new Float64Array(lines.length), orders: keys(orders), lineAt: (i: number) => lines[i] as BillLine };
    const tenders: PosTender[] = ['S1', 'S2', 'S3', 'S9'].map((no, i) => ({ channel: 'wechat', merchantOrderNo: no, amountFen: (i + 1) * 100, saleId: `sale-${i}`, receiptNo: `R${i}`, storeId: 'S001' }));
    const columns = { ...tenderColumns(tenders), orders: keys(tenders.map((t) => t.merchantOrderNo)) };
    const result = matchChannelColumns(columns, [bill], new Set(['wechat']));
    expect(result).toEqual(matchChannelLines(tenders, lines, new Set(['wechat'])));
    expect(result.matched).toBe(1);
    expect(result.exceptions.map((e) => [e.code, e.merchantOrderNo, e.posAmountFen, e.channelAmountFen])).toEqual([
      ['AMOUNT_MISMATCH', 'S3', 300, 301],
      ['CHANNEL_ONLY', 'S4', null, 400],
      ['CHANNEL_ONLY', 'S5', null, 500],
      ['DUPLICATE', 'S2', 200, 800],
      ['POS_ONLY', 'S9', 400, null],
    ]);
  });

  it('does not take the one order sharing a tender’s hash for its order', () => {
    // S9 has S4's hash and S8 has S1's, and each is the only order with it: found on the hash,
    // then refused on the bytes; S4, which no tender has, is still reported.
    const hashOf: Record<string, number> = { S1: 0x10000001, S4: 0x20000004, S9: 0x20000004, S8: 0x10000001, S7: 0x30000007 };
    const orders = ['S1', 'S4', 'S7'];
    const lines: BillLine[] = orders.map((no, i) => ({ channel: 'wechat', merchantOrderNo: no, kind: 'pay', grossFen: (i + 1) * 100, feeFen: 0, line: i + 2 }));
    const bill = { channel: 'wechat', count: lines.length, kind: Uint8Array.from(lines, () => 0), grossFen: Float64Array.from(lines, (l) => l.grossFen), feeFen: new Float64Array(lines.length), orders: keys(orders, (k) => hashOf[k] as number), lineAt: (i: number) => lines[i] as BillLine };
    const tenders: PosTender[] = ['S1', 'S9', 'S8', 'S7'].map((no, i) => ({ channel: 'wechat', merchantOrderNo: no, amountFen: no === 'S7' ? 300 : (i + 1) * 100, saleId: `sale-${i}`, receiptNo: `R${i}`, storeId: 'S001' }));
    const columns = { ...tenderColumns(tenders), orders: keys(tenders.map((t) => t.merchantOrderNo), (k) => hashOf[k] as number) };
    const result = matchChannelColumns(columns, [bill], new Set(['wechat']));
    expect(result).toEqual(matchChannelLines(tenders, lines, new Set(['wechat'])));
    expect(result.matched).toBe(2);
    expect(result.exceptions.map((e) => [e.code, e.merchantOrderNo, e.posAmountFen, e.channelAmountFen])).toEqual([
      ['CHANNEL_ONLY', 'S4', null, 200],
      ['POS_ONLY', 'S8', 300, null],
      ['POS_ONLY', 'S9', 200, null],
    ]);
  });

  it('counts the planted faults of a small day the way a finance clerk would', () => {
    const { wechatBytes, alipayBytes, tenders } = day([
      { fault: 'none', amountFen: 1000, wide: false, channel: 'wechat' },
      { fault: 'amount', amountFen: 2000, wide: false, channel: 'wechat' },
      { fault: 'missing', amountFen: 3000, wide: true, channel: 'alipay' },
      { fault: 'no-sale', amountFen: 4000, wide: false, channel: 'alipay' },
      { fault: 'none', amountFen: 5000, wide: true, channel: 'alipay' },
    ]);
    const result = matchChannelColumns(tenderColumns(tenders), [readWechatBillColumns(wechatBytes).columns, readAlipayBillColumns(alipayBytes).columns], new Set(['wechat', 'alipay']), fee);
    expect(result.matched).toBe(2);
    expect(result.exceptions.map((e) => [e.code, e.merchantOrderNo, e.posAmountFen, e.channelAmountFen])).toEqual([
      ['AMOUNT_MISMATCH', 'S000001', 2000, 2001],
      ['CHANNEL_ONLY', 'S000003', null, 4000],
      ['POS_ONLY', '单000002', 3000, null],
    ]);
  });
});
