// A thread for a day's big bills, so both cores work on a reconciliation: it reads a bill, keeps
// its columns, and runs layer 1 for that bill's channel while this thread reads and matches the
// other channels (its side is bill-worker.ts). Bytes move there and results come back as data
// (transferred, not copied); the tenders are shared when they live on a SharedArrayBuffer and
// copied otherwise.
import { Worker } from 'node:worker_threads';
import { AppError } from '../platform/errors';
import { bundledWorker } from '../platform/worker-bundle';
import { alipayColumns, type AlipayBillColumns } from './alipay-bill';
import type { BillColumnsData } from './bill-columns';
import { BILL_THREAD_ROLE, type BillRead, type Reply, type Request, type Rest, type Source } from './bill-worker';
import type { ChannelPart, TenderColumnsData } from './match-columns';
import { wechatColumns, type WechatBillColumns } from './wechat-bill';

export type { BillRead } from './bill-worker';

type Result<S extends Source> = S extends 'wechat' ? WechatBillColumns : AlipayBillColumns;
/** A request without its id (distributed over the union: Omit of a union would merge its members). */
type Call = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

/**
 * A worker thread that reads bills and matches their channels. Start it early (it is ready in
 * ~50 ms) and keep it while there is work; requests run in the order they are made.
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
    // The sources are TypeScript: the thread runs bill-worker.ts bundled with what it imports.
    this.worker = new Worker(bundledWorker(new URL('./bill-worker.ts', import.meta.url)), { workerData: { role: BILL_THREAD_ROLE } });
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
