// Reports bench (DESIGN §10: the monthly report for 100 stores × 30 days answers in < 500 ms):
// rollup rows for 100 stores × 30 business days (~1,000 sales a store a day, i.e. ~3 M sales)
// are inserted directly in bulk (it is the query being measured, not how the rows came), then
// `salesReport` for the month by store and by category is timed over repeats (p50/p99),
// beside a baseline in the same run: a bare `select count(*)` over the same table, and the sum
// of the month's total rows in one statement. On SQLite always; on PostgreSQL too when
// TILLPOINT_BENCH_PG names a server (postgres://…; a scratch database is made and dropped).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { migrate, openDatabase, type DbHandle } from '../src/platform/db/index';
import { manualClock } from '../src/platform/clock';
import { createLogger } from '../src/platform/logging';
import { newId } from '../src/platform/ids';
import type { Ctx } from '../src/platform/context';
import { salesReport } from '../src/reports/index';
import { machine, onBenchPostgres } from './harness';

const STORES = 100;
const DAYS = 30;
const FROM = '2026-11-01';
const TO = '2026-11-30';
const CATEGORIES = 40;
const PRODUCTS_PER_DAY = 300;
const SKUS = 2000;
const REPEATS = 20;

function dateOf(day: number): string {
  return `2026-11-${String(day + 1).padStart(2, '0')}`;
}

/** Deterministic pseudo-random numbers, so every run builds the same rows. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

function measures(random: () => number, transactions: number, netScale: number) {
  const gross = Math.round(netScale * (0.9 + random() * 0.2));
  const discount = Math.round(gross * 0.04);
  const returns = Math.round(gross * 0.01);
  return { gross_fen: gross, discount_fen: discount, returns_fen: returns, net_fen: gross - discount - returns, cost_fen: Math.round(gross * 0.72), qty: transactions * 3, items: transactions * 3, transactions, return_count: Math.round(transactions / 100) };
}

async function build(handle: DbHandle): Promise<{ rows: number; buildMs: number }> {
  const db = handle.db;
  const t0 = performance.now();
  const now = '2026-12-01T00:00:00.000Z';
  const storeIds = Array.from({ length: STORES }, () => newId());
  await db.insertInto('stores').values(storeIds.map((id, i) => ({ id, code: `S${String(i + 1).padStart(3, '0')}`, name: `店 ${i + 1}`, region_id: null, time_zone: 'Asia/Shanghai', day_cutover: '00:00', created_at: now }))).execute();
  const categoryIds = Array.from({ length: CATEGORIES }, () => newId());
  await db.insertInto('categories').values(categoryIds.map((id, i) => ({ id, code: `C${1000 + i}`, name: `类 ${i}`, parent_id: null, vat_rate: i % 4 === 0 ? '0.09' : '0.13', created_at: now }))).execute();
  const skuIds = Array.from({ length: SKUS }, () => newId());
  for (let i = 0; i < SKUS; i += 500) {
    await db
      .insertInto('skus')
      .values(skuIds.slice(i, i + 500).map((id, k) => ({ id, code: `P${i + k}`, name: `商品 ${i + k}`, unit: 'piece', category_id: categoryIds[(i + k) % CATEGORIES] ?? '', price_fen: 500, cost_fen: 350, plu: null, active: 1, is_bundle: 0, created_at: now, updated_at: now })))
      .execute();
  }
  const random = lcg(42);
  let rows = 0;
  const cashiers = ['c1', 'c2', 'c3', 'c4'];
  const tenders = ['wechat', 'alipay', 'cash', 'card', 'unionpay'];
  for (const storeId of storeIds) {
    const batch: Array<Record<string, string | number>> = [];
    for (let day = 0; day < DAYS; day++) {
      const date = dateOf(day);
      const tx = 900 + Math.floor(random() * 200);
      const net = tx * 4500;
      const add = (kind: string, ref: string, share: number) => batch.push({ store_id: storeId, business_date: date, dim_kind: kind, dim_ref: ref, ...measures(random, Math.max(1, Math.round(tx * share)), net * share) });
      add('total', '', 1);
      for (let h = 8; h < 22; h++) add('hour', String(h).padStart(2, '0'), 1 / 14);
      for (const t of tenders) add('tender', t, 1 / tenders.length);
      for (const c of cashiers) add('cashier', c, 1 / cashiers.length);
      add('rate', '0.13', 0.75);
      add('rate', '0.09', 0.25);
      for (const c of categoryIds) add('category', c, 1 / CATEGORIES);
      const startSku = Math.floor(random() * SKUS);
      for (let p = 0; p < PRODUCTS_PER_DAY; p++) add('product', skuIds[(startSku + p * 7) % SKUS] ?? '', 1 / PRODUCTS_PER_DAY);
    }
    // One transaction per store; 500 rows a statement stays under both dialects' parameter limits.
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < batch.length; i += 500) await trx.insertInto('report_sales_daily').values(batch.slice(i, i + 500) as never).execute();
    });
    rows += batch.length;
  }
  if (handle.kind === 'postgres') await sql`analyze`.execute(db);
  else handle.sqlite?.exec('analyze');
  return { rows, buildMs: Math.round(performance.now() - t0) };
}

async function timed(fn: () => Promise<unknown>): Promise<{ p50Ms: number; p99Ms: number; minMs: number }> {
  await fn(); // warm: statement caches, pages in memory
  const samples: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => Number((samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0).toFixed(2));
  return { p50Ms: at(0.5), p99Ms: at(0.99), minMs: at(0) };
}

async function benchOn(handle: DbHandle) {
  await migrate(handle.db);
  const built = await build(handle);
  const ctx: Ctx = { actor: null, db: handle.db, clock: manualClock('2026-12-01T02:00:00Z'), nodeId: 'bench', log: createLogger('silent') };
  const byStore = await timed(() => salesReport(ctx, null, { from: FROM, to: TO, by: 'store' }));
  const byCategory = await timed(() => salesReport(ctx, null, { from: FROM, to: TO, by: 'category' }));
  const check = await salesReport(ctx, null, { from: FROM, to: TO, by: 'store' });
  const countAll = await timed(() => handle.db.selectFrom('report_sales_daily').select((eb) => eb.fn.countAll().as('n')).execute());
  const sumMonth = await timed(() =>
    handle.db.selectFrom('report_sales_daily').select((eb) => eb.fn.sum('net_fen').as('net')).where('dim_kind', '=', 'total').where('business_date', '>=', FROM).where('business_date', '<=', TO).execute(),
  );
  return {
    dialect: handle.kind,
    rollupRows: built.rows,
    buildMs: built.buildMs,
    salesRepresented: check.totals.transactions,
    stores: check.rows.length,
    monthlyByStore: byStore,
    monthlyByCategory: byCategory,
    baselineCountAll: countAll,
    baselineSumMonthTotals: sumMonth,
    budgetMs: 500,
  };
}

export async function benchReports(): Promise<unknown> {
  const results = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-reports-'));
  const sqlite = await openDatabase({ kind: 'sqlite', path: path.join(dir, 'bench.db') });
  try {
    results.push(await benchOn(sqlite));
  } finally {
    await sqlite.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const onPg = await onBenchPostgres('tp_bench_reports', benchOn);
  if (onPg) results.push(onPg);
  return { subject: 'reports', machine: machine(), stores: STORES, days: DAYS, repeats: REPEATS, results };
}
