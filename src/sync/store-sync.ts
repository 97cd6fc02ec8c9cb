// A store node's side of sync: pushes its outbox to HQ in batches from the last acknowledged seq,
// pulls master data, and keeps doing both in the background, backing off while HQ is down.
import { createHash, type Hash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { AppError } from '../platform/errors';
import { judgeOffline, offlinePolicy, setOfflinePosture, type OfflinePosture } from '../platform/offline';
import type { Ctx } from '../platform/context';
import type { PushAck } from './apply';
import type { NodeCredential } from './keys';
import { invalidateCatalog } from '../catalog/index';
import { applyPullPage, type PullPage } from './pull';
import { pullInbound, type InboundPage } from './inbound';
import { signedHeaders } from './signing';
import { bindOutboxToStore } from '../platform/outbox';
import { APP_VERSION, NODE_REPORT_HEADERS } from './health';

export interface StoreSyncOptions {
  hqUrl: string;
  credential: NodeCredential;
  dbKind: 'sqlite' | 'postgres';
  /** Events per push (default 500). */
  batchSize?: number;
  /** Between rounds while all is well (default 3 s); doubled per failure up to maxBackoffMs. */
  intervalMs?: number;
  maxBackoffMs?: number;
  /** Between master-data pulls (default 1 minute: an HQ price reaches the tills within it). */
  pullEveryMs?: number;
  timeoutMs?: number;
}

export interface SyncStatus {
  role: 'store';
  nodeId: string;
  storeCode: string;
  hqUrl: string;
  /** Whether the last call to HQ got an answer; null before the first. */
  hqReachable: boolean | null;
  lastPushAt: string | null;
  lastAttemptAt: string | null;
  lastError: string | null;
  lastPullAt: string | null;
  /** The last HQ change number this node applied (0 until its first pull has finished reading). */
  pulledChangeNo: number;
  /** Changes HQ had that this node had not applied yet, as of its last pull (0: up to date then). */
  pullBehind: number;
  ackedSeq: number;
  queuedEvents: number;
  oldestUnsyncedAt: string | null;
  /** How far this node's clock is from HQ's, as HQ last reported (positive: ahead). */
  clockSkewMs: number;
  /** Offline limits: what the till warns about or restricts (platform/offline.ts). */
  posture: OfflinePosture;
}

/** Where one push's time went on the store node (ms): what the till's event loop waits behind. */
export interface PushTimings {
  events: number;
  bodyBytes: number;
  /** Waiting for the tills before it (they sold during the push before). */
  waitedMs: number;
  /** Reading, encoding and hashing the batch (its slices' own time, not the turns between them). */
  readMs: number;
  /** Finishing the body and its signature, with the node's report to HQ. */
  signMs: number;
  /** From sending the request to HQ's whole answer (HQ's apply included). */
  sendMs: number;
  /** Recording the acknowledgement. */
  ackMs: number;
}

/** A push's request body, with its SHA-256 taken while it was built. */
interface PushBody {
  bytes: Buffer<ArrayBuffer>;
  sha256: string;
}

type SyncStateNote = { acked_seq?: number; last_push_at?: string; last_error?: string | null; last_pull_at?: string };

/** Outbox rows read, encoded and hashed per turn of the event loop while a push is built. */
const PUSH_SLICE = 50;
/**
 * While the tills sell, a push carries at most BUSY_BATCH events and the next one waits
 * BUSY_PAUSE_FACTOR times as long as it took (at most MAX_BUSY_PAUSE_MS): still a hundred
 * events a second or more, far above a store's rate of sales, so the queue cannot grow while they sell.
 */
const BUSY_BATCH = 100;
const BUSY_PAUSE_FACTOR = 9;
const MAX_BUSY_PAUSE_MS = 2000;

/** HQ's price and promotion changes reach a store's tills within this (plus a pull's duration). */
export const DEFAULT_PULL_EVERY_MS = 60_000;

const running = new Map<string, StoreSync>();

/** The largest page HQ serves (routes.ts). */
const MAX_PULL_PAGE = 5000;

function isForeignKeyError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503';
}

/** The store sync running for node `nodeId` (its status route reads it). */
export function storeSyncOf(nodeId: string): StoreSync | undefined {
  return running.get(nodeId);
}

export class StoreSync {
  private readonly secret: Buffer;
  private readonly base: string;
  private skewMs = 0;
  private reachable: boolean | null = null;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private round: Promise<void> = Promise.resolve();
  private lastPullMs = 0;
  private lastCall = { signMs: 0, sendMs: 0, bodyBytes: 0 };
  /** How long the next push waits for the tills (0: they were quiet during the last one). */
  private tillsFirstMs = 0;
  /** The steps of this node's last push (the sync bench reads them). */
  lastPushTimings: PushTimings | null = null;

  constructor(
    private readonly ctx: Ctx,
    private readonly options: StoreSyncOptions,
  ) {
    this.secret = Buffer.from(options.credential.secret, 'base64url');
    this.base = options.hqUrl.replace(/\/+$/, '');
    running.set(ctx.nodeId, this);
    bindOutboxToStore(ctx.nodeId, options.credential.storeId);
    // Asked inside a caller's transaction (a return), so it reads through the caller's db.
    setOfflinePosture(ctx.nodeId, (caller) => this.posture(undefined, caller.db));
  }

  /** A signed call to HQ; a refusal comes back as the AppError HQ named. The body is made per attempt. */
  private async call<T>(method: 'GET' | 'POST', path: string, makeBody?: () => PushBody, retried = false): Promise<T> {
    const body = makeBody?.();
    const signedAt = performance.now();
    const parts = { method, path, body: body?.bytes ?? '', bodySha256: body?.sha256 };
    const headers = { ...signedHeaders(this.options.credential.nodeId, this.secret, parts, this.ctx.clock.now().getTime() - this.skewMs), ...(await this.report()) };
    const sentAt = performance.now();
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { method, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' }, body: body?.bytes, signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
    } catch (err) {
      this.reachable = false;
      throw new AppError('SYNC_HQ_UNREACHABLE', `HQ at ${this.base} did not answer (${(err as Error).message}); events stay queued and go when it is back.`, { status: 503, cause: err });
    }
    this.reachable = true;
    const text = await res.text();
    this.lastCall = { signMs: sentAt - signedAt, sendMs: performance.now() - sentAt, bodyBytes: body?.bytes.length ?? 0 };
    if (res.ok) return JSON.parse(text) as T;
    let problem: { code?: string; detail?: string; details?: Record<string, unknown> } = {};
    try {
      problem = JSON.parse(text) as typeof problem;
    } catch {
      problem = { code: 'SYNC_HQ_ERROR', detail: `HQ answered ${res.status}.` };
    }
    const hqNow = problem.details?.hqNow;
    // HQ refuses requests outside its ±5 minute window and says its time: sign by HQ's clock
    // from then on (ordering never depends on clocks; only the replay window does).
    if (problem.code === 'SYNC_REPLAYED' && typeof hqNow === 'number' && !retried) {
      this.skewMs = this.ctx.clock.now().getTime() - hqNow;
      this.ctx.log.warn({ skewMs: this.skewMs }, "this store node's clock is off HQ's; signing by HQ's time");
      return this.call(method, path, makeBody, true);
    }
    throw new AppError(problem.code ?? 'SYNC_HQ_ERROR', problem.detail ?? `HQ answered ${res.status}.`, { status: res.status, details: problem.details });
  }

  /** What HQ's chain screen shows of this node: its version and queue (outbox seqs are gapless). */
  private async report(): Promise<Record<string, string>> {
    const state = await this.ctx.db.selectFrom('sync_state').select('acked_seq').where('node_id', '=', this.ctx.nodeId).executeTakeFirst();
    return { [NODE_REPORT_HEADERS.version]: APP_VERSION, [NODE_REPORT_HEADERS.queued]: String(Math.max(0, (await this.topSeq()) - (state?.acked_seq ?? 0))) };
  }

  /** The last seq in this node's outbox (0 when empty). */
  private async topSeq(): Promise<number> {
    const top = await this.ctx.db.selectFrom('outbox').select(sql<number | null>`max(seq)`.as('seq')).where('node_id', '=', this.ctx.nodeId).executeTakeFirst();
    return Number(top?.seq ?? 0);
  }

  private async ackedSeq(): Promise<number> {
    await this.ctx.db.insertInto('sync_state').values({ node_id: this.ctx.nodeId, acked_seq: 0, last_push_at: null, last_attempt_at: null, last_error: null, last_pull_at: null }).onConflict((oc) => oc.doNothing()).execute();
    const row = await this.ctx.db.selectFrom('sync_state').select('acked_seq').where('node_id', '=', this.ctx.nodeId).executeTakeFirstOrThrow();
    return row.acked_seq;
  }

  private async note(fields: SyncStateNote, db: Ctx['db'] = this.ctx.db): Promise<void> {
    await db.updateTable('sync_state').set({ ...fields, last_attempt_at: this.ctx.clock.now().toISOString() }).where('node_id', '=', this.ctx.nodeId).execute();
  }

  /**
   * An acknowledgement need not survive a crash: a node that lost one sends the batch again and
   * HQ skips what it has (exactly once rests on HQ's unique node × seq and document). So it is
   * written without waiting for the disk (the till's next durable commit takes it there), and a
   * push costs the till no fsync of its own.
   */
  private async noteAck(fields: SyncStateNote): Promise<void> {
    if (this.options.dbKind === 'postgres') {
      await this.ctx.db.transaction().execute(async (tx) => {
        await sql`set local synchronous_commit = off`.execute(tx);
        await this.note(fields, tx);
      });
      return;
    }
    // One connection held throughout, so no other statement runs under the lowered setting.
    await this.ctx.db.connection().execute(async (db) => {
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
      await sql`pragma synchronous = NORMAL`.execute(db);
      try {
        await this.note(fields, db);
      } finally {
        await sql.raw(`pragma synchronous = ${Number(rows[0]?.synchronous ?? 2)}`).execute(db);
      }
    });
  }

  /**
   * Reads, encodes and hashes the batch from the last acknowledged seq in slices, yielding to the
   * event loop between them: a sale waiting at the till runs before the next slice, and what a
   * push keeps between slices is bytes outside the JS heap, not rows and strings for the
   * collector to copy during a sale.
   */
  private async readBatch(acked: number, batch: number): Promise<{ events: number; parts: Buffer[]; hash: Hash; busyMs: number }> {
    const parts = [Buffer.from('{"events":[')];
    const hash = createHash('sha256').update(parts[0] ?? '');
    let events = 0;
    let after = acked;
    let busyMs = 0;
    while (events < batch) {
      const t0 = performance.now();
      const limit = Math.min(PUSH_SLICE, batch - events);
      const rows = await this.ctx.db
        .selectFrom('outbox')
        .select(['seq', 'event_id', 'type', 'document_id', 'payload', 'created_at'])
        .where('node_id', '=', this.ctx.nodeId)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(limit)
        .execute();
      if (rows.length === 0) break;
      // Payloads are JSON already: spliced in as they are, never parsed and re-encoded here.
      const text = rows.map((r) => `{"seq":${r.seq},"eventId":${JSON.stringify(r.event_id)},"type":${JSON.stringify(r.type)},"documentId":${JSON.stringify(r.document_id)},"createdAt":${JSON.stringify(r.created_at)},"payload":${r.payload}}`).join(',');
      const part = Buffer.from(events === 0 ? text : `,${text}`);
      hash.update(part);
      parts.push(part);
      events += rows.length;
      after = rows[rows.length - 1]?.seq ?? after;
      busyMs += performance.now() - t0;
      if (rows.length < limit) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { events, parts, hash, busyMs };
  }

  /** Sends one batch from the last acknowledged seq; returns how many events it sent. */
  async pushOnce(): Promise<number> {
    const waitedMs = this.tillsFirstMs;
    if (waitedMs > 0) await new Promise((resolve) => setTimeout(resolve, waitedMs));
    const startedAt = performance.now();
    const acked = await this.ackedSeq();
    const top = await this.topSeq();
    const batch = this.options.batchSize ?? 500;
    const { events, parts, hash, busyMs } = await this.readBatch(acked, waitedMs > 0 ? Math.min(BUSY_BATCH, batch) : batch);
    if (events === 0) return 0;
    // The skew goes last, so a retry signed by HQ's clock re-hashes only the tail.
    const body = (): PushBody => {
      const tail = Buffer.from(`],"outboxNodeId":${JSON.stringify(this.ctx.nodeId)},"clockSkewMs":${this.skewMs}}`);
      return { bytes: Buffer.concat([...parts, tail]), sha256: hash.copy().update(tail).digest('hex') };
    };
    try {
      const ack = await this.call<PushAck>('POST', '/api/v1/sync/push', body);
      const t2 = performance.now();
      await this.noteAck({ acked_seq: ack.ackedSeq, last_push_at: this.ctx.clock.now().toISOString(), last_error: null });
      this.lastPushTimings = { events, bodyBytes: this.lastCall.bodyBytes, waitedMs, readMs: busyMs, signMs: this.lastCall.signMs, sendMs: this.lastCall.sendMs, ackMs: performance.now() - t2 };
      // Events appended while this batch was out: the tills are selling, so the next push waits
      // and goes smaller: sync takes at most a tenth of the node's time (and HQ's) meanwhile.
      this.tillsFirstMs = (await this.topSeq()) > top ? Math.min(MAX_BUSY_PAUSE_MS, (performance.now() - startedAt) * BUSY_PAUSE_FACTOR) : 0;
      return events;
    } catch (err) {
      const expected = err instanceof AppError ? err.details?.expectedSeq : undefined;
      if (err instanceof AppError && err.code === 'SYNC_GAP' && typeof expected === 'number') {
        // HQ has more (a lost acknowledgement) or less (HQ restored) than this node thought.
        await this.note({ acked_seq: expected - 1, last_error: null });
        return events;
      }
      await this.note({ last_error: `${err instanceof AppError ? err.code : 'ERROR'}: ${(err as Error).message}` });
      throw err;
    }
  }

  /** Pushes until the outbox is empty (or `maxBatches` were sent). */
  async drain(maxBatches = Number.POSITIVE_INFINITY): Promise<number> {
    let sent = 0;
    for (let i = 0; i < maxBatches; i++) {
      const n = await this.pushOnce();
      sent += n;
      if (n === 0) break;
    }
    return sent;
  }

  /**
   * Pulls HQ's master data from where the last pull stopped (everything on a node's first pull),
   * page by page; each page is applied together with the cursor after it, so a pull cut off midway
   * resumes from the last page applied. Returns the rows applied (upserted or deleted).
   */
  async pull(pageSize = 1000): Promise<number> {
    await this.ackedSeq();
    const state = await this.ctx.db.selectFrom('sync_state').select('pull_cursor').where('node_id', '=', this.ctx.nodeId).executeTakeFirstOrThrow();
    let cursor = state.pull_cursor;
    let rows = 0;
    let limit = pageSize;
    for (let more = true; more; ) {
      const page: PullPage = await this.call<PullPage>('GET', `/api/v1/sync/pull?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      try {
        await applyPullPage(this.ctx.db, this.options.dbKind, page, async (tx) => {
          await tx.updateTable('sync_state').set({ pull_cursor: page.next, pulled_change_no: page.changeNo, hq_change_no: page.headChangeNo }).where('node_id', '=', this.ctx.nodeId).execute();
        });
      } catch (err) {
        // A row whose parent changed again after it (so sits on a later page) fails its foreign
        // key: the same changes asked for with room for the parent apply together.
        if (!page.more || limit >= MAX_PULL_PAGE || !isForeignKeyError(err)) throw err;
        limit = Math.min(MAX_PULL_PAGE, limit * 4);
        continue;
      }
      limit = pageSize;
      rows += page.tables.reduce((n, t) => n + t.rows.length + t.deleted.length, 0);
      cursor = page.next;
      more = page.more;
    }
    // Then the transfers to this store, and the receipt of those it sent, after the SKUs they name.
    rows += await pullInbound(this.ctx, this.options.credential.storeId, pageSize, (path) => this.call<InboundPage>('GET', path));
    this.lastPullMs = Date.now();
    invalidateCatalog(this.ctx);
    await this.note({ last_pull_at: this.ctx.clock.now().toISOString() });
    return rows;
  }

  /** Starts the background rounds: drain the outbox, pull when due, then wait (longer after a failure). */
  start(): void {
    const interval = this.options.intervalMs ?? 3000;
    const maxBackoff = this.options.maxBackoffMs ?? 60_000;
    let delay = interval;
    const tick = () => {
      this.round = (async () => {
        try {
          await this.drain();
          if (Date.now() - this.lastPullMs >= (this.options.pullEveryMs ?? DEFAULT_PULL_EVERY_MS)) await this.pull();
          delay = interval;
        } catch (err) {
          delay = Math.min(maxBackoff, delay * 2);
          this.ctx.log.warn({ code: err instanceof AppError ? err.code : undefined, err: (err as Error).message, retryInMs: delay }, 'sync round failed');
        }
        if (!this.stopped) this.timer = setTimeout(tick, delay);
      })();
    };
    tick();
  }

  /** Stops the rounds (after the one in flight). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.round;
    running.delete(this.ctx.nodeId);
    setOfflinePosture(this.ctx.nodeId, null);
  }

  /** What the till and the back office show: last push, queue, oldest unsynced, HQ reachable. */
  async status(): Promise<SyncStatus> {
    const acked = await this.ackedSeq();
    const state = await this.ctx.db.selectFrom('sync_state').selectAll().where('node_id', '=', this.ctx.nodeId).executeTakeFirstOrThrow();
    const queue = await this.ctx.db
      .selectFrom('outbox')
      .select([sql<number>`count(*)`.as('n'), sql<string | null>`min(created_at)`.as('oldest')])
      .where('node_id', '=', this.ctx.nodeId)
      .where('seq', '>', acked)
      .executeTakeFirstOrThrow();
    return {
      role: 'store',
      nodeId: this.options.credential.nodeId,
      storeCode: this.options.credential.storeCode,
      hqUrl: this.base,
      hqReachable: this.reachable,
      lastPushAt: state.last_push_at,
      lastAttemptAt: state.last_attempt_at,
      lastError: state.last_error,
      lastPullAt: state.last_pull_at,
      pulledChangeNo: state.pulled_change_no ?? 0,
      pullBehind: Math.max(0, (state.hq_change_no ?? 0) - (state.pulled_change_no ?? 0)),
      ackedSeq: acked,
      queuedEvents: Number(queue.n),
      oldestUnsyncedAt: queue.oldest,
      clockSkewMs: this.skewMs,
      posture: await this.posture(queue.oldest),
    };
  }

  /**
   * Offline when HQ did not answer the last call (or never has): since the last successful push,
   * or the oldest queued event if nothing was ever pushed; the unsynced amount is the store's
   * sales since the oldest event HQ does not have yet.
   */
  async posture(oldestUnsyncedAt?: string | null, db: Ctx['db'] = this.ctx.db): Promise<OfflinePosture> {
    const state = await db.selectFrom('sync_state').select(['last_push_at', 'acked_seq']).where('node_id', '=', this.ctx.nodeId).executeTakeFirst();
    const oldest =
      oldestUnsyncedAt !== undefined
        ? oldestUnsyncedAt
        : ((await db.selectFrom('outbox').select(sql<string | null>`min(created_at)`.as('oldest')).where('node_id', '=', this.ctx.nodeId).where('seq', '>', state?.acked_seq ?? 0).executeTakeFirst())?.oldest ?? null);
    const offline = this.reachable === false;
    const since = offline ? (state?.last_push_at ?? oldest ?? this.ctx.clock.now().toISOString()) : null;
    const unsynced = oldest
      ? Number((await db.selectFrom('sales').select(sql<number | null>`sum(total_fen)`.as('fen')).where('store_id', '=', this.options.credential.storeId).where('created_at', '>=', oldest).executeTakeFirst())?.fen ?? 0)
      : 0;
    return judgeOffline(await offlinePolicy({ ...this.ctx, db }), since, unsynced, this.ctx.clock.now());
  }
}
