// Reading a bill in a worker thread gives what reading it here gives, refusals included.
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { thrown } from '../platform/testing/thrown';
import { formatAlipayBill, readAlipayBillColumns } from './alipay-bill';
import { BillThread, readBillColumnsInWorker } from './bill-thread';
import { matchChannelColumns, matchChannelPart, mergeChannelParts, tenderColumns } from './match-columns';
import { formatWechatBill, readWechatBillColumns } from './wechat-bill';

const record = (i: number) => ({ time: '2026-11-29 10:00:00', appId: 'wx1', mchId: '1000', deviceInfo: 'POS-1', transactionId: `42${i}`, outTradeNo: i === 1 ? '单1' : `S${i}`, openId: 'o', state: 'SUCCESS' as const, totalFen: 1000 + i, body: '消费', feeExact: '0.06000', rate: '0.60%' });
const wechat = () => formatWechatBill({ lines: [0, 1, 2].map(record) });
const alipay = () => formatAlipayBill({ account: '2088', from: '2026-11-29', to: '2026-11-30', exportedAt: '2026-11-30 06:00:00', lines: [0, 1].map((i) => ({ tradeNo: `2026${i}`, outTradeNo: `S${i}`, kind: '交易' as const, subject: '消费', createdAt: '2026-11-29 10:00:00', finishedAt: '', storeId: 'S001', storeName: '店', operator: 'c', terminalId: 'T1', buyer: '*顾', orderFen: 500, receivedFen: 500, refundRequestNo: '', serviceFeeExact: '-0.03' })) });
const lines = (columns: { count: number; lineAt(i: number): unknown }) => Array.from({ length: columns.count }, (_x, i) => columns.lineAt(i));

describe('readBillColumnsInWorker', () => {
  it('gives the lines, amounts and summary the readers give on this thread', async () => {
    const here = readWechatBillColumns(wechat());
    const there = await readBillColumnsInWorker('wechat', wechat());
    expect(lines(there.columns)).toEqual(lines(here.columns));
    expect([...there.columns.grossFen]).toEqual([1000, 1001, 1002]);
    expect(there.columns.orders.textAt(1)).toBe('单1');
    expect(there.summary).toEqual(here.summary);
    expect(there.merchants).toEqual(new Map([['1000', 2]]));
    // The order numbers come back grouped for the join, and join as the ones read here.
    expect(there.columns.data.orderBuckets).toEqual(here.columns.orders.buckets(here.columns.count));
    const tenders = [0, 1, 2].map((i) => ({ channel: 'wechat', merchantOrderNo: i === 1 ? '单1' : `S${i}`, amountFen: i === 2 ? 999 : 1000 + i, saleId: `s${i}`, receiptNo: `R${i}`, storeId: 'S001' }));
    const joined = matchChannelColumns(tenderColumns(tenders), [there.columns], new Set(['wechat']));
    expect(joined).toEqual(matchChannelColumns(tenderColumns(tenders), [here.columns], new Set(['wechat'])));
    expect([joined.matched, joined.exceptions.map((e) => e.code)]).toEqual([2, ['AMOUNT_MISMATCH']]);
    const ali = await readBillColumnsInWorker('alipay', alipay());
    expect(lines(ali.columns)).toEqual(lines(readAlipayBillColumns(alipay()).columns));
    expect(ali.totals).toEqual({ payCount: 2, payFen: 1000, refundCount: 0, refundFen: 0 });
  });

  it('refuses a damaged bill with the reader’s error', async () => {
    // The bytes move to the worker, so each reader gets its own copy.
    const damaged = () => Buffer.from(wechat().toString('utf8').replace('`10.02', '`10.0x'), 'utf8');
    const error = await readBillColumnsInWorker('wechat', damaged()).then(() => null, (e: unknown) => e);
    expect(error).toEqual(thrown(() => readWechatBillColumns(damaged())));
    expect((error as { code: string; message: string }).message).toContain('Line 4, 应结订单金额: "10.0x" is not an amount');
    const notGbk = iconv.encode('not a bill', 'gbk');
    expect(((await readBillColumnsInWorker('alipay', notGbk).catch((e: unknown) => e)) as { code: string }).code).toBe('BILL_INVALID');
  });

  it('matches its bill’s channel there while this thread matches the others: together, the whole day', async () => {
    const thread = new BillThread();
    try {
      const read = await thread.read('wechat', wechat());
      expect(read.count).toBe(3);
      expect(read.day).toEqual({ channel: 'wechat', count: 3, grossFen: 3003, feeFen: 18, refundFen: 0, netFen: 2985 });
      const tenders = tenderColumns([
        ...[0, 1, 2].map((i) => ({ channel: 'wechat', merchantOrderNo: i === 1 ? '单1' : `S${i}`, amountFen: i === 2 ? 999 : 1000 + i, saleId: `s${i}`, receiptNo: `R${i}`, storeId: 'S001' })),
        { channel: 'alipay', merchantOrderNo: 'S0', amountFen: 500, saleId: 'a0', receiptNo: 'RA0', storeId: 'S002' },
        { channel: 'alipay', merchantOrderNo: 'S9', amountFen: 700, saleId: 'a9', receiptNo: 'RA9', storeId: 'S002' },
        { channel: 'unionpay', merchantOrderNo: 'U1', amountFen: 300, saleId: 'u1', receiptNo: 'RU1', storeId: 'S001' },
      ]);
      const billed = new Set(['wechat', 'alipay']);
      const fee = (_channel: string, grossFen: number) => Math.round(grossFen * 0.006);
      const there = await thread.match(tenders.data, ['wechat'], billed, { wechat: '0.006', alipay: '0.006' });
      const alipayBill = readAlipayBillColumns(alipay()).columns;
      const here = matchChannelPart(tenders, [alipayBill], billed, fee, new Set(['alipay', 'unionpay']));
      const day = mergeChannelParts(tenders, [here, there]);
      expect(day).toEqual(matchChannelColumns(tenders, [readWechatBillColumns(wechat()).columns, alipayBill], billed, fee));
      expect([day.matched, day.pending, day.exceptions.map((e) => [e.code, e.merchantOrderNo, e.storeId])]).toEqual([
        3,
        1,
        [
          ['AMOUNT_MISMATCH', 'S2', 'S001'],
          ['CHANNEL_ONLY', 'S1', null],
          ['POS_ONLY', 'S9', 'S002'],
        ],
      ]);
      expect([...day.groups]).toEqual([
        ['S001\u0000wechat', { matched: 2, pending: 0 }],
        ['S001\u0000unionpay', { matched: 0, pending: 1 }],
        ['S002\u0000alipay', { matched: 1, pending: 0 }],
      ]);
      // The bill comes back as columns, and the thread then has none left to match.
      const [back] = await thread.columns();
      expect(back?.columns.count).toBe(3);
      expect((await thread.match(tenders.data, ['wechat'], billed, {})).exceptions.map((e) => e.code)).toEqual(['POS_ONLY', 'POS_ONLY', 'POS_ONLY']);
    } finally {
      await thread.close();
    }
  });
});
