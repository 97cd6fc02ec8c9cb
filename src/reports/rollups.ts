// Keeps report_sales_daily current from completed sales and returns, incrementally.
//
// Why a job with a watermark, not rollups written in the sale's transaction: completing a sale
// is the hot path (DESIGN §10, ≥ 2,000 sales/s) and belongs to checkout; reports only need to be
// fresh when read, so every report query runs `refreshRollups` first, and `tillpoint start` runs
// it every minute. Per store and source (sale | return) `report_watermarks` holds the last
// document read, by (time, id): sales by created_at, returns by completed_at (a return counts
// once its refunds went through, status 'completed').
//
// A sale stamped at T may commit after one stamped T+1 was already read (two tills, two
// connections). So each run rereads a look-back window behind the watermark and skips what it
// applied before: `report_applied` lists the documents applied inside that window, and claiming
// a document there (insert … on conflict do nothing) in the same transaction as its rollup rows
// makes a run idempotent and two concurrent runs safe. Markers older than the window are pruned.
// A document committed more than LOOKBACK after its timestamp would be missed: `tillpoint report
// verify` recomputes from raw lines and names any such difference.
import { sql } from 'kysely';
import type { Ctx } from '../platform/context';
import type { Db } from '../platform/db/index';
import { localHour } from './periods';
import { rollupDeltas, type ReturnDoc, type RollupRow, type Rollups, type SaleDoc } from './rollup-calc';

export const LOOKBACK_MS = 10 * 60_000;
const BATCH = 500;
type Source = 'sale' | 'return';

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

async function storeZones(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('stores').select(['id', 'time_zone']).execute();
  return new Map(rows.map((r) => [r.id, r.time_zone]));
}

/** Loads completed sales with their lines and tenders, as the rollup calculation reads them. */
export async function loadSaleDocs(db: Db, storeId: string, ids: readonly string[], timeZone: string): Promise<SaleDoc[]> {
  if (ids.length === 0) return [];
  const heads = await db.selectFrom('sales').select(['id', 'business_date', 'created_at', 'cashier_id', 'member_id']).where('store_id', '=', storeId).where('id', 'in', ids).where('status', '=', 'completed').execute();
  const lines = await db
    .selectFrom('sale_lines')
    .select(['sale_id', 'sku_id', 'category_id', 'vat_rate', 'unit', 'qty', 'list_fen', 'discount_fen', 'total_fen', 'cost_fen'])
    .where('store_id', '=', storeId)
    .where('sale_id', 'in', ids)
    .execute();
  const tenders = await db.selectFrom('sale_tenders').select(['sale_id', 'method', 'amount_fen']).where('store_id', '=', storeId).where('sale_id', 'in', ids).where('status', '=', 'succeeded').execute();
  const promotions = await db.selectFrom('sale_promotions').select(['sale_id', 'promotion_id', 'saving_fen']).where('store_id', '=', storeId).where('sale_id', 'in', ids).execute();
  const docs = new Map<string, SaleDoc>(
    heads.map((h) => [h.id, { storeId, businessDate: h.business_date, hour: localHour(h.created_at, timeZone), cashierId: h.cashier_id, memberId: h.member_id, lines: [], tenders: [], promotions: [] }]),
  );
  for (const l of lines) {
    docs.get(l.sale_id)?.lines.push({ skuId: l.sku_id, categoryId: l.category_id, vatRate: l.vat_rate, unit: l.unit, qty: l.qty, listFen: l.list_fen, discountFen: l.discount_fen, totalFen: l.total_fen, costFen: l.cost_fen });
  }
  for (const t of tenders) docs.get(t.sale_id)?.tenders.push({ method: t.method, amountFen: t.amount_fen });
  for (const p of promotions) docs.get(p.sale_id)?.promotions.push({ promotionId: p.promotion_id, savingFen: p.saving_fen });
  return [...docs.values()];
}

/**
 * Loads completed returns with their lines and refunds. A returned line's cost is the sold
 * line's cost pro rata (as the stock ledger books it); without a receipt, the SKU's cost price.
 */
export async function loadReturnDocs(db: Db, storeId: string, ids: readonly string[], timeZone: string): Promise<ReturnDoc[]> {
  if (ids.length === 0) return [];
  const heads = await db
    .selectFrom('returns as r')
    .leftJoin('sales as s', (j) => j.onRef('s.store_id', '=', 'r.sale_store_id').onRef('s.id', '=', 'r.sale_id'))
    .select(['r.id', 'r.business_date', 'r.created_at', 'r.cashier_id', 'r.reason_code', 's.member_id'])
    .where('r.store_id', '=', storeId)
    .where('r.id', 'in', ids)
    .where('r.status', '=', 'completed')
    .execute();
  const lines = await db
    .selectFrom('return_lines as rl')
    .innerJoin('returns as r', (j) => j.onRef('r.store_id', '=', 'rl.store_id').onRef('r.id', '=', 'rl.return_id'))
    .leftJoin('sale_lines as sl', (j) => j.onRef('sl.store_id', '=', 'r.sale_store_id').onRef('sl.sale_id', '=', 'r.sale_id').onRef('sl.line_no', '=', 'rl.sale_line_no'))
    .innerJoin('skus', 'skus.id', 'rl.sku_id')
    .select(['rl.return_id', 'rl.sku_id', 'rl.category_id', 'rl.vat_rate', 'rl.qty', 'rl.refund_fen', 'sl.cost_fen as sold_cost_fen', 'sl.qty as sold_qty', 'skus.cost_fen as sku_cost_fen', 'skus.unit'])
    .where('rl.store_id', '=', storeId)
    .where('rl.return_id', 'in', ids)
    .execute();
  const refunds = await db.selectFrom('return_refunds').select(['return_id', 'method', 'amount_fen']).where('store_id', '=', storeId).where('return_id', 'in', ids).where('status', '=', 'succeeded').execute();
  const docs = new Map<string, ReturnDoc>(
    heads.map((h) => [
      h.id,
      { storeId, businessDate: h.business_date, hour: localHour(h.created_at, timeZone), cashierId: h.cashier_id, reasonCode: h.reason_code, memberSale: h.member_id !== null, lines: [], refunds: [] },
    ]),
  );
  for (const l of lines) {
    const costFen =
      l.sold_cost_fen !== null && l.sold_qty ? Math.round((l.sold_cost_fen * l.qty) / l.sold_qty) : l.unit === 'kg' ? Math.round((l.sku_cost_fen * l.qty) / 1000) : l.sku_cost_fen * l.qty;
    docs.get(l.return_id)?.lines.push({ skuId: l.sku_id, categoryId: l.category_id, vatRate: l.vat_rate, qty: l.qty, refundFen: l.refund_fen, costFen });
  }
  for (const f of refunds) docs.get(f.return_id)?.refunds.push({ method: f.method, amountFen: f.amount_fen });
  return [...docs.values()];
}

/** Adds rollup rows into the table (measures are summed into existing rows). */
export async function addRollups(db: Db, rows: Iterable<RollupRow>): Promise<void> {
  const values = [...rows]
    .map((r) => ({
      store_id: r.storeId,
      business_date: r.businessDate,
      dim_kind: r.dimKind,
      dim_ref: r.dimRef,
      gross_fen: r.grossFen,
      discount_fen: r.discountFen,
      net_fen: r.netFen,
      returns_fen: r.returnsFen,
      cost_fen: r.costFen,
      qty: r.qty,
      items: r.items,
      transactions: r.transactions,
      return_count: r.returnCount,
    }))
    // Sorted, so concurrent runs lock rows in the same order (no deadlock on PostgreSQL).
    .sort((a, b) => (`${a.business_date}|${a.dim_kind}|${a.dim_ref}` < `${b.business_date}|${b.dim_kind}|${b.dim_ref}` ? -1 : 1));
  for (const part of chunks(values, 200)) {
    await db
      .insertInto('report_sales_daily')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['store_id', 'business_date', 'dim_kind', 'dim_ref']).doUpdateSet((eb) => ({
          gross_fen: eb('report_sales_daily.gross_fen', '+', eb.ref('excluded.gross_fen')),
          discount_fen: eb('report_sales_daily.discount_fen', '+', eb.ref('excluded.discount_fen')),
          net_fen: eb('report_sales_daily.net_fen', '+', eb.ref('excluded.net_fen')),
          returns_fen: eb('report_sales_daily.returns_fen', '+', eb.ref('excluded.returns_fen')),
          cost_fen: eb('report_sales_daily.cost_fen', '+', eb.ref('excluded.cost_fen')),
          qty: eb('report_sales_daily.qty', '+', eb.ref('excluded.qty')),
          items: eb('report_sales_daily.items', '+', eb.ref('excluded.items')),
          transactions: eb('report_sales_daily.transactions', '+', eb.ref('excluded.transactions')),
          return_count: eb('report_sales_daily.return_count', '+', eb.ref('excluded.return_count')),
        })),
      )
      .execute();
  }
}

/** The next documents after the watermark's look-back, not yet applied, in (time, id) order. */
async function pending(tx: Db, storeId: string, source: Source, since: string): Promise<Array<{ id: string; at: string }>> {
  const applied = (ref: 'sales.id' | 'returns.id') =>
    sql<boolean>`not exists (select 1 from report_applied a where a.store_id = ${storeId} and a.source = ${source} and a.doc_id = ${sql.ref(ref)})`;
  if (source === 'sale') {
    return tx
      .selectFrom('sales')
      .select(['id', 'created_at as at'])
      .where('store_id', '=', storeId)
      .where('status', '=', 'completed')
      .where('created_at', '>=', since)
      .where(applied('sales.id'))
      .orderBy('created_at')
      .orderBy('id')
      .limit(BATCH)
      .execute();
  }
  const rows = await tx
    .selectFrom('returns')
    .select(['id', 'completed_at as at'])
    .where('store_id', '=', storeId)
    .where('status', '=', 'completed')
    .where('completed_at', '>=', since)
    .where(applied('returns.id'))
    .orderBy('completed_at')
    .orderBy('id')
    .limit(BATCH)
    .execute();
  return rows.map((r) => ({ id: r.id, at: r.at ?? '' }));
}

/** One batch for one store and source, in one transaction; returns how many documents it applied. */
async function refreshBatch(ctx: Ctx, storeId: string, timeZone: string, source: Source): Promise<{ seen: number; applied: number }> {
  return ctx.db.transaction().execute(async (tx) => {
    const mark = await tx.selectFrom('report_watermarks').select(['last_at', 'last_id']).where('store_id', '=', storeId).where('source', '=', source).executeTakeFirst();
    const since = mark ? new Date(Date.parse(mark.last_at) - LOOKBACK_MS).toISOString() : '';
    const docs = await pending(tx, storeId, source, since);
    if (docs.length === 0) return { seen: 0, applied: 0 };
    // Claiming first: a concurrent run that claimed a document already gets nothing back for it.
    const claimed = new Set<string>();
    for (const part of chunks(docs, 200)) {
      const rows = await tx
        .insertInto('report_applied')
        .values(part.map((d) => ({ store_id: storeId, source, doc_id: d.id, at: d.at })))
        .onConflict((oc) => oc.columns(['store_id', 'source', 'doc_id']).doNothing())
        .returning('doc_id')
        .execute();
      for (const r of rows) claimed.add(r.doc_id);
    }
    const ids = [...claimed];
    const rollups: Rollups = source === 'sale' ? rollupDeltas(await loadSaleDocs(tx, storeId, ids, timeZone), []) : rollupDeltas([], await loadReturnDocs(tx, storeId, ids, timeZone));
    await addRollups(tx, rollups.values());
    const last = docs[docs.length - 1] as { id: string; at: string };
    const ahead = !mark || last.at > mark.last_at || (last.at === mark.last_at && last.id > mark.last_id);
    const now = ctx.clock.now().toISOString();
    if (ahead) {
      await tx
        .insertInto('report_watermarks')
        .values({ store_id: storeId, source, last_at: last.at, last_id: last.id, updated_at: now })
        .onConflict((oc) => oc.columns(['store_id', 'source']).doUpdateSet({ last_at: last.at, last_id: last.id, updated_at: now }))
        .execute();
      const prune = new Date(Date.parse(last.at) - LOOKBACK_MS).toISOString();
      await tx.deleteFrom('report_applied').where('store_id', '=', storeId).where('source', '=', source).where('at', '<', prune).execute();
    }
    return { seen: docs.length, applied: ids.length };
  });
}

/**
 * The stores with documents not yet applied, found with one read-only statement per 200
 * stores (most runs find none and open no transaction; a report must not pay a round trip per store).
 */
async function storesWithWork(db: Db, source: Source, storeIds: readonly string[]): Promise<string[]> {
  if (storeIds.length === 0) return [];
  const marks = await db.selectFrom('report_watermarks').select(['store_id', 'last_at']).where('source', '=', source).execute();
  const since = new Map(marks.map((m) => [m.store_id, new Date(Date.parse(m.last_at) - LOOKBACK_MS).toISOString()]));
  const table = sql.table(source === 'sale' ? 'sales' : 'returns');
  const at = sql.ref(source === 'sale' ? 'd.created_at' : 'd.completed_at');
  const found: string[] = [];
  for (const part of chunks(storeIds, 200)) {
    const windows = sql.join(part.map((id) => sql`(d.store_id = ${id} and ${at} >= ${since.get(id) ?? ''})`), sql` or `);
    const rows = await sql<{ store_id: string }>`select distinct d.store_id from ${table} d where d.status = 'completed' and (${windows})
      and not exists (select 1 from report_applied a where a.store_id = d.store_id and a.source = ${source} and a.doc_id = d.id)`.execute(db);
    found.push(...rows.rows.map((r) => r.store_id));
  }
  return found;
}

/**
 * Applies every completed sale and return not yet in the rollups; running it twice adds nothing.
 *
 * @example const { sales, returns } = await refreshRollups(ctx);
 */
export async function refreshRollups(ctx: Ctx, options: { storeIds?: readonly string[] } = {}): Promise<{ sales: number; returns: number }> {
  const zones = await storeZones(ctx.db);
  const stores = [...zones.keys()].filter((id) => !options.storeIds || options.storeIds.includes(id));
  const counts = { sales: 0, returns: 0 };
  for (const source of ['sale', 'return'] as const) {
    for (const storeId of await storesWithWork(ctx.db, source, stores)) {
      for (;;) {
        const { seen, applied } = await refreshBatch(ctx, storeId, zones.get(storeId) ?? 'Asia/Shanghai', source);
        counts[source === 'sale' ? 'sales' : 'returns'] += applied;
        if (seen < BATCH) break;
      }
    }
  }
  return counts;
}

/** Recomputes the rollups of a store's business dates from raw sale and return lines. */
export async function recomputeRollups(db: Db, storeId: string, timeZone: string, from: string, to: string): Promise<Rollups> {
  const saleIds = await db.selectFrom('sales').select('id').where('store_id', '=', storeId).where('status', '=', 'completed').where('business_date', '>=', from).where('business_date', '<=', to).execute();
  const returnIds = await db.selectFrom('returns').select('id').where('store_id', '=', storeId).where('status', '=', 'completed').where('business_date', '>=', from).where('business_date', '<=', to).execute();
  const into: Rollups = new Map();
  for (const part of chunks(saleIds.map((r) => r.id), BATCH)) rollupDeltas(await loadSaleDocs(db, storeId, part, timeZone), [], into);
  for (const part of chunks(returnIds.map((r) => r.id), BATCH)) rollupDeltas([], await loadReturnDocs(db, storeId, part, timeZone), into);
  return into;
}
