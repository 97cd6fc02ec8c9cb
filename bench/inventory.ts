// Inventory bench (issue 9: on-hand lookup p99 < 1 ms with 200,000 SKUs × 100 stores): the real
// migrated SQLite schema with 20,000,000 stock_balances rows bulk-inserted, then on-hand lookups
// of random store × SKU pairs through `onHand` (Kysely, as the till and the back office ask),
// beside a baseline primary-key lookup of a SKU row through the same Kysely path in the same run,
// and both again as bare better-sqlite3 prepared statements (the floor).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { migrate, openDatabase } from '../src/platform/db/index';
import { manualClock } from '../src/platform/clock';
import { createLogger } from '../src/platform/logging';
import { newId } from '../src/platform/ids';
import type { Ctx } from '../src/platform/context';
import { onHand } from '../src/inventory/index';
import { machine } from './harness';

/** A deterministic generator, so runs look up the same pairs. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(4));
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

async function timeEach(count: number, fn: (i: number) => Promise<unknown> | unknown): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  return samples;
}

export async function benchInventory(options: { skus?: number; stores?: number; lookups?: number } = {}) {
  const skuCount = options.skus ?? 200_000;
  const storeCount = options.stores ?? 100;
  const lookups = options.lookups ?? 20_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-inventory-'));
  const handle = await openDatabase({ kind: 'sqlite', path: path.join(dir, 'bench.db') });
  try {
    await migrate(handle.db);
    const sqlite = handle.sqlite;
    if (!sqlite) throw new Error('the inventory bench needs SQLite');
    const now = new Date('2026-11-30T02:00:00Z').toISOString();
    // Ids made in order are UUIDv7 in increasing order, so rows go in primary-key order.
    const storeIds = Array.from({ length: storeCount }, () => newId());
    const skuIds = Array.from({ length: skuCount }, () => newId());

    const loadStart = performance.now();
    // Bulk load: the same pragmas a restore would use; durability comes back before measuring.
    sqlite.pragma('foreign_keys = OFF');
    sqlite.pragma('synchronous = OFF');
    const categoryId = newId();
    sqlite.prepare('insert into categories (id, code, name, parent_id, vat_rate, created_at) values (?, ?, ?, null, ?, ?)').run(categoryId, 'B1', 'Bench', '0.13', now);
    const insertStore = sqlite.prepare('insert into stores (id, code, name, region_id, time_zone, day_cutover, created_at) values (?, ?, ?, null, ?, ?, ?)');
    const insertSku = sqlite.prepare("insert into skus (id, code, name, unit, category_id, price_fen, cost_fen, plu, active, is_bundle, created_at, updated_at) values (?, ?, ?, 'piece', ?, ?, ?, null, 1, 0, ?, ?)");
    const insertBalance = sqlite.prepare('insert into stock_balances (store_id, sku_id, qty, updated_at) values (?, ?, ?, ?)');
    sqlite.transaction(() => {
      storeIds.forEach((id, i) => insertStore.run(id, `B${String(i).padStart(3, '0')}`, `Bench store ${i}`, 'Asia/Shanghai', '00:00', now));
      skuIds.forEach((id, i) => insertSku.run(id, `SKU${i}`, `Bench item ${i}`, categoryId, 100 + (i % 5000), 60 + (i % 3000), now, now));
    })();
    const loadStores = sqlite.transaction((store: string, s: number) => {
      for (let k = 0; k < skuIds.length; k++) insertBalance.run(store, skuIds[k], (s * 7919 + k) % 500, now);
    });
    storeIds.forEach((store, s) => loadStores(store, s));
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    const loadS = (performance.now() - loadStart) / 1000;
    const bytes = fs.statSync(path.join(dir, 'bench.db')).size;

    const ctx: Ctx = { actor: null, db: handle.db, clock: manualClock(now), nodeId: 'bench', log: createLogger('silent') };
    const rnd = lcg(9);
    const pairs = Array.from({ length: lookups }, () => ({ store: storeIds[Math.floor(rnd() * storeCount)] as string, sku: skuIds[Math.floor(rnd() * skuCount)] as string }));
    const rawOnHand = sqlite.prepare('select qty from stock_balances where store_id = ? and sku_id = ?');
    const rawSku = sqlite.prepare('select id, price_fen from skus where id = ?');

    // Warm-up (statement caches, page cache), then measured runs interleaved so noise hits both.
    for (let i = 0; i < 2000; i++) {
      const p = pairs[i] as (typeof pairs)[number];
      await onHand(ctx, p.store, [p.sku]);
      await handle.db.selectFrom('skus').select(['id', 'price_fen']).where('id', '=', p.sku).executeTakeFirst();
    }
    const onHandMs = await timeEach(lookups, async (i) => {
      const p = pairs[i] as (typeof pairs)[number];
      const qty = (await onHand(ctx, p.store, [p.sku])).get(p.sku);
      if (qty === undefined) throw new Error('lookup lost its row');
    });
    const skuMs = await timeEach(lookups, (i) => handle.db.selectFrom('skus').select(['id', 'price_fen']).where('id', '=', (pairs[i] as (typeof pairs)[number]).sku).executeTakeFirst());
    const rawOnHandMs = await timeEach(lookups, (i) => rawOnHand.get((pairs[i] as (typeof pairs)[number]).store, (pairs[i] as (typeof pairs)[number]).sku));
    const rawSkuMs = await timeEach(lookups, (i) => rawSku.get((pairs[i] as (typeof pairs)[number]).sku));

    const onHandFigures = percentiles(onHandMs);
    const baseline = percentiles(skuMs);
    return {
      subject: 'inventory',
      machine: machine(),
      rows: { balances: skuCount * storeCount, skus: skuCount, stores: storeCount, loadS: Number(loadS.toFixed(1)), dbMiB: Math.round(bytes / 2 ** 20) },
      lookups,
      onHand: { name: 'onHand(ctx, store, [sku]) via Kysely', ...onHandFigures },
      baseline: { name: 'skus primary-key lookup via Kysely', ...baseline },
      rawOnHand: { name: 'stock_balances lookup, bare prepared statement', ...percentiles(rawOnHandMs) },
      rawBaseline: { name: 'skus lookup, bare prepared statement', ...percentiles(rawSkuMs) },
      ratioP99: Number((onHandFigures.p99Ms / Math.max(baseline.p99Ms, 1e-6)).toFixed(2)),
      budget: { p99Ms: 1, met: onHandFigures.p99Ms < 1 },
    };
  } finally {
    await handle.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
