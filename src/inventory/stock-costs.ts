// Moving-average cost per store × SKU (DESIGN: margin reports read it): moved by receipts and
// transfers in, read wherever stock is valued. Falls back to the catalog cost before any receipt.
import type { Ctx } from '../platform/context';
import type { CatalogIndex } from '../catalog/index';
import { movingAverageCost } from './cost';

/**
 * Updates the average cost of each SKU received, before the receipt's moves are recorded (the
 * average weighs the receipt against what was on hand before it). Must run in the receipt's
 * transaction; the upsert locks the cost row, so two receipts of one SKU average in turn.
 */
export async function applyReceiptCosts(ctx: Ctx, index: CatalogIndex, storeId: string, receipts: ReadonlyArray<{ skuId: string; qty: number; unitCostFen: number }>): Promise<void> {
  const now = ctx.clock.now().toISOString();
  for (const r of [...receipts].sort((a, b) => (a.skuId < b.skuId ? -1 : 1))) {
    if (r.qty <= 0) continue;
    const prior = await ctx.db
      .insertInto('stock_costs')
      .values({ store_id: storeId, sku_id: r.skuId, avg_cost_fen: index.sku(r.skuId)?.costFen ?? r.unitCostFen, updated_at: now })
      .onConflict((oc) => oc.columns(['store_id', 'sku_id']).doUpdateSet({ updated_at: now }))
      .returning('avg_cost_fen')
      .executeTakeFirstOrThrow();
    const balance = await ctx.db.selectFrom('stock_balances').select('qty').where('store_id', '=', storeId).where('sku_id', '=', r.skuId).executeTakeFirst();
    const avg = movingAverageCost({ onHand: balance?.qty ?? 0, avgCostFen: prior.avg_cost_fen }, r);
    await ctx.db.updateTable('stock_costs').set({ avg_cost_fen: avg }).where('store_id', '=', storeId).where('sku_id', '=', r.skuId).execute();
  }
}

/**
 * The average cost per piece (per kg) of each SKU at a store: the moving average once goods
 * were received, else the catalog cost.
 *
 * @example (await averageCosts(ctx, index, storeId, [skuId])).get(skuId) // 105
 */
export async function averageCosts(ctx: Ctx, index: CatalogIndex, storeId: string, skuIds?: readonly string[]): Promise<Map<string, number>> {
  let query = ctx.db.selectFrom('stock_costs').select(['sku_id', 'avg_cost_fen']).where('store_id', '=', storeId);
  if (skuIds) {
    if (skuIds.length === 0) return new Map();
    query = query.where('sku_id', 'in', [...skuIds]);
  }
  const rows = await query.execute();
  const costs = new Map(rows.map((r) => [r.sku_id, r.avg_cost_fen]));
  for (const id of skuIds ?? []) if (!costs.has(id)) costs.set(id, index.sku(id)?.costFen ?? 0);
  return costs;
}

/** The cost rows of some SKUs at a store as they stand (a document's outbox event carries them to HQ). */
export async function costRows(ctx: Ctx, storeId: string, skuIds: readonly string[]) {
  if (skuIds.length === 0) return [];
  return ctx.db.selectFrom('stock_costs').selectAll().where('store_id', '=', storeId).where('sku_id', 'in', [...skuIds]).execute();
}

/** The average cost of one SKU (see averageCosts). */
export function costOf(costs: ReadonlyMap<string, number>, index: CatalogIndex, skuId: string): number {
  return costs.get(skuId) ?? index.sku(skuId)?.costFen ?? 0;
}
