import { describe, expect, it } from 'vitest';
import { summariseBillColumns } from './bill-columns';
import { matchChannelLines, type BillLine } from './match';
import { matchChannelColumns } from './match-columns';
import { keysetPages, readLineColumns, readTenderColumns, type LinePage, type LineRow, type TenderPage, type TenderRow } from './run-columns';

/** Rows in pages of two, as the database hands them over. */
async function* pagesOf<R>(rows: readonly R[]): AsyncGenerator<R[]> {
  for (let i = 0; i < rows.length; i += 2) yield rows.slice(i, i + 2);
}

type FileLine = LineRow & { file_id: string };

type StoreTender = TenderRow & { storeId: string };

/** Tenders in pages of two, a store's rows in its own pages. */
async function* tenderPagesOf(rows: readonly StoreTender[]): AsyncGenerator<TenderPage> {
  for await (const page of pagesOf(rows)) {
    for (const storeId of new Set(page.map((r) => r.storeId))) yield { storeId, rows: page.filter((r) => r.storeId === storeId) };
  }
}

/** Lines in pages of two, a file's rows in its own pages (rows must come file by file). */
async function* linePagesOf(rows: readonly FileLine[]): AsyncGenerator<LinePage> {
  for await (const page of pagesOf(rows)) {
    for (const fileId of new Set(page.map((r) => r.file_id))) yield { fileId, rows: page.filter((r) => r.file_id === fileId) };
  }
}

const DATE = '2026-11-29';
const line = (over: Partial<FileLine>): FileLine => ({ file_id: 'A', channel: 'wechat', channel_txn_id: 'T1', merchant_order_no: 'S1', refund_no: null, kind: 'pay', gross_fen: 1000, fee_fen: -6, line: 2, time: `${DATE}T10:00:00+08:00`, ...over });

describe('reading tenders and bill lines back as columns', () => {
  it('keeps the newest file of a re-exported line, a line twice in one file twice, and the next day only for refunds', async () => {
    const rows = [
      line({ file_id: 'A', channel_txn_id: 'T1', merchant_order_no: 'S1', gross_fen: 1000, line: 2 }),
      line({ file_id: 'A', channel_txn_id: 'T2', merchant_order_no: '订单2', gross_fen: 2000, line: 3 }),
      line({ file_id: 'A', channel_txn_id: 'T2', merchant_order_no: '订单2', gross_fen: 2000, line: 4 }),
      line({ file_id: 'P', channel: 'alipay', channel_txn_id: 'A1', merchant_order_no: 'S9', gross_fen: 900, line: 6 }),
      // The late re-export repeats T1 (now line 5) and adds T3 and a refund billed after midnight.
      line({ file_id: 'B', channel_txn_id: 'T1', merchant_order_no: 'S1', gross_fen: 1000, line: 5 }),
      line({ file_id: 'B', channel_txn_id: 'T3', merchant_order_no: 'S3', gross_fen: 3000, line: 6 }),
      line({ file_id: 'B', channel_txn_id: 'T1', merchant_order_no: 'S1', refund_no: 'R1', kind: 'refund', gross_fen: -400, fee_fen: 2, line: 7, time: '2026-11-30T00:10:00+08:00' }),
    ];
    const { bills, lines } = await readLineColumns(linePagesOf(rows), DATE);
    const [wechat, alipay] = bills;
    expect(bills.map((b) => b.channel)).toEqual(['wechat', 'alipay']);
    // A's T2 twice, B's T1 and T3 (A's T1 replaced); the refund is the next day's.
    expect(wechat?.count).toBe(4);
    expect(Array.from({ length: 4 }, (_x, i) => wechat?.lineAt(i).line)).toEqual([3, 4, 5, 6]);
    expect(wechat?.orders.textAt(0)).toBe('订单2');
    expect(summariseBillColumns(wechat as NonNullable<typeof wechat>)).toEqual({ channel: 'wechat', count: 4, grossFen: 8000, feeFen: 24, refundFen: 0, netFen: 7976 });
    expect(alipay?.count).toBe(1);
    expect(lines).toEqual([{ channel: 'wechat', merchantOrderNo: 'S1', refundNo: 'R1', kind: 'refund', grossFen: -400, feeFen: 2, line: 7, channelTxnId: 'T1', time: '2026-11-30T00:10:00+08:00', onDate: false }]);
  });

  it('matches as matchChannelLines does over the same rows as objects', async () => {
    const lineRows = [
      line({ channel_txn_id: 'T1', merchant_order_no: 'S1', gross_fen: 1000 }),
      line({ channel_txn_id: 'T2', merchant_order_no: 'S2', gross_fen: 2001, line: 3 }),
      line({ channel_txn_id: 'T4', merchant_order_no: 'X4', gross_fen: 500, line: 4 }),
      line({ channel_txn_id: 'T5', merchant_order_no: '订单5', gross_fen: 700, fee_fen: -4, line: 5 }),
    ];
    const tenderRows: StoreTender[] = [
      { method: 'wechat', merchantOrderNo: 'S1', amountFen: 1000, saleId: 's1', receiptNo: 'R-1', storeId: 'store-1' },
      { method: 'wechat', merchantOrderNo: 'S2', amountFen: 2000, saleId: 's2', receiptNo: 'R-2', storeId: 'store-1' },
      { method: 'wechat', merchantOrderNo: 'S3', amountFen: 3000, saleId: 's3', receiptNo: 'R-3', storeId: 'store-2' },
      { method: 'wechat', merchantOrderNo: '订单5', amountFen: 700, saleId: 's5', receiptNo: 'R-5', storeId: 'store-2' },
      { method: 'unionpay', merchantOrderNo: 'U1', amountFen: 100, saleId: 's6', receiptNo: 'R-6', storeId: 'store-2' },
    ];
    const channelOf = (method: string) => (method === 'unionpay' ? 'aggregator' : method);
    const tenders = await readTenderColumns(tenderPagesOf(tenderRows), channelOf);
    const { bills } = await readLineColumns(linePagesOf(lineRows), DATE);
    const fee = (_channel: string, grossFen: number) => Math.round(grossFen * 0.006);
    const columns = matchChannelColumns(tenders, bills, new Set(['wechat']), fee);
    const objects = matchChannelLines(
      tenderRows.map((t) => ({ channel: channelOf(t.method), merchantOrderNo: t.merchantOrderNo ?? '', amountFen: t.amountFen, saleId: t.saleId, receiptNo: t.receiptNo, storeId: t.storeId })),
      lineRows.map((l): BillLine => ({ channel: l.channel, merchantOrderNo: l.merchant_order_no, refundNo: l.refund_no, kind: 'pay', grossFen: l.gross_fen, feeFen: l.fee_fen, line: l.line })),
      new Set(['wechat']),
      fee,
    );
    expect(columns).toEqual(objects);
    // S1 and 订单5 match; S2 is a fen over, S3 has no line, X4 no sale; the UnionPay tender waits for its bill.
    expect({ matched: columns.matched, pending: columns.pending, codes: columns.exceptions.map((e) => `${e.code} ${e.merchantOrderNo} ${e.receiptNo ?? ''}`) }).toEqual({
      matched: 2,
      pending: 1,
      codes: expect.arrayContaining(['AMOUNT_MISMATCH S2 R-2', 'POS_ONLY S3 R-3', 'CHANNEL_ONLY X4 ']),
    });
    expect(columns.exceptions).toHaveLength(3);
  });

  it('reads a keyset-paged query whole: rows sharing a key across a page boundary once each', async () => {
    // Sales s1..s5 with one to three tenders each, ordered by sale then tender; s3's fall across two pages.
    const rows = [['s1', 1], ['s2', 1], ['s2', 2], ['s3', 1], ['s3', 2], ['s3', 3], ['s4', 1], ['s5', 1]].map(([sale, tender]) => ({ sale: sale as string, tender: tender as number }));
    const queries: Array<string | undefined> = [];
    // As the database would answer `sale >= last.sale order by sale, tender limit 4`.
    const page = (last: { sale: string } | undefined) => {
      queries.push(last?.sale);
      return Promise.resolve(rows.filter((r) => !last || r.sale >= last.sale).slice(0, 4));
    };
    const read: string[] = [];
    for await (const got of keysetPages(page, (a, b) => a.sale === b.sale, 4)) read.push(...got.map((r) => `${r.sale}.${r.tender}`));
    expect(read).toEqual(['s1.1', 's2.1', 's2.2', 's3.1', 's3.2', 's3.3', 's4.1', 's5.1']);
    expect(queries).toEqual([undefined, 's3', 's4']);
    // A key with more rows than a page could never be passed: refused rather than looping.
    const stuck = keysetPages(() => Promise.resolve([{ sale: 's1' }, { sale: 's1' }]), (a, b) => a.sale === b.sale, 2);
    await expect((async () => {
      for await (const got of stuck) void got;
    })()).rejects.toThrow(/2 or more rows share one key/);
  });
});
