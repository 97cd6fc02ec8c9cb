// A thread for a day's big bills, so both cores work on a reconciliation: it reads a bill (the
// same readers, so the same result and errors), keeps its columns, and runs layer 1 for that
// bill's channel (`matchChannelPart`) while this thread reads and matches the other channels.
// Bytes move there and results come back as data (transferred, not copied); the tenders are
// shared when they live on a SharedArrayBuffer and copied otherwise.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { AppError } from '../platform/errors';
import { alipayColumns, readAlipayBillColumns, type AlipayBillColumns } from './alipay-bill';
import { feeAtRate } from './amounts';
import { summariseBillColumns, type BillColumns, type BillColumnsData } from './bill-columns';
import { matchChannelPart, tenderColumnsFromData, type ChannelPart, type TenderColumnsData } from './match-columns';
import type { ChannelDay } from './match-settlement';
import { readWechatBillColumns, wechatColumns, type WechatBillColumns } from './wechat-bill';

type Source = 'wechat' | 'alipay';
type Result<S extends Source> = S extends 'wechat' ? WechatBillColumns : AlipayBillColumns;
type Rest = Record<string, unknown>;

type Request =
  | { id: number; op: 'read'; source: Source; bytes: Uint8Array | null; path: string | null }
  | { id: number; op: 'match'; tenders: TenderColumnsData; billed: string[]; rates: Record<string, string>; mine: string[] }
  | { id: number; op: 'columns' };
/** A request without its id (distributed over the union: Omit of a union would merge its members). */
type Call = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: { code?: string; message: string; status?: number; details?: Record<string, unknown> } };

/** What reading a bill there tells this thread: the reader's other results, the day's totals for layer 2, the line count. */
export interface BillRead {
  rest: Rest;
  day: ChannelDay;
  count: number;
}

const ROLE = 'tillpoint-bill-worker';
/** tsx's ESM register API (resolved beside its CommonJS build, which a worker's eval code cannot use). */
const TSX_API = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;

/**
 * A worker thread that reads bills and matches their channels. Start it early (its modules take
 * ~0.2 s to load) and keep it while there is work; requests run in the order they are made.
 *
 * @example
 * const thread = new BillThread();
 * const wechat = thread.read('wechat', wechatBytes);            // read there …
 * const alipay = readAlipayBillColumns(alipayZip).columns;      // … while this thread reads the other bill
 * const part = thread.match(tenders.data, ['wechat'], billed, { wechat: '0.006' });
 * const sales = mergeChannelParts(tenders, [matchChannelPart(tenders, [alipay], billed, fee, new Set(['alipay'])), await part]);
 * await thread.close();
 */
export class BillThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  private nextId = 1;
  private stopped: Error | null = null;
  /** Resolves once the thread has loaded its modules (rejects if it stops before). */
  readonly ready: Promise<void>;

  constructor() {
    // The sources are TypeScript: the worker registers tsx, as bin/tillpoint.mjs does, then loads this file.
    const boot = `import(${JSON.stringify(TSX_API)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); });`;
    this.worker = new Worker(boot, { eval: true, workerData: { role: ROLE } });
    let loaded = () => {};
    let broken: (error: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => ((loaded = resolve), (broken = reject)));
    // Not everyone waits for `ready`: a thread that never starts also rejects every call.
    this.ready.catch(() => {});
    this.worker.on('message', (reply: Reply | { ready: true }) => {
      if ('ready' in reply) return loaded();
      const call = this.waiting.get(reply.id);
      if (!call) return;
      this.waiting.delete(reply.id);
      if (reply.ok) call.resolve(reply.value);
      else {
        const { code, message, status, details } = reply.error;
        call.reject(code === undefined ? new Error(message) : new AppError(code, message, { status, details }));
      }
    });
    const fail = (error: Error) => {
      this.stopped = error;
      broken(error);
      for (const call of this.waiting.values()) call.reject(error);
      this.waiting.clear();
    };
    this.worker.once('error', fail);
    this.worker.once('exit', (code) => fail(new Error(`The bill reader stopped (exit code ${code}) before it answered.`)));
  }

  /**
   * Reads a WeChat or Alipay bill there (its bytes, moved: the caller's buffer is empty
   * afterwards; or the file at a path) and keeps it for `match` and `columns`. Rejects with the
   * reader's AppError.
   */
  read(source: Source, input: Buffer | string): Promise<BillRead> {
    if (typeof input === 'string') return this.call({ op: 'read', source, bytes: null, path: input }) as Promise<BillRead>;
    const own = ownBuffer(input);
    return this.call({ op: 'read', source, bytes: own, path: null }, [own.buffer as ArrayBuffer]) as Promise<BillRead>;
  }

  /**
   * Layer 1 there for the tenders of the channels `mine` against the bills read there
   * (`matchChannelPart`), each channel's contracted fee rate from `rates`.
   */
  match(tenders: TenderColumnsData, mine: readonly string[], billed: ReadonlySet<string>, rates: Readonly<Record<string, string>>): Promise<ChannelPart> {
    return this.call({ op: 'match', tenders, billed: [...billed], rates: { ...rates }, mine: [...mine] }) as Promise<ChannelPart>;
  }

  /** The bills read there, as columns here (moved: the thread keeps none of them). */
  async columns(): Promise<Array<WechatBillColumns | AlipayBillColumns>> {
    const bills = (await this.call({ op: 'columns' })) as Array<{ data: BillColumnsData; rest: Rest }>;
    return bills.map(({ data, rest }) => ({ ...rest, columns: (data.channel === 'wechat' ? wechatColumns : alipayColumns)(data) }) as unknown as WechatBillColumns | AlipayBillColumns);
  }

  /** Stops the thread. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private call(request: Call, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }
}

/**
 * Reads a WeChat or Alipay bill as readWechatBillColumns / readAlipayBillColumns do, in a worker
 * thread of its own. `bytes` is moved there: the caller's buffer is empty afterwards (a buffer
 * sharing its memory with others is copied first). Rejects with the readers' AppError.
 *
 * @example const [wechat, alipay] = await Promise.all([readBillColumnsInWorker('wechat', wx), readBillColumnsInWorker('alipay', ap)])
 */
export async function readBillColumnsInWorker<S extends Source>(source: S, bytes: Buffer): Promise<Result<S>> {
  const thread = new BillThread();
  try {
    await thread.read(source, bytes);
    const [bill] = await thread.columns();
    return bill as Result<S>;
  } finally {
    await thread.close();
  }
}

/** A buffer of its own (not a view into a larger or shared one), whose memory can move to another thread. */
function ownBuffer(bytes: Buffer): Buffer {
  return bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : Buffer.from(bytes);
}

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

if (!isMainThread && parentPort && (workerData as { role?: string } | null)?.role === ROLE) serve(parentPort);
