// Sync bench (DESIGN §10: 100,000 queued sales drained to HQ in < 60 s, none lost, none twice):
// a store node's outbox is filled with N realistic `sale.completed` events (copies of one real
// sale, each its own document), then drained over loopback HTTP to an HQ on SQLite, or on
// PostgreSQL when TILLPOINT_BENCH_PG names a server (a scratch database is made and dropped).
// Baseline, same run: bare inserts of the same sale rows at that HQ (insertSales, 500 a
// transaction), without signing, HTTP or the exactly-once bookkeeping.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { createTillpoint, type Tillpoint } from '../src/app';
import { seedDemo } from '../src/cli/demo-seed';
import { loadConfig } from '../src/platform/config';
import { systemClock } from '../src/platform/clock';
import { createLogger } from '../src/platform/logging';
import { newId } from '../src/platform/ids';
import { openDatabase, type DbHandle } from '../src/platform/db/index';
import type { Ctx } from '../src/platform/context';
import { insertSales, type SaleRecord } from '../src/checkout/index';
import { generateKeyRing, memberKeysFrom } from '../src/members/index';
import { configureSyncKey, registerNode, StoreSync } from '../src/sync/index';
import { machine, onBenchPostgres } from './harness';

const log = createLogger('silent');
const keys = () => ({ auditKey: randomBytes(32), memberKeys: memberKeysFrom(generateKeyRing()) });

function copyOf(sale: SaleRecord, n: number): SaleRecord {
  const id = newId();
  return { ...sale, id, receiptNo: `${sale.receiptNo}-${n}`, receiptToken: `${id}-t`, idempotencyKey: id, tenders: sale.tenders.map((t) => ({ ...t, id: newId() })) };
}

async function drainTo(hqHandle: DbHandle, n: number, dir: string) {
  const hq = await createTillpoint({ config: loadConfig({ role: 'hq', data: path.join(dir, 'hq'), logLevel: 'silent' }, {}), clock: systemClock, log, handle: hqHandle, ...keys() });
  const store = await createTillpoint({ config: loadConfig({ role: 'store', data: path.join(dir, 'store'), logLevel: 'silent' }, {}), clock: systemClock, log, ...keys() });
  try {
    const hqCtx: Ctx = { actor: null, db: hq.handle.db, clock: systemClock, nodeId: hq.nodeId, log };
    await seedDemo(hqCtx, { products: 200 });
    const syncKey = randomBytes(32);
    configureSyncKey(hq.nodeId, syncKey);
    await hq.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (hq.app.server.address() as { port: number }).port;
    const credential = await registerNode(hqCtx, syncKey, 'S001');
    const storeCtx: Ctx = { actor: null, db: store.handle.db, clock: systemClock, nodeId: store.nodeId, log };
    const sync = new StoreSync(storeCtx, { hqUrl: `http://127.0.0.1:${port}`, credential, dbKind: 'sqlite', batchSize: 500 });
    await sync.pull();
    const template = await oneRealSale(store);
    await sync.drain();
    // Fill the outbox: N events after the real ones, with the gapless sequence moved on to match.
    const startSeq = (await storeCtx.db.selectFrom('sequences').select('last_value').where('name', '=', `outbox:${store.nodeId}`).executeTakeFirstOrThrow()).last_value;
    const fillStart = performance.now();
    for (let i = 0; i < n; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, n - i) }, (_x, k) => {
        const sale = copyOf(template, i + k);
        return { node_id: store.nodeId, seq: startSeq + i + k + 1, event_id: newId(), type: 'sale.completed', document_id: sale.id, payload: JSON.stringify(sale), created_at: new Date().toISOString() };
      });
      await storeCtx.db.transaction().execute(async (tx) => {
        for (let j = 0; j < rows.length; j += 100) await tx.insertInto('outbox').values(rows.slice(j, j + 100)).execute();
      });
    }
    await storeCtx.db.updateTable('sequences').set({ last_value: startSeq + n }).where('name', '=', `outbox:${store.nodeId}`).execute();
    const fillMs = performance.now() - fillStart;
    const before = Number((await hqCtx.db.selectFrom('sales').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const t0 = performance.now();
    await sync.drain();
    const drainMs = performance.now() - t0;
    const after = await hqCtx.db.selectFrom('sales').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.count<number>('id').distinct().as('distinct')]).executeTakeFirstOrThrow();
    const status = await sync.status();
    // Baseline: the same number of sale rows, bare, at the same HQ.
    const b0 = performance.now();
    for (let i = 0; i < n; i += 500) {
      const batch = Array.from({ length: Math.min(500, n - i) }, (_x, k) => copyOf(template, n + i + k));
      await hqCtx.db.transaction().execute((tx) => insertSales(tx, batch));
    }
    const bareMs = performance.now() - b0;
    return {
      hq: hqHandle.kind,
      queued: n,
      fillMs: Math.round(fillMs),
      drainMs: Math.round(drainMs),
      salesPerSec: Math.round(n / (drainMs / 1000)),
      arrived: Number(after.n) - before,
      duplicates: Number(after.n) - Number(after.distinct),
      queuedAfter: status.queuedEvents,
      baselineBareInsertMs: Math.round(bareMs),
      baselineSalesPerSec: Math.round(n / (bareMs / 1000)),
      ratioDrainToBare: Number((drainMs / bareMs).toFixed(2)),
      budget: { drainUnderMs: 60_000, met: drainMs < 60_000 && Number(after.n) - before === n },
    };
  } finally {
    await store.close();
    await hq.close();
  }
}

/** One sale through the store's real checkout (PIN, shift, scan, cash, complete). */
async function oneRealSale(store: Tillpoint): Promise<SaleRecord> {
  const pin = await store.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' } });
  const auth = { authorization: `Bearer ${(pin.json() as { token: string }).token}` };
  await store.app.inject({ method: 'POST', url: '/api/v1/shifts/open', headers: auth, payload: { floatFen: 0 } });
  const codes = (await store.handle.db.selectFrom('sku_barcodes').innerJoin('skus', 'skus.id', 'sku_barcodes.sku_id').select('barcode').where('skus.unit', '=', 'piece').orderBy('barcode').limit(3).execute()).map((r) => r.barcode);
  const cart = (await store.app.inject({ method: 'POST', url: '/api/v1/carts', headers: auth, payload: {} })).json() as { id: string; dueFen: number };
  let due = 0;
  for (const code of codes) due = ((await store.app.inject({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, headers: auth, payload: { code } })).json() as { dueFen: number }).dueFen;
  await store.app.inject({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, headers: auth, payload: { method: 'cash', amountFen: due } });
  const done = await store.app.inject({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete`, headers: auth });
  const row = await store.handle.db.selectFrom('outbox').select('payload').where('document_id', '=', (done.json() as { id: string }).id).executeTakeFirstOrThrow();
  return JSON.parse(row.payload) as SaleRecord;
}

export async function benchSync(n = Number(process.env.TILLPOINT_BENCH_SYNC_N ?? 100_000)) {
  const results = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-sync-'));
  try {
    const sqlite = await openDatabase({ kind: 'sqlite', path: path.join(dir, 'hq.db') });
    try {
      results.push(await drainTo(sqlite, n, path.join(dir, 'a')));
    } finally {
      await sqlite.close();
    }
    const onPg = await onBenchPostgres('tp_bench_sync', (handle) => drainTo(handle, n, path.join(dir, 'b')));
    if (onPg) results.push(onPg);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { subject: 'sync', machine: machine(), results };
}
