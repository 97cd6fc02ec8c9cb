// The bill thread's side (see bill-thread.ts, which starts it): it reads a bill with the same
// readers (so the same result and errors), keeps its columns, and runs layer 1 for that bill's
// channel (`matchChannelPart`) while the other thread reads and matches the other channels. The
// thread runs this file bundled with what it imports (platform/worker-bundle.ts), so it imports
// nothing of the starting side.
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../platform/errors';
import { readAlipayBillColumns } from './alipay-bill';
import { feeAtRate } from './amounts';
import { summariseBillColumns, type BillColumns, type BillColumnsData } from './bill-columns';
import { matchChannelPart, tenderColumnsFromData, type TenderColumnsData } from './match-columns';
import type { ChannelDay } from './match-settlement';
import { readWechatBillColumns } from './wechat-bill';

export type Source = 'wechat' | 'alipay';
export type Rest = Record<string, unknown>;

export type Request =
  | { id: number; op: 'read'; source: Source; bytes: Uint8Array | null; path: string | null }
  | { id: number; op: 'match'; tenders: TenderColumnsData; billed: string[]; rates: Record<string, string>; mine: string[] }
  | { id: number; op: 'columns' };
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { code?: string; message: string; status?: number; details?: Record<string, unknown> } };

/** What reading a bill there tells the starting thread: the reader's other results, the day's totals for layer 2, the line count. */
export interface BillRead {
  rest: Rest;
  day: ChannelDay;
  count: number;
}

/** workerData.role of a bill thread. */
export const BILL_THREAD_ROLE = 'tillpoint-bill-worker';

/** The arrays to move with the columns' data: each memory block once. */
function transferable(data: BillColumnsData): ArrayBuffer[] {
  const buckets = data.orderBuckets;
  const views = [data.kind, data.grossFen, data.feeFen, data.line, data.body, data.rowStart, data.rowEnd, data.orderStart, data.orderEnd, data.orderHash, ...(buckets ? [buckets.first, buckets.row, buckets.hash] : [])];
  return [...new Set(views.map((view) => view.buffer).filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer))];
}

/** The worker's side: bills read and kept, requests answered in order. */
function serve(port: NonNullable<typeof parentPort>): void {
  let bills: Array<{ columns: BillColumns; rest: Rest }> = [];
  const handle = (request: Request): { value: unknown; transfer?: ArrayBuffer[] } => {
    if (request.op === 'read') {
      const input = request.path !== null ? readFileSync(request.path) : Buffer.from((request.bytes as Uint8Array).buffer, (request.bytes as Uint8Array).byteOffset, (request.bytes as Uint8Array).byteLength);
      const { columns, ...rest } = request.source === 'wechat' ? readWechatBillColumns(input) : readAlipayBillColumns(input);
      // The join's first phase (the order numbers by bucket) while the other thread is busy too.
      columns.orders.buckets(columns.count);
      bills.push({ columns, rest });
      return { value: { rest, day: summariseBillColumns(columns), count: columns.count } satisfies BillRead };
    }
    if (request.op === 'match') {
      const contract = new Map(Object.entries(request.rates).map(([channel, rate]) => [channel, feeAtRate(rate)]));
      const tenders = tenderColumnsFromData(request.tenders);
      const part = matchChannelPart(tenders, bills.map((b) => b.columns), new Set(request.billed), (channel, grossFen) => contract.get(channel)?.(grossFen), new Set(request.mine));
      return { value: part, transfer: [part.tally.counts.buffer as ArrayBuffer, part.tally.first.buffer as ArrayBuffer] };
    }
    const out = bills.map(({ columns, rest }) => ({ data: { ...columns.data, orderBuckets: columns.orders.buckets(columns.count) }, rest }));
    bills = [];
    return { value: out, transfer: out.flatMap((b) => transferable(b.data)) };
  };
  port.postMessage({ ready: true });
  port.on('message', (request: Request) => {
    try {
      const { value, transfer } = handle(request);
      port.postMessage({ id: request.id, ok: true, value } satisfies Reply, transfer ?? []);
    } catch (error) {
      const reply: Reply = error instanceof AppError ? { id: request.id, ok: false, error: { code: error.code, message: error.message, status: error.status, details: error.details } } : { id: request.id, ok: false, error: { message: error instanceof Error ? error.message : String(error) } };
      port.postMessage(reply);
    }
  });
}

if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === BILL_THREAD_ROLE) serve(parentPort);
