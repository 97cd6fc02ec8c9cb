// A day's wallet tenders and bill lines read back from the database as columns (see
// bill-columns.ts) for layer 1: typed arrays and one block of bytes instead of a million objects
// kept alive through the run. The rows come a page at a time along an index (keyset paging, the
// same on SQLite and PostgreSQL), so only one page of row objects lives at once and there is one
// query per page rather than a promise per row.
import { AppError } from '../platform/errors';
import { KIND_NAMES, KIND_REFUND, TextBlock } from './bill-columns';
import { indexIn, TenderColumnsBuilder, type BillLineColumns, type TenderColumns } from './match-columns';
import type { BillLine } from './match';
import type { ChannelLinesTable } from '../platform/db/schema';

/**
 * Rows per page: a query per page costs little at this size, and a page's row objects die young
 * (20,000 a page outlived the young generation: 1 M rows took ~15 % more CPU, mostly GC).
 */
export const PAGE_ROWS = 5_000;

/**
 * A query read in pages along a key an index gives in order. `page(last)` returns at most `size`
 * rows in key order from the key of `last` on, inclusive (undefined: from the start). Rows may
 * share a key (a sale's tenders): a full page holds back the rows of its last key, and the next
 * page, starting at that key, reads them again whole — so no order is needed within a key.
 *
 * @example for await (const rows of keysetPages((last) => q.where('id', '>=', last?.id ?? '').orderBy('id').limit(PAGE_ROWS).execute(), (a, b) => a.id === b.id)) count += rows.length;
 */
export async function* keysetPages<R>(page: (last: R | undefined) => Promise<R[]>, sameKey: (a: R, b: R) => boolean, size = PAGE_ROWS): AsyncGenerator<R[]> {
  let last: R | undefined;
  for (;;) {
    const rows = await page(last);
    if (rows.length < size) {
      if (rows.length > 0) yield rows;
      return;
    }
    last = rows[rows.length - 1] as R;
    let end = rows.length - 1;
    while (end > 0 && sameKey(rows[end - 1] as R, last)) end -= 1;
    if (end === 0) throw new AppError('INTERNAL', `${size} or more rows share one key of a paged query; it cannot move on.`);
    yield rows.slice(0, end);
  }
}

/** A POS wallet tender row as runReconciliation selects it. */
export interface TenderRow {
  method: string;
  merchantOrderNo: string | null;
  amountFen: number;
  saleId: string;
  receiptNo: string;
}

/** Tender rows of one store. */
export interface TenderPage {
  storeId: string;
  rows: readonly TenderRow[];
}

/**
 * Tender rows as columns for `matchChannelColumns`, each method named by the channel whose bill
 * it appears on.
 *
 * @example const tenders = await readTenderColumns(pagesOfEachStore, (method) => channelOf[method] ?? method)
 */
export async function readTenderColumns(pages: AsyncIterable<TenderPage>, channelOf: (method: string) => string): Promise<TenderColumns> {
  const columns = new TenderColumnsBuilder();
  for await (const { storeId, rows } of pages) for (const r of rows) columns.add(channelOf(r.method), r.merchantOrderNo, Number(r.amountFen), r.saleId, r.receiptNo, storeId);
  return columns.build();
}

/** A channel_lines row as runReconciliation selects it. */
export type LineRow = Pick<ChannelLinesTable, 'channel' | 'channel_txn_id' | 'merchant_order_no' | 'refund_no' | 'kind' | 'gross_fen' | 'fee_fen' | 'line' | 'time'>;

/** Rows of one imported file, in line order; a file's pages come oldest file first. */
export interface LinePage {
  fileId: string;
  /** The store whose own merchant account the file is (null: the chain's). */
  storeId?: string | null;
  rows: readonly LineRow[];
}

/** A line as the refund and card layers read it. */
export type ReadLine = BillLine & { channelTxnId: string; refundNo: string | null; feeFen: number; time: string; onDate: boolean };

export interface LinesRead {
  /** The day's lines per channel (in the order the channels first appear), for layer 1 and the day's totals. */
  bills: BillLineColumns[];
  /** Refund and card lines of the day and the next (a refund billed after midnight, 日切). */
  lines: ReadLine[];
}

/**
 * Bill lines of `date` and the next day as columns. A file re-exported later repeats lines already
 * imported: for each line (channel, transaction, kind, refund number) the rows of the newest file
 * count, so a line written twice in one file stays twice.
 *
 * @example const { bills, lines } = await readLineColumns(pagesOfEachFile, '2026-11-29')
 */
export async function readLineColumns(pages: AsyncIterable<LinePage>, date: string): Promise<LinesRead> {
  const files: string[] = [];
  const knownFiles = new Map<string, number>();
  /** Per file, the store its unexplained lines are (null: the chain's). */
  const fileStore: Array<string | null> = [];
  const channels: string[] = [];
  const knownChannels = new Map<string, number>();
  const file: number[] = [];
  const channel: number[] = [];
  const kind: number[] = [];
  const gross: number[] = [];
  const fee: number[] = [];
  const lineNo: number[] = [];
  const onDate: boolean[] = [];
  const orders = new TextBlock();
  const txns = new TextBlock();
  const refunds = new TextBlock();
  /** Refund and card lines, as objects from the start (few). */
  const objects: Array<[number, ReadLine]> = [];
  /** The first file of each channel, and whether another file has lines of it. */
  const firstFile: number[] = [];
  const severalFiles: boolean[] = [];
  for await (const { fileId, storeId, rows } of pages) {
    const f = indexIn(files, knownFiles, fileId);
    fileStore[f] = storeId ?? null;
    // Only a store's file adds the field: the chain's lines stay as they were.
    const store = storeId ? { storeId } : {};
    for (const r of rows) {
      const i = file.length;
      const c = indexIn(channels, knownChannels, r.channel);
      if (firstFile[c] === undefined) firstFile[c] = f;
      else if (firstFile[c] !== f) severalFiles[c] = true;
      const k = KIND_NAMES.indexOf(r.kind as BillLine['kind']);
      if (k < 0) throw new AppError('INTERNAL', `Line ${r.line} of imported file ${fileId} has the unknown kind "${r.kind}".`);
      const day = r.time.startsWith(date);
      file.push(f);
      channel.push(c);
      kind.push(k);
      gross.push(Number(r.gross_fen));
      fee.push(Number(r.fee_fen));
      lineNo.push(r.line);
      onDate.push(day);
      orders.push(r.merchant_order_no);
      txns.push(r.channel_txn_id);
      refunds.push(r.refund_no);
      if (k === KIND_REFUND || r.channel === 'card') {
        objects.push([i, { channel: r.channel, merchantOrderNo: r.merchant_order_no, refundNo: r.refund_no, kind: r.kind as BillLine['kind'], grossFen: Number(r.gross_fen), feeFen: Number(r.fee_fen), line: r.line, channelTxnId: r.channel_txn_id, time: r.time, onDate: day, ...store }]);
      }
    }
  }
  const count = file.length;
  // Only a channel with lines from several files can have lines repeated by a later one.
  const keep = new Uint8Array(count).fill(1);
  if (severalFiles.some(Boolean)) {
    const byKey = new Map<string, { file: number; rows: number[] }>();
    for (let i = 0; i < count; i++) {
      const c = channel[i] as number;
      if (!severalFiles[c]) continue;
      const key = `${channels[c]}|${txns.at(i)}|${KIND_NAMES[kind[i] as number]}|${refunds.at(i) ?? ''}`;
      const held = byKey.get(key);
      if (held && held.file === file[i]) held.rows.push(i);
      else {
        for (const r of held?.rows ?? []) keep[r] = 0;
        byKey.set(key, { file: file[i] as number, rows: [i] });
      }
    }
  }
  const bills: BillLineColumns[] = [];
  for (let c = 0; c < channels.length; c++) {
    const rowsOf: number[] = [];
    for (let i = 0; i < count; i++) if (channel[i] === c && keep[i] && onDate[i]) rowsOf.push(i);
    if (rowsOf.length === 0) continue;
    const name = channels[c] as string;
    const billKind = Uint8Array.from(rowsOf, (i) => kind[i] as number);
    const grossFen = Float64Array.from(rowsOf, (i) => gross[i] as number);
    const feeFen = Float64Array.from(rowsOf, (i) => fee[i] as number);
    const lineAt = (j: number): BillLine => {
      const i = rowsOf[j] as number;
      const storeId = fileStore[file[i] as number];
      return { channel: name, merchantOrderNo: orders.at(i), refundNo: refunds.at(i), kind: KIND_NAMES[kind[i] as number] as BillLine['kind'], grossFen: gross[i] as number, feeFen: fee[i] as number, line: lineNo[i] as number, ...(storeId ? { storeId } : {}) };
    };
    bills.push({ channel: name, count: rowsOf.length, kind: billKind, grossFen, feeFen, orders: orders.keys(rowsOf), lineAt });
  }
  return { bills, lines: objects.filter(([i]) => keep[i]).map(([, l]) => l) };
}
