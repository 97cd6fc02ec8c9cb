// Sync benches (issue 10's budgets), HQ as the real `tillpoint start --role hq` in another process
// (SQLite, or PostgreSQL when TILLPOINT_BENCH_PG names a server: a scratch database is made and
// dropped), store nodes in this process on their own durable SQLite files, signed HTTP on loopback:
// 1. drain: one store's outbox of N queued `sale.completed` events (copies of one real sale, each
//    its own document) drained to HQ (< 60 s for 100,000, none lost, none twice), beside bare
//    insertSales of the same rows at that HQ (500 a transaction: no signing, HTTP or bookkeeping);
// 2. stores: 10 store nodes with full outboxes pushing at once (HQ ≥ 3,000 sales/s in all), with
//    each store's drain time, beside bare insertSales of the same rows;
// 3. till: a store node completing sales through the services, alternately with and without its
//    outbox draining to HQ at the same time (< 5 % slower while it syncs); then the same against
//    an HQ stand-in in another process that verifies nothing and only acknowledges (the store's
//    own cost of pushing, without HQ's applying on the same two cores), with where each push's
//    time went on the store and how long the store's event loop was held.
// Cases: TILLPOINT_BENCH_SYNC_CASES=drain,stores,till,till-stub (default all); sizes TILLPOINT_BENCH_SYNC_N
// (100,000), TILLPOINT_BENCH_SYNC_STORES (10), TILLPOINT_BENCH_SYNC_PER_STORE (3,000),
// TILLPOINT_BENCH_SYNC_TILL_SALES (sales per phase, 200; 8 phases of each kind), and the push
// batch TILLPOINT_BENCH_SYNC_BATCH (500, the store node's default).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createTillpoint, type Tillpoint } from '../src/app';
import { seedDemo } from '../src/cli/demo-seed';
import { loadConfig } from '../src/platform/config';
import { systemClock } from '../src/platform/clock';
import { createLogger } from '../src/platform/logging';
import { newId } from '../src/platform/ids';
import { openDatabase, type DbHandle } from '../src/platform/db/index';
import { createUser } from '../src/platform/auth/users';
import { authenticate } from '../src/platform/auth/sessions';
import type { Ctx } from '../src/platform/context';
import { startServer } from '../src/platform/testing/cli';
import { catalogIndex } from '../src/catalog/index';
import { insertSales, type SaleRecord } from '../src/checkout/index';
import { addSku, addTender, completeSale, createCart } from '../src/checkout/service';
import { openShift } from '../src/checkout/shifts';
import { registerNode, StoreSync, syncKeyOf, type NodeCredential, type PushTimings } from '../src/sync/index';
import { machine, onBenchPostgres } from './harness';

const log = createLogger('silent');
const BATCH = Number(process.env.TILLPOINT_BENCH_SYNC_BATCH ?? 500);
const CASHIER = { username: 'bench.cashier', password: 'bench-cashier-pw', pin: '4321' };

function percentiles(samplesMs: number[]): { p50Ms: number; p99Ms: number; maxMs: number; meanMs: number } {
  const s = [...samplesMs].sort((a, b) => a - b);
  const at = (q: number) => Number((s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0).toFixed(3));
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1), meanMs: Number((s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)).toFixed(3)) };
}

const load = () => os.loadavg().map((l) => Number(l.toFixed(1)));

function copyOf(sale: SaleRecord, n: number): SaleRecord {
  const id = newId();
  return { ...sale, id, receiptNo: `${sale.receiptNo}-${n}`, receiptToken: `${id}-t`, idempotencyKey: id, tenders: sale.tenders.map((t) => ({ ...t, id: newId() })) };
}

interface Hq {
  kind: DbHandle['kind'];
  url: string;
  /** This process's own connection to HQ's database (counts, registration, the baseline). */
  ctx: Ctx;
  register(storeCode: string): Promise<NodeCredential>;
  stop(): Promise<void>;
}

/** HQ's database seeded with `stores` demo stores and a cashier for all of them, then HQ started on it in a child process. */
async function startHq(handle: DbHandle, dbArgs: string[], dir: string, stores: number): Promise<Hq> {
  const tp = await createTillpoint({ config: loadConfig({ role: 'hq', data: dir, logLevel: 'silent' }, {}), clock: systemClock, log, handle });
  const ctx: Ctx = { actor: null, db: handle.db, clock: systemClock, nodeId: tp.nodeId, log };
  await seedDemo(ctx, { products: 200, stores });
  await createUser(ctx, { ...CASHIER, displayName: '压测收银', grants: [{ role: 'cashier', scopeKind: 'all', scopeRef: '' }] });
  await tp.close();
  const server = await startServer(['--role', 'hq', '--data', dir, ...dbArgs], 180_000);
  return { kind: handle.kind, url: server.url, ctx, register: (code) => registerNode(ctx, syncKeyOf(ctx.nodeId, dir), code), stop: () => server.stop() };
}

/** Runs `fn` with an HQ on SQLite, then (when TILLPOINT_BENCH_PG is set) with one on PostgreSQL. */
async function onEachHq<T>(dir: string, stores: number, fn: (hq: Hq) => Promise<T>, kinds: ReadonlyArray<'sqlite' | 'postgres'> = ['sqlite', 'postgres']): Promise<T[]> {
  const results: T[] = [];
  const run = async (handle: DbHandle, dbArgs: string[], hqDir: string) => {
    const hq = await startHq(handle, dbArgs, hqDir, stores);
    try {
      results.push(await fn(hq));
    } finally {
      await hq.stop();
    }
  };
  if (kinds.includes('sqlite')) {
    const hqDir = path.join(dir, 'hq-sqlite');
    const handle = await openDatabase({ kind: 'sqlite', path: path.join(hqDir, 'tillpoint.db') });
    try {
      await run(handle, [], hqDir);
    } finally {
      await handle.close();
    }
  }
  if (kinds.includes('postgres')) await onBenchPostgres('tp_bench_sync', (handle, url) => run(handle, ['--db', url], path.join(dir, 'hq-pg')));
  return results;
}

interface StoreNode {
  code: string;
  tp: Tillpoint;
  ctx: Ctx;
  sync: StoreSync;
  credential: NodeCredential;
  /** A cashier signed in at the store's first till, with a shift open. */
  till: Ctx;
  skuIds: string[];
  close(): Promise<void>;
}

/** A store node registered at HQ, its master data pulled, its cashier's shift open and pushed. */
async function startStoreNode(hq: Hq, code: string, dir: string): Promise<StoreNode> {
  const tp = await createTillpoint({ config: loadConfig({ role: 'store', data: dir, logLevel: 'silent' }, {}), clock: systemClock, log });
  const ctx: Ctx = { actor: null, db: tp.handle.db, clock: systemClock, nodeId: tp.nodeId, log };
  const credential = await hq.register(code);
  const sync = new StoreSync(ctx, { hqUrl: hq.url, credential, dbKind: 'sqlite', batchSize: BATCH });
  await sync.pull();
  const login = await tp.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: CASHIER.username, password: CASHIER.password } });
  const till: Ctx = { ...ctx, actor: await authenticate(ctx, tp.app.sessionPolicy, (login.json() as { token: string }).token) };
  await openShift(till, { storeCode: code, terminalCode: 'T01', floatFen: 0 });
  const skuIds = (await catalogIndex(ctx))
    .search('', 200)
    .items.filter((s) => s.unit === 'piece' && s.components.length === 0)
    .map((s) => s.id);
  await sync.drain();
  return {
    code,
    tp,
    ctx,
    sync,
    credential,
    till,
    skuIds,
    close: async () => {
      await sync.stop();
      await tp.close();
    },
  };
}

/** One 3-line cash sale through the store's services; resolves to the time its completion took. */
async function sell(node: StoreNode, i: number): Promise<{ ms: number; id: string }> {
  const cart = await createCart(node.till, { storeCode: node.code, terminalCode: 'T01' });
  for (let k = 0; k < 3; k++) await addSku(node.till, cart.id, { skuId: node.skuIds[(i * 3 + k) % node.skuIds.length] ?? '' });
  await addTender(node.till, cart.id, { method: 'cash' });
  const t0 = performance.now();
  const sale = await completeSale(node.till, cart.id);
  return { ms: performance.now() - t0, id: sale.id };
}

/** One real sale at the store, as its outbox carries it (the template of the queued copies). */
async function realSale(node: StoreNode): Promise<SaleRecord> {
  const { id } = await sell(node, 0);
  const row = await node.ctx.db.selectFrom('outbox').select('payload').where('document_id', '=', id).executeTakeFirstOrThrow();
  return JSON.parse(row.payload) as SaleRecord;
}

/** Queues `n` copies of `template` in the node's outbox, the gapless sequence moved on to match. */
async function fillOutbox(node: StoreNode, template: SaleRecord, n: number): Promise<number> {
  const { ctx } = node;
  const t0 = performance.now();
  await ctx.db.transaction().execute(async (tx) => {
    const seqName = `outbox:${ctx.nodeId}`;
    const start = (await tx.selectFrom('sequences').select('last_value').where('name', '=', seqName).executeTakeFirstOrThrow()).last_value;
    for (let i = 0; i < n; i += 100) {
      const rows = Array.from({ length: Math.min(100, n - i) }, (_x, k) => {
        const sale = copyOf(template, i + k);
        return { node_id: ctx.nodeId, seq: start + i + k + 1, event_id: newId(), type: 'sale.completed', document_id: sale.id, payload: JSON.stringify(sale), created_at: new Date().toISOString() };
      });
      await tx.insertInto('outbox').values(rows).execute();
    }
    await tx.updateTable('sequences').set({ last_value: start + n }).where('name', '=', seqName).execute();
  });
  return performance.now() - t0;
}

async function hqSales(hq: Hq): Promise<{ n: number; distinct: number }> {
  const r = await hq.ctx.db.selectFrom('sales').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('id').distinct().as('distinct')]).executeTakeFirstOrThrow();
  return { n: Number(r.n), distinct: Number(r.distinct) };
}

/** Baseline: the same rows as bare insertSales at HQ, 500 a transaction, one store after another. */
async function bareInserts(hq: Hq, templates: readonly SaleRecord[], perStore: number): Promise<number> {
  const t0 = performance.now();
  for (const template of templates) {
    for (let i = 0; i < perStore; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, perStore - i) }, (_x, k) => copyOf(template, perStore + i + k));
      await hq.ctx.db.transaction().execute((tx) => insertSales(tx, batch));
    }
  }
  return performance.now() - t0;
}

/** 1. One store's queue of `n` sales drained to HQ. */
async function benchDrain(dir: string, n: number) {
  return onEachHq(dir, 1, async (hq) => {
    const node = await startStoreNode(hq, 'S001', path.join(dir, `store-${hq.kind}`));
    try {
      const template = await realSale(node);
      await node.sync.drain();
      const fillMs = await fillOutbox(node, template, n);
      const before = await hqSales(hq);
      const loadBefore = load();
      const t0 = performance.now();
      await node.sync.drain();
      const drainMs = performance.now() - t0;
      const loadAfter = load();
      const after = await hqSales(hq);
      const queuedAfter = (await node.sync.status()).queuedEvents;
      const bareMs = await bareInserts(hq, [template], n);
      const arrived = after.n - before.n;
      return {
        hq: hq.kind,
        queued: n,
        fillMs: Math.round(fillMs),
        drainMs: Math.round(drainMs),
        salesPerSec: Math.round(n / (drainMs / 1000)),
        arrived,
        duplicates: after.n - after.distinct,
        queuedAfter,
        baselineBareInsertMs: Math.round(bareMs),
        baselineSalesPerSec: Math.round(n / (bareMs / 1000)),
        ratioDrainToBare: Number((drainMs / bareMs).toFixed(2)),
        load: { before: loadBefore, after: loadAfter },
        budget: { drainUnderMs: 60_000, met: drainMs < 60_000 && arrived === n && after.n === after.distinct },
      };
    } finally {
      await node.close();
    }
  });
}

/** 2. `stores` store nodes, `perStore` queued sales each, all pushing to HQ at once. */
async function benchStores(dir: string, stores: number, perStore: number) {
  const codes = Array.from({ length: stores }, (_x, i) => `S${String(i + 1).padStart(3, '0')}`);
  return onEachHq(dir, stores, async (hq) => {
    const nodes: StoreNode[] = [];
    try {
      for (const code of codes) nodes.push(await startStoreNode(hq, code, path.join(dir, `${code}-${hq.kind}`)));
      const templates: SaleRecord[] = [];
      for (const node of nodes) {
        const template = await realSale(node);
        await node.sync.drain();
        await fillOutbox(node, template, perStore);
        templates.push(template);
      }
      const before = await hqSales(hq);
      const loadBefore = load();
      const t0 = performance.now();
      const perStoreMs = await Promise.all(
        nodes.map(async (node) => {
          const s0 = performance.now();
          await node.sync.drain();
          return Math.round(performance.now() - s0);
        }),
      );
      const wallMs = performance.now() - t0;
      const loadAfter = load();
      const after = await hqSales(hq);
      const total = stores * perStore;
      const bareMs = await bareInserts(hq, templates, perStore);
      const salesPerSec = Math.round(total / (wallMs / 1000));
      return {
        hq: hq.kind,
        stores,
        perStore,
        wallMs: Math.round(wallMs),
        salesPerSec,
        perStoreDrainMs: Object.fromEntries(codes.map((c, i) => [c, perStoreMs[i]])),
        arrived: after.n - before.n,
        duplicates: after.n - after.distinct,
        baselineBareInsertMs: Math.round(bareMs),
        baselineSalesPerSec: Math.round(total / (bareMs / 1000)),
        ratioToBare: Number((wallMs / bareMs).toFixed(2)),
        load: { before: loadBefore, after: loadAfter },
        budget: { salesPerSec: 3000, met: salesPerSec >= 3000 && after.n - before.n === total && after.n === after.distinct },
      };
    } finally {
      for (const node of nodes) await node.close();
    }
  });
}

/**
 * An HQ stand-in in another process that verifies and applies nothing and acknowledges nothing
 * new (the seq before the batch), so the store sends the same full batch again and again: each
 * push costs the store what a real one does (read, build, sign, send, acknowledgement write),
 * back to back, and the queue never runs dry.
 */
async function startStubHq(): Promise<{ url: string; stop(): Promise<void> }> {
  const script = `
const server = require('node:http').createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const at = body.indexOf('{"seq":');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ackedSeq: at < 0 ? 0 : parseInt(body.slice(at + 7, at + 27), 10) - 1, applied: 0, skipped: 0 }));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('error', reject);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const round2 = (x: number) => Number(x.toFixed(2));

/** The mean of each step over the pushes made while selling. */
function meanSteps(pushes: readonly PushTimings[]) {
  const mean = (k: keyof PushTimings) => round2(pushes.reduce((a, p) => a + p[k], 0) / Math.max(1, pushes.length));
  return { pushes: pushes.length, events: mean('events'), bodyBytes: Math.round(mean('bodyBytes')), waitedMs: mean('waitedMs'), readMs: mean('readMs'), signMs: mean('signMs'), sendMs: mean('sendMs'), ackMs: mean('ackMs') };
}

/**
 * 3. Sale completion at a store node (durable SQLite) in phases of `perPhase` sales, alternately
 * with the outbox draining (a background push loop over a deep queue) and without; the first
 * phase of each kind is warm-up. `to` is where the pushes go: the real HQ (SQLite, another
 * process) or a stand-in that only acknowledges.
 */
async function benchTill(dir: string, perPhase: number, to: 'hq' | 'stub', phases = 8) {
  const [result] = await onEachHq(
    dir,
    1,
    async (hq) => {
      const node = await startStoreNode(hq, 'S001', path.join(dir, 'till-store'));
      const stub = to === 'stub' ? await startStubHq() : undefined;
      try {
        const pusher = stub ? new StoreSync(node.ctx, { hqUrl: stub.url, credential: node.credential, dbKind: 'sqlite', batchSize: BATCH }) : node.sync;
        const template = await realSale(node);
        await node.sync.drain();
        // Deep enough that the push loop never runs dry during the draining phases.
        await fillOutbox(node, template, perPhase * phases * (stub ? 2 : 40));
        const samples = { syncing: [] as number[], idle: [] as number[] };
        const loopDelay = { syncing: monitorEventLoopDelay({ resolution: 1 }), idle: monitorEventLoopDelay({ resolution: 1 }) };
        const steps: PushTimings[] = [];
        const idlePhases: number[][] = [];
        let pushed = 0;
        let ranDry = 0;
        let i = 1;
        const loadBefore = load();
        for (let phase = 0; phase < phases * 2; phase++) {
          const syncing = phase % 2 === 0;
          const measured = phase >= 2;
          let stop = false;
          const loop = syncing
            ? (async () => {
                while (!stop) {
                  const n = await pusher.pushOnce();
                  pushed += n;
                  if (n === 0) {
                    ranDry++;
                    break;
                  }
                  if (measured && pusher.lastPushTimings) steps.push(pusher.lastPushTimings);
                }
              })()
            : Promise.resolve();
          const delay = loopDelay[syncing ? 'syncing' : 'idle'];
          if (measured) delay.enable();
          const times: number[] = [];
          for (let k = 0; k < perPhase; k++) {
            // Each sale comes as its own request at a real till: between two, the event loop
            // runs whatever is due (the push's HTTP answers), as the server's would.
            await new Promise((r) => setImmediate(r));
            times.push((await sell(node, i++)).ms);
          }
          delay.disable();
          stop = true;
          await loop;
          if (measured) (syncing ? samples.syncing : samples.idle).push(...times);
          if (measured && !syncing) idlePhases.push(times);
        }
        const a = percentiles(samples.syncing);
        const b = percentiles(samples.idle);
        const ratio = (x: number, y: number) => Number((x / y).toFixed(3));
        // The machine's own noise: the phases without sync, alternate ones against each other.
        const idleA = percentiles(idlePhases.filter((_x, k) => k % 2 === 0).flat());
        const idleB = percentiles(idlePhases.filter((_x, k) => k % 2 === 1).flat());
        const held = (h: ReturnType<typeof monitorEventLoopDelay>) => ({ p50Ms: round2(h.percentile(50) / 1e6), p99Ms: round2(h.percentile(99) / 1e6), maxMs: round2(h.max / 1e6) });
        return {
          hq: to === 'stub' ? 'stand-in (acknowledges only)' : hq.kind,
          pushBatch: BATCH,
          phases,
          salesPerPhase: perPhase,
          eventsPushedWhileSelling: pushed,
          queueRanDry: ranDry,
          whileSyncing: { name: 'completeSale while the outbox drains', ...a },
          baseline: { name: 'completeSale, no sync running', ...b },
          ratioP50: ratio(a.p50Ms, b.p50Ms),
          ratioP99: ratio(a.p99Ms, b.p99Ms),
          ratioMean: ratio(a.meanMs, b.meanMs),
          noise: { name: 'not syncing, alternate phases against each other', ratioP50: ratio(idleA.p50Ms, idleB.p50Ms), ratioMean: ratio(idleA.meanMs, idleB.meanMs) },
          pushSteps: meanSteps(steps),
          eventLoopDelay: { whileSyncing: held(loopDelay.syncing), notSyncing: held(loopDelay.idle) },
          load: { before: loadBefore, after: load() },
          budget: { slowerUnder: 0.05, met: a.p50Ms / b.p50Ms < 1.05 && a.meanMs / b.meanMs < 1.05 },
        };
      } finally {
        await stub?.stop();
        await node.close();
      }
    },
    ['sqlite'],
  );
  return result;
}

export async function benchSync() {
  const env = process.env;
  const cases = (env.TILLPOINT_BENCH_SYNC_CASES ?? 'drain,stores,till,till-stub').split(',');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-sync-'));
  try {
    return {
      subject: 'sync',
      machine: machine(),
      load: load(),
      drain: cases.includes('drain') ? await benchDrain(path.join(dir, 'drain'), Number(env.TILLPOINT_BENCH_SYNC_N ?? 100_000)) : undefined,
      stores: cases.includes('stores') ? await benchStores(path.join(dir, 'stores'), Number(env.TILLPOINT_BENCH_SYNC_STORES ?? 10), Number(env.TILLPOINT_BENCH_SYNC_PER_STORE ?? 3000)) : undefined,
      till: cases.includes('till') ? await benchTill(path.join(dir, 'till'), Number(env.TILLPOINT_BENCH_SYNC_TILL_SALES ?? 200), 'hq') : undefined,
      tillStub: cases.includes('till-stub') ? await benchTill(path.join(dir, 'till-stub'), Number(env.TILLPOINT_BENCH_SYNC_TILL_SALES ?? 200), 'stub') : undefined,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
