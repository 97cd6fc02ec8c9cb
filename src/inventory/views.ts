// Read-side of inventory: the stock list with min levels (low-stock filter), reorder suggestions,
// stock value by store and category, movement history per SKU, where else an item is in stock,
// and the stock list as an XLSX workbook.
import ExcelJS from 'exceljs';
import { AppError } from '../platform/errors';
import { can } from '../platform/auth/permissions';
import { formatYuan } from '../platform/money';
import type { Ctx } from '../platform/context';
import type { Store } from '../platform/stores/service';
import { catalogIndex, type CatalogIndex, type Sku } from '../catalog/index';
import { averageCosts, costOf } from './stock-costs';
import { costOfQty } from './cost';
import { reorderSuggestion, VELOCITY_DAYS, type ReorderSuggestion } from './reorder';
import { actorAt, businessDateAt } from './stores';
import { skuByCode } from './scan-item';

export interface StockRow {
  skuId: string;
  code: string;
  name: string;
  unit: string;
  categoryId: string;
  qty: number;
  minQty: number | null;
  low: boolean;
  avgCostFen: number;
  valueFen: number;
}

/** Value of the stock on hand at cost (nothing for stock at or below zero). */
function valueOf(sku: Sku | undefined, qty: number, avgCostFen: number): number {
  return qty > 0 ? costOfQty(sku?.unit ?? 'piece', qty, avgCostFen) : 0;
}

async function stockRows(ctx: Ctx, index: CatalogIndex, storeId: string): Promise<StockRow[]> {
  const [balances, levels, costs] = await Promise.all([
    ctx.db.selectFrom('stock_balances').select(['sku_id', 'qty']).where('store_id', '=', storeId).execute(),
    ctx.db.selectFrom('stock_levels').select(['sku_id', 'min_qty']).where('store_id', '=', storeId).execute(),
    averageCosts(ctx, index, storeId),
  ]);
  const qty = new Map(balances.map((b) => [b.sku_id, b.qty]));
  const min = new Map(levels.map((l) => [l.sku_id, l.min_qty]));
  const rows: StockRow[] = [];
  for (const skuId of new Set([...qty.keys(), ...min.keys()])) {
    const sku = index.sku(skuId);
    if (!sku || sku.components.length > 0) continue;
    const q = qty.get(skuId) ?? 0;
    const m = min.get(skuId) ?? null;
    const avg = costOf(costs, index, skuId);
    rows.push({ skuId, code: sku.code, name: sku.name, unit: sku.unit, categoryId: sku.categoryId, qty: q, minQty: m, low: m !== null && q < m, avgCostFen: avg, valueFen: valueOf(sku, q, avg) });
  }
  return rows.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** The stock list of a store: every SKU with a balance or a min level; `low` keeps those below their min level. */
export async function stockList(ctx: Ctx, store: Store, filter: { low?: boolean; q?: string; categoryId?: string; limit?: number; offset?: number } = {}): Promise<{ total: number; rows: StockRow[] }> {
  actorAt(ctx, store, 'inventory.manage');
  const index = await catalogIndex(ctx);
  const q = filter.q?.trim().toUpperCase();
  const rows = (await stockRows(ctx, index, store.id)).filter((r) => (!filter.low || r.low) && (!filter.categoryId || r.categoryId === filter.categoryId) && (!q || r.code.toUpperCase().includes(q) || r.name.toUpperCase().includes(q)));
  const offset = filter.offset ?? 0;
  return { total: rows.length, rows: rows.slice(offset, offset + (filter.limit ?? 100)) };
}

/** Sets (or clears, with 0) the min level of a SKU at a store. */
export async function setMinLevel(ctx: Ctx, store: Store, input: { code: string; minQty: number }): Promise<{ skuId: string; minQty: number | null }> {
  actorAt(ctx, store, 'inventory.manage');
  if (!Number.isSafeInteger(input.minQty) || input.minQty < 0) throw new AppError('VALIDATION_FAILED', `The min level must be a whole number, 0 or more, got ${input.minQty}.`, { details: { field: 'minQty' } });
  const sku = skuByCode(await catalogIndex(ctx), input.code);
  if (input.minQty === 0) {
    await ctx.db.deleteFrom('stock_levels').where('store_id', '=', store.id).where('sku_id', '=', sku.id).execute();
    return { skuId: sku.id, minQty: null };
  }
  const now = ctx.clock.now().toISOString();
  await ctx.db
    .insertInto('stock_levels')
    .values({ store_id: store.id, sku_id: sku.id, min_qty: input.minQty, updated_at: now })
    .onConflict((oc) => oc.columns(['store_id', 'sku_id']).doUpdateSet({ min_qty: input.minQty, updated_at: now }))
    .execute();
  return { skuId: sku.id, minQty: input.minQty };
}

function daysBefore(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - days);
  return d.toISOString().slice(0, 10);
}

/**
 * What to order at a store: SKUs below their min level or with fewer than `coverDays` of sales
 * on hand at the pace of the last 28 full business days (sales moves, bundles by component).
 */
export async function reorderSuggestions(ctx: Ctx, store: Store, options: { coverDays?: number } = {}): Promise<Array<StockRow & ReorderSuggestion & { soldLast28: number }>> {
  actorAt(ctx, store, 'inventory.manage');
  const coverDays = options.coverDays ?? 14;
  const index = await catalogIndex(ctx);
  const today = businessDateAt(ctx, store);
  const [rows, sold] = await Promise.all([
    stockRows(ctx, index, store.id),
    ctx.db
      .selectFrom('stock_moves')
      .select((eb) => ['sku_id', eb.fn.sum<number>('qty').as('qty')])
      .where('store_id', '=', store.id)
      .where('kind', '=', 'sale')
      .where('business_date', '>=', daysBefore(today, VELOCITY_DAYS))
      .where('business_date', '<', today)
      .groupBy('sku_id')
      .execute(),
  ]);
  const soldBySku = new Map(sold.map((s) => [s.sku_id, -Number(s.qty)]));
  const bySku = new Map(rows.map((r) => [r.skuId, r]));
  // A SKU that sold but has no balance row yet is at 0.
  for (const skuId of soldBySku.keys()) {
    const sku = index.sku(skuId);
    if (!bySku.has(skuId) && sku) bySku.set(skuId, { skuId, code: sku.code, name: sku.name, unit: sku.unit, categoryId: sku.categoryId, qty: 0, minQty: null, low: false, avgCostFen: sku.costFen, valueFen: 0 });
  }
  const out: Array<StockRow & ReorderSuggestion & { soldLast28: number }> = [];
  for (const row of bySku.values()) {
    const soldLast28 = soldBySku.get(row.skuId) ?? 0;
    const s = reorderSuggestion({ onHand: row.qty, minQty: row.minQty, soldLast28 }, coverDays);
    if (s) out.push({ ...row, ...s, soldLast28 });
  }
  return out.sort((a, b) => (a.daysOfCover ?? Infinity) - (b.daysOfCover ?? Infinity) || (a.code < b.code ? -1 : 1));
}

/** Stock value at cost per store and category, over the stores the actor may manage. */
export async function stockValue(ctx: Ctx, stores: readonly Store[]): Promise<Array<{ storeId: string; storeCode: string; categoryId: string; categoryCode: string; categoryName: string; skus: number; valueFen: number }>> {
  const index = await catalogIndex(ctx);
  const out = [];
  for (const store of stores) {
    if (!ctx.actor || !can(ctx.actor, 'inventory.manage', { storeId: store.id, regionId: store.regionId })) continue;
    const byCategory = new Map<string, { skus: number; valueFen: number }>();
    for (const r of await stockRows(ctx, index, store.id)) {
      const c = byCategory.get(r.categoryId) ?? { skus: 0, valueFen: 0 };
      c.skus += r.qty > 0 ? 1 : 0;
      c.valueFen += r.valueFen;
      byCategory.set(r.categoryId, c);
    }
    for (const [categoryId, c] of byCategory) {
      const category = index.category(categoryId);
      out.push({ storeId: store.id, storeCode: store.code, categoryId, categoryCode: category?.code ?? '', categoryName: category?.name ?? '', ...c });
    }
  }
  return out.sort((a, b) => (a.storeCode + a.categoryCode < b.storeCode + b.categoryCode ? -1 : 1));
}

/** The moves of one SKU at a store, newest first. */
export async function movementHistory(ctx: Ctx, store: Store, code: string, options: { limit?: number } = {}) {
  actorAt(ctx, store, 'inventory.manage');
  const sku = skuByCode(await catalogIndex(ctx), code);
  const moves = await ctx.db
    .selectFrom('stock_moves')
    .select(['id', 'kind', 'qty', 'cost_fen as costFen', 'doc_type as docType', 'doc_id as docId', 'reason', 'business_date as businessDate', 'created_at as createdAt'])
    .where('store_id', '=', store.id)
    .where('sku_id', '=', sku.id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 100)
    .execute();
  const balance = await ctx.db.selectFrom('stock_balances').select('qty').where('store_id', '=', store.id).where('sku_id', '=', sku.id).executeTakeFirst();
  return { skuId: sku.id, code: sku.code, name: sku.name, unit: sku.unit, onHand: balance?.qty ?? 0, moves };
}

/** "Where else is this in stock?": the item's on-hand in every store (none left out, zero shown). */
export async function whereInStock(ctx: Ctx, code: string) {
  const sku = skuByCode(await catalogIndex(ctx), code);
  const rows = await ctx.db
    .selectFrom('stores')
    .leftJoin('stock_balances', (j) => j.onRef('stock_balances.store_id', '=', 'stores.id').on('stock_balances.sku_id', '=', sku.id))
    .select(['stores.id as storeId', 'stores.code as storeCode', 'stores.name as storeName', 'stock_balances.qty'])
    .orderBy('stores.code')
    .execute();
  return { skuId: sku.id, code: sku.code, name: sku.name, unit: sku.unit, stores: rows.map((r) => ({ storeId: r.storeId, storeCode: r.storeCode, storeName: r.storeName, qty: r.qty ?? 0 })) };
}

/** The stock list of a store as an XLSX workbook (amounts in yuan, quantities as stored). */
export async function exportStockXlsx(ctx: Ctx, store: Store): Promise<Buffer> {
  actorAt(ctx, store, 'inventory.manage');
  const index = await catalogIndex(ctx);
  const rows = await stockRows(ctx, index, store.id);
  const book = new ExcelJS.Workbook();
  const sheet = book.addWorksheet(`${store.code} stock`);
  sheet.columns = [
    { header: 'Code 货号', key: 'code', width: 14 },
    { header: 'Name 品名', key: 'name', width: 28 },
    { header: 'Category 类别', key: 'category', width: 16 },
    { header: 'Unit 单位', key: 'unit', width: 8 },
    { header: 'On hand 库存', key: 'qty', width: 12 },
    { header: 'Min 最低库存', key: 'minQty', width: 12 },
    { header: 'Low 缺货', key: 'low', width: 8 },
    { header: 'Avg cost ¥ 平均成本', key: 'avgCost', width: 16 },
    { header: 'Value ¥ 库存金额', key: 'value', width: 16 },
  ];
  for (const r of rows) {
    sheet.addRow({ code: r.code, name: r.name, category: index.category(r.categoryId)?.name ?? '', unit: r.unit === 'kg' ? 'g' : 'pc', qty: r.qty, minQty: r.minQty ?? '', low: r.low ? 'Y' : '', avgCost: Number(formatYuan(r.avgCostFen)), value: Number(formatYuan(r.valueFen)) });
  }
  sheet.getRow(1).font = { bold: true };
  sheet.getColumn('avgCost').numFmt = '0.00';
  sheet.getColumn('value').numFmt = '0.00';
  return Buffer.from(await book.xlsx.writeBuffer());
}
