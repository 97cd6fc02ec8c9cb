// Reads a big bill in a worker thread, so a day's WeChat and Alipay bills are read on both cores
// at once. The bytes move to the worker and the columns move back (transferred, not copied); the
// worker runs the same readers, so the result and the errors are theirs. It also groups the
// order numbers by bucket for layer 1's partitioned join (`KeyColumn.buckets`), the join's first
// phase, while this thread reads the rest.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { AppError } from '../platform/errors';
import { alipayColumns, readAlipayBillColumns, type AlipayBillColumns } from './alipay-bill';
import type { BillColumnsData } from './bill-columns';
import { readWechatBillColumns, wechatColumns, type WechatBillColumns } from './wechat-bill';

type Source = 'wechat' | 'alipay';
type Result<S extends Source> = S extends 'wechat' ? WechatBillColumns : AlipayBillColumns;
type Reply = { ok: true; data: BillColumnsData; rest: Record<string, unknown> } | { ok: false; error: { code?: string; message: string; status?: number; details?: Record<string, unknown> } };

const ROLE = 'tillpoint-bill-worker';
/** tsx's ESM register API (resolved beside its CommonJS build, which a worker's eval code cannot use). */
const TSX_API = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;

/**
 * Reads a WeChat or Alipay bill as readWechatBillColumns / readAlipayBillColumns do, in a worker
 * thread. `bytes` is moved there: the caller's buffer is empty afterwards (a buffer sharing its
 * memory with others is copied first). Rejects with the readers' AppError.
 *
 * @example const [wechat, alipay] = await Promise.all([readBillColumnsInWorker('wechat', wx), readBillColumnsInWorker('alipay', ap)])
 */
export function readBillColumnsInWorker<S extends Source>(source: S, bytes: Buffer): Promise<Result<S>> {
  const own = bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : Buffer.from(bytes);
  // The sources are TypeScript: the worker registers tsx, as bin/tillpoint.mjs does, then loads this file.
  const boot = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const worker = new Worker(boot, { eval: true, workerData: { role: ROLE, source, bytes: own }, transferList: [own.buffer as ArrayBuffer] });
  return new Promise<Result<S>>((resolve, reject) => {
    worker.once('message', (reply: Reply) => {
      void worker.terminate();
      if (!reply.ok) {
        const { code, message, status, details } = reply.error;
        reject(code === undefined ? new Error(message) : new AppError(code, message, { status, details }));
        return;
      }
      const columns = (source === 'wechat' ? wechatColumns : alipayColumns)(reply.data);
      resolve({ ...reply.rest, columns } as unknown as Result<S>);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`The bill reader stopped (exit code ${code}) before it answered.`)));
  });
}

/** The arrays to move with the columns' data: each memory block once. */
function transferable(data: BillColumnsData): ArrayBuffer[] {
  const buckets = data.orderBuckets;
  const views = [data.kind, data.grossFen, data.feeFen, data.line, data.body, data.rowStart, data.rowEnd, data.orderStart, data.orderEnd, data.orderHash, ...(buckets ? [buckets.first, buckets.row, buckets.hash] : [])];
  return [...new Set(views.map((view) => view.buffer).filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer))];
}

if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === ROLE) {
  const port = parentPort;
  const { source, bytes } = workerData as { source: Source; bytes: Uint8Array };
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const { columns, ...rest } = source === 'wechat' ? readWechatBillColumns(input) : readAlipayBillColumns(input);
    const data = { ...columns.data, orderBuckets: columns.orders.buckets(columns.count) };
    port.postMessage({ ok: true, data, rest } satisfies Reply, transferable(data));
  } catch (error) {
    const reply: Reply = error instanceof AppError ? { ok: false, error: { code: error.code, message: error.message, status: error.status, details: error.details } } : { ok: false, error: { message: error instanceof Error ? error.message : String(error) } };
    port.postMessage(reply);
  }
}
