// The stock ledger: every change is an appended move; the balance row per store × SKU is
// updated in the same transaction and can always be rebuilt from the moves.
import { newId } from '../platform/ids';
import type { Ctx } from '../platform/context';

export type StockMoveKind = 'sale' | 'return' | 'receipt' | 'transfer_out' | 'transfer_in' | 'count' | 'damage';

export interface StockMoveInput {
  storeId: string;
  skuId: string;
  /** Signed: pieces, or grams for kg SKUs. */
  qty: number;
  kind: StockMoveKind;
  docType: string;
  docId: string;
  costFen: number;
  reason?: string | null;
  businessDate: string;
}

/** Appends moves and adjusts balances; must run inside the business transaction. */
export async function recordStockMoves(ctx: Ctx, moves: readonly StockMoveInput[]): Promise<void> {
  if (moves.length === 0) return;
  const now = ctx.clock.now().toISOString();
  // In pieces: a large count or a pushed batch of baskets would pass SQLite's 32,766 and
  // PostgreSQL's 65,535 bound values in one statement (12 a move, 4 a balance).
  for (let i = 0; i < moves.length; i += 2000) {
    await ctx.db
      .insertInto('stock_moves')
      .values(
        moves.slice(i, i + 2000).map((m) => ({
        store_id: m.storeId,
        id: newId(),
        sku_id: m.skuId,
        qty: m.qty,
        kind: m.kind,
        doc_type: m.docType,
        doc_id: m.docId,
        cost_fen: m.costFen,
        reason: m.reason ?? null,
        actor_id: ctx.actor?.userId ?? null,
        business_date: m.businessDate,
        created_at: now,
        })),
      )
      .execute();
  }
  // One balance update per store × SKU, however many moves touch it.
  const deltas = new Map<string, { storeId: string; skuId: string; qty: number }>();
  for (const m of moves) {
    const key = `${m.storeId}|${m.skuId}`;
    const d = deltas.get(key) ?? { storeId: m.storeId, skuId: m.skuId, qty: 0 };
    d.qty += m.qty;
    deltas.set(key, d);
  }
  // Sorted, so concurrent sales lock balance rows in the same order (no deadlock on PostgreSQL).
  const rows = [...deltas.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, d]) => ({ store_id: d.storeId, sku_id: d.skuId, qty: d.qty, updated_at: now }));
  for (let i = 0; i < rows.length; i += 5000) {
    await ctx.db
      .insertInto('stock_balances')
      .values(rows.slice(i, i + 5000))
      .onConflict((oc) => oc.columns(['store_id', 'sku_id']).doUpdateSet((eb) => ({ qty: eb('stock_balances.qty', '+', eb.ref('excluded.qty')), updated_at: now })))
      .execute();
  }
}

/** On-hand quantity per SKU at a store (0 when never moved). */
export async function onHand(ctx: Ctx, storeId: string, skuIds: readonly string[]): Promise<Map<string, number>> {
  const result = new Map<string, number>(skuIds.map((id) => [id, 0]));
  if (skuIds.length === 0) return result;
  const rows = await ctx.db.selectFrom('stock_balances').select(['sku_id', 'qty']).where('store_id', '=', storeId).where('sku_id', 'in', [...skuIds]).execute();
  for (const r of rows) result.set(r.sku_id, r.qty);
  return result;
}

/** Balances that differ from the sum of their moves (must be none). */
export async function stockDifferences(ctx: Ctx, storeId: string): Promise<Array<{ skuId: string; balance: number; ledger: number }>> {
  const [balances, sums] = await Promise.all([
    ctx.db.selectFrom('stock_balances').select(['sku_id', 'qty']).where('store_id', '=', storeId).execute(),
    ctx.db
      .selectFrom('stock_moves')
      .select((eb) => ['sku_id', eb.fn.sum<number>('qty').as('total')])
      .where('store_id', '=', storeId)
      .groupBy('sku_id')
      .execute(),
  ]);
  const ledger = new Map(sums.map((s) => [s.sku_id, Number(s.total)]));
  const out: Array<{ skuId: string; balance: number; ledger: number }> = [];
  for (const b of balances) {
    const l = ledger.get(b.sku_id) ?? 0;
    if (l !== b.qty) out.push({ skuId: b.sku_id, balance: b.qty, ledger: l });
    ledger.delete(b.sku_id);
  }
  for (const [skuId, l] of ledger) if (l !== 0) out.push({ skuId, balance: 0, ledger: l });
  return out;
}

export interface StockVerification {
  stores: number;
  balances: number;
  differences: Array<{ storeId: string; storeCode: string; skuId: string; balance: number; ledger: number }>;
}

/**
 * Recomputes every balance (of one store, or all) from the ledger and lists those that differ;
 * `tillpoint stock verify` exits non-zero unless the list is empty.
 *
 * @example (await verifyStock(ctx)).differences // []
 */
export async function verifyStock(ctx: Ctx, storeIds?: readonly string[]): Promise<StockVerification> {
  let query = ctx.db.selectFrom('stores').select(['id', 'code']).orderBy('code');
  if (storeIds) query = query.where('id', 'in', [...storeIds]);
  const stores = await query.execute();
  const result: StockVerification = { stores: stores.length, balances: 0, differences: [] };
  for (const store of stores) {
    const counted = await ctx.db.selectFrom('stock_balances').select((eb) => eb.fn.countAll<number>().as('n')).where('store_id', '=', store.id).executeTakeFirstOrThrow();
    result.balances += Number(counted.n);
    for (const d of await stockDifferences(ctx, store.id)) result.differences.push({ storeId: store.id, storeCode: store.code, ...d });
  }
  return result;
}
