// Stock counts (盘点): a manager opens a count (the whole store, one category, or one or more
// shelf locations), counters scan
// what is on the shelf without ever seeing what the ledger expects, the count is submitted, and
// the manager's approval posts a 'count' move per SKU of counted − on hand at that moment.
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { appendOutbox } from '../platform/outbox';
import type { Ctx } from '../platform/context';
import type { Store } from '../platform/stores/service';
import { appendAudit } from '../audit/index';
import { catalogIndex, type CatalogIndex } from '../catalog/index';
import { recordStockMoves, type StockMoveInput } from './service';
import { averageCosts, costOf } from './stock-costs';
import { countVariance, varianceTotals, type VarianceLine, type VarianceTotals } from './count-variance';
import { scannedItem } from './scan-item';
import { actorAt, businessDateAt, nextDocumentNo } from './stores';
import { locationWithin, parseLocationCode, shelfLocationsOf } from './shelf-locations';

export type CountStatus = 'open' | 'submitted' | 'approved' | 'cancelled';
export type CountScope = 'full' | 'category' | 'location';

/** What a counter sees: what was counted, never what was expected. */
export interface CountSheet {
  id: string;
  countNo: string;
  storeId: string;
  status: CountStatus;
  scope: CountScope;
  categoryId: string | null;
  /** The shelf locations a count by location covers (empty for other scopes). */
  locationCodes: string[];
  createdAt: string;
  submittedAt: string | null;
  approvedAt: string | null;
  /** By shelf location (items without one last), each with where it stands. */
  lines: Array<{ skuId: string; code: string; name: string; unit: string; location: string | null; counted: number }>;
}

export interface VarianceReport {
  countId: string;
  countNo: string;
  status: CountStatus;
  /** Posted (approved) or a preview against the on-hand now (submitted). */
  posted: boolean;
  lines: Array<VarianceLine & { code: string; name: string; unit: string; location: string | null }>;
  totals: VarianceTotals;
}

/** Codes as the count stores them: parsed, without repeats, a location inside another dropped. */
function countLocations(codes: readonly string[] | undefined): string[] {
  if (!codes || codes.length === 0) throw new AppError('VALIDATION_FAILED', 'Give one or more shelf locations to count (e.g. A-03 or A-03-2).', { details: { field: 'locationCodes' } });
  const parsed = [...new Set(codes.map((c, i) => parseLocationCode(c, `locationCodes[${i}]`)))].sort();
  return parsed.filter((c) => !parsed.some((other) => other !== c && locationWithin(c, other)));
}

/**
 * Opens a count of the whole store, one category tree, or the SKUs placed at shelf locations
 * (A-03 takes A-03-1, A-03-2…); a count by location covers what was placed there at this moment.
 */
export async function createCount(ctx: Ctx, store: Store, input: { scope: CountScope; categoryCode?: string; locationCodes?: readonly string[] }): Promise<CountSheet> {
  const actor = actorAt(ctx, store, 'inventory.manage');
  let categoryId: string | null = null;
  if (input.scope === 'category') {
    if (!input.categoryCode) throw new AppError('VALIDATION_FAILED', 'Choose the category to count.', { details: { field: 'categoryCode' } });
    const index = await catalogIndex(ctx);
    const category = index.allCategories().find((c) => c.code === input.categoryCode);
    if (!category) throw new AppError('NOT_FOUND', `No category has the code ${input.categoryCode}.`, { details: { field: 'categoryCode' } });
    categoryId = category.id;
  }
  const locations = input.scope === 'location' ? countLocations(input.locationCodes) : [];
  const id = newId();
  await ctx.db.transaction().execute(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    const placed = locations.length > 0 ? [...(await shelfLocationsOf(t, store.id))].filter(([, at]) => locations.some((l) => locationWithin(at, l))) : [];
    if (locations.length > 0 && placed.length === 0) {
      throw new AppError('NO_ITEMS_AT_LOCATION', `No item is placed at ${locations.join(', ')}. Set the items' shelf locations first, or check the codes.`, { details: { field: 'locationCodes', locations } });
    }
    const countNo = await nextDocumentNo(t, 'SC', store);
    await tx
      .insertInto('stock_counts')
      .values({ store_id: store.id, id, count_no: countNo, scope: input.scope, category_id: categoryId, location_codes: locations.length > 0 ? locations.join(',') : null, status: 'open', created_by: actor.userId, created_at: ctx.clock.now().toISOString(), submitted_at: null, approved_by: null, approved_at: null })
      .execute();
    for (let i = 0; i < placed.length; i += 500) {
      await tx.insertInto('stock_count_skus').values(placed.slice(i, i + 500).map(([skuId, at]) => ({ store_id: store.id, count_id: id, sku_id: skuId, location_code: at }))).execute();
    }
    await appendAudit(t, { action: 'count.created', docType: 'stock_count', docId: id, storeId: store.id, data: { countNo, scope: input.scope, categoryCode: input.categoryCode ?? null, locations, skus: placed.length } });
  });
  return countSheet(ctx, store, id);
}

async function countRow(ctx: Ctx, storeId: string, id: string) {
  const row = await ctx.db.selectFrom('stock_counts').selectAll().where('store_id', '=', storeId).where('id', '=', id).executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND', 'No such stock count at this store.', { details: { id } });
  return row;
}

async function countedBySku(ctx: Ctx, storeId: string, id: string): Promise<Map<string, number>> {
  const rows = await ctx.db
    .selectFrom('stock_count_entries')
    .select((eb) => ['sku_id', eb.fn.sum<number>('qty').as('qty')])
    .where('store_id', '=', storeId)
    .where('count_id', '=', id)
    .groupBy('sku_id')
    .execute();
  return new Map(rows.map((r) => [r.sku_id, Number(r.qty)]));
}

/** The category and every category below it. */
function categoryTree(index: CatalogIndex, rootId: string): Set<string> {
  const ids = new Set([rootId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of index.allCategories()) {
      if (c.parentId && ids.has(c.parentId) && !ids.has(c.id)) {
        ids.add(c.id);
        grew = true;
      }
    }
  }
  return ids;
}

/** The SKUs a count by location covers and where each stood when it opened. */
async function countScopeSkus(ctx: Ctx, storeId: string, id: string): Promise<Map<string, string>> {
  const rows = await ctx.db.selectFrom('stock_count_skus').select(['sku_id', 'location_code']).where('store_id', '=', storeId).where('count_id', '=', id).execute();
  return new Map(rows.map((r) => [r.sku_id, r.location_code]));
}

/** Where each SKU stands for a count: as fixed when a count by location opened, else as placed now. */
async function locationsForCount(ctx: Ctx, storeId: string, id: string, skuIds: readonly string[]): Promise<Map<string, string>> {
  const [now, fixed] = await Promise.all([shelfLocationsOf(ctx, storeId, skuIds), countScopeSkus(ctx, storeId, id)]);
  return new Map([...now, ...fixed]);
}

/** By location (unplaced last), then as given: the order a counter walks the shelves. */
function byLocation<T extends { location: string | null }>(lines: T[]): T[] {
  return lines.sort((a, b) => (a.location === b.location ? 0 : a.location === null ? 1 : b.location === null ? -1 : a.location < b.location ? -1 : 1));
}

export async function countSheet(ctx: Ctx, store: Store, id: string): Promise<CountSheet> {
  actorAt(ctx, store, 'inventory.count');
  const [row, counted, index] = await Promise.all([countRow(ctx, store.id, id), countedBySku(ctx, store.id, id), catalogIndex(ctx)]);
  const locations = await locationsForCount(ctx, store.id, id, [...counted.keys()]);
  return {
    id,
    countNo: row.count_no,
    storeId: store.id,
    status: row.status as CountStatus,
    scope: row.scope as CountScope,
    categoryId: row.category_id,
    locationCodes: row.location_codes ? row.location_codes.split(',') : [],
    createdAt: row.created_at,
    submittedAt: row.submitted_at,
    approvedAt: row.approved_at,
    lines: byLocation(
      [...counted].map(([skuId, qty]) => {
        const sku = index.sku(skuId);
        return { skuId, code: sku?.code ?? skuId, name: sku?.name ?? '?', unit: sku?.unit ?? 'piece', location: locations.get(skuId) ?? null, counted: qty };
      }),
    ),
  };
}

export async function listCounts(ctx: Ctx, store: Store) {
  actorAt(ctx, store, 'inventory.count');
  const rows = await ctx.db
    .selectFrom('stock_counts')
    .select(['id', 'count_no as countNo', 'scope', 'category_id as categoryId', 'location_codes as locationCodes', 'status', 'created_at as createdAt', 'submitted_at as submittedAt', 'approved_at as approvedAt'])
    .where('store_id', '=', store.id)
    .orderBy('count_no', 'desc')
    .limit(100)
    .execute();
  return rows.map((r) => ({ ...r, locationCodes: r.locationCodes ? r.locationCodes.split(',') : [] }));
}

/**
 * Adds what a counter scanned (qty pieces, default 1, or a scale label's grams; 0 records an
 * empty shelf); `mode: 'set'` replaces the item's total (a correction). Refused: an unknown code (PRODUCT_NOT_FOUND naming it), a negative quantity
 * (NEGATIVE_COUNT), an item outside the count's category or locations, a count no longer open.
 */
export async function addCountEntry(ctx: Ctx, store: Store, id: string, input: { code: string; qty?: number; mode?: 'add' | 'set' }): Promise<CountSheet> {
  const actor = actorAt(ctx, store, 'inventory.count');
  if (input.qty !== undefined && (!Number.isSafeInteger(input.qty) || input.qty < 0)) {
    throw new AppError('NEGATIVE_COUNT', `A count cannot be ${input.qty}: count what is on the shelf (0 or more). To correct a line, set its total instead.`, {
      details: { field: 'qty', value: input.qty },
    });
  }
  const index = await catalogIndex(ctx);
  const item = await scannedItem(ctx, index, store.id, input.code, input.qty);
  await ctx.db.transaction().execute(async (tx) => {
    // Locks the count, so no entry lands after it was submitted.
    const row = await tx.updateTable('stock_counts').set((eb) => ({ status: eb.ref('status') })).where('store_id', '=', store.id).where('id', '=', id).returning(['status', 'count_no', 'category_id', 'scope', 'location_codes']).executeTakeFirst();
    if (!row) throw new AppError('NOT_FOUND', 'No such stock count at this store.', { details: { id } });
    if (row.status !== 'open') throw new AppError('COUNT_NOT_OPEN', `Count ${row.count_no} is ${row.status}; scans are no longer taken.`, { status: 409, details: { status: row.status } });
    if (row.category_id && !categoryTree(index, row.category_id).has(item.sku.categoryId)) {
      throw new AppError('NOT_IN_COUNT_SCOPE', `${item.sku.name} (${item.sku.code}) is not in the category being counted. Leave it for another count.`, { details: { code: item.code } });
    }
    if (row.scope === 'location') {
      const inCount = await tx.selectFrom('stock_count_skus').select('sku_id').where('store_id', '=', store.id).where('count_id', '=', id).where('sku_id', '=', item.sku.id).executeTakeFirst();
      if (!inCount) {
        const at = (await shelfLocationsOf({ ...ctx, db: tx }, store.id, [item.sku.id])).get(item.sku.id);
        throw new AppError('NOT_IN_COUNT_SCOPE', `${item.sku.name} (${item.sku.code}) is ${at ? `placed at ${at}` : 'not placed at any location'}, not at ${row.location_codes ?? ''}. Put it back where it belongs, or count it in that location's count.`, {
          details: { code: item.code, location: at ?? null },
        });
      }
    }
    // A correction is appended too (the difference to the new total), so every scan stays on record.
    const already = input.mode === 'set' ? ((await countedBySku({ ...ctx, db: tx }, store.id, id)).get(item.sku.id) ?? 0) : 0;
    await tx.insertInto('stock_count_entries').values({ store_id: store.id, count_id: id, id: newId(), sku_id: item.sku.id, qty: item.qty - already, counted_by: actor.userId, created_at: ctx.clock.now().toISOString() }).execute();
  });
  return countSheet(ctx, store, id);
}

async function moveStatus(ctx: Ctx, store: Store, id: string, from: CountStatus, to: CountStatus, set: { submitted_at?: string; approved_by?: string; approved_at?: string }): Promise<{ count_no: string; category_id: string | null; scope: string }> {
  const row = await ctx.db.updateTable('stock_counts').set({ status: to, ...set }).where('store_id', '=', store.id).where('id', '=', id).where('status', '=', from).returning(['count_no', 'category_id', 'scope']).executeTakeFirst();
  if (row) return row;
  const now = await countRow(ctx, store.id, id);
  throw new AppError('COUNT_STATUS', `Count ${now.count_no} is ${now.status}, not ${from}.`, { status: 409, details: { status: now.status, expected: from } });
}

export async function submitCount(ctx: Ctx, store: Store, id: string): Promise<CountSheet> {
  actorAt(ctx, store, 'inventory.count');
  await ctx.db.transaction().execute(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    const row = await moveStatus(t, store, id, 'open', 'submitted', { submitted_at: ctx.clock.now().toISOString() });
    await appendAudit(t, { action: 'count.submitted', docType: 'stock_count', docId: id, storeId: store.id, data: { countNo: row.count_no } });
  });
  return countSheet(ctx, store, id);
}

/** Cancels an open or submitted count; nothing is posted. */
export async function cancelCount(ctx: Ctx, store: Store, id: string): Promise<CountSheet> {
  actorAt(ctx, store, 'inventory.manage');
  const row = await countRow(ctx, store.id, id);
  if (row.status !== 'open' && row.status !== 'submitted') throw new AppError('COUNT_STATUS', `Count ${row.count_no} is ${row.status} and cannot be cancelled.`, { status: 409 });
  await ctx.db.transaction().execute(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    await moveStatus(t, store, id, row.status as CountStatus, 'cancelled', {});
    await appendAudit(t, { action: 'count.cancelled', docType: 'stock_count', docId: id, storeId: store.id, data: { countNo: row.count_no } });
  });
  return countSheet(ctx, store, id);
}

/** SKUs a count covers: every SKU of the store's ledger, or those of one category tree. */
function inScope(index: CatalogIndex, categoryId: string | null, skuIds: Iterable<string>): string[] {
  const tree = categoryId ? categoryTree(index, categoryId) : null;
  return [...skuIds].filter((id) => !tree || tree.has(index.sku(id)?.categoryId ?? ''));
}

type LocatedLine = VarianceLine & { location: string | null };

async function variance(ctx: Ctx, index: CatalogIndex, store: Store, id: string, count: { category_id: string | null; scope: string }, lockBalances: boolean): Promise<LocatedLine[]> {
  const counted = await countedBySku(ctx, store.id, id);
  // Locks the store's balance rows while the count posts (a sale waits, so "on hand at
  // approval" is exact); the no-op update also reads them.
  const rows = lockBalances
    ? await ctx.db.updateTable('stock_balances').set((eb) => ({ qty: eb.ref('qty') })).where('store_id', '=', store.id).returning(['sku_id', 'qty']).execute()
    : await ctx.db.selectFrom('stock_balances').select(['sku_id', 'qty']).where('store_id', '=', store.id).execute();
  const onHand = new Map(rows.map((r) => [r.sku_id, r.qty]));
  const scope = count.scope === 'location' ? [...(await countScopeSkus(ctx, store.id, id)).keys()] : inScope(index, count.category_id, onHand.keys());
  const skuIds = [...new Set([...scope, ...counted.keys()])];
  const [costs, locations] = await Promise.all([averageCosts(ctx, index, store.id, skuIds), locationsForCount(ctx, store.id, id, skuIds)]);
  const lines = countVariance(onHand, counted, scope, (skuId) => ({ unit: index.sku(skuId)?.unit ?? 'piece', unitCostFen: costOf(costs, index, skuId) }));
  return lines.map((l) => ({ ...l, location: locations.get(l.skuId) ?? null }));
}

/** The manager approves a submitted count: one 'count' move per SKU that differs, all at once. */
export async function approveCount(ctx: Ctx, store: Store, id: string): Promise<VarianceReport> {
  const actor = actorAt(ctx, store, 'inventory.manage');
  const index = await catalogIndex(ctx);
  await ctx.db.transaction().execute(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    const now = ctx.clock.now().toISOString();
    const row = await moveStatus(t, store, id, 'submitted', 'approved', { approved_by: actor.userId, approved_at: now });
    const lines = await variance(t, index, store, id, row, true);
    for (let i = 0; i < lines.length; i += 500) {
      await tx
        .insertInto('stock_count_lines')
        .values(lines.slice(i, i + 500).map((l) => ({ store_id: store.id, count_id: id, sku_id: l.skuId, expected_qty: l.expected, counted_qty: l.counted, unit_cost_fen: l.unitCostFen, variance_fen: l.varianceFen, location_code: l.location })))
        .execute();
    }
    const date = businessDateAt(ctx, store);
    const moves: StockMoveInput[] = lines.filter((l) => l.difference !== 0).map((l) => ({ storeId: store.id, skuId: l.skuId, qty: l.difference, kind: 'count' as const, docType: 'stock_count', docId: id, costFen: Math.abs(l.varianceFen), reason: row.count_no, businessDate: date }));
    await recordStockMoves(t, moves);
    const totals = varianceTotals(lines);
    await appendAudit(t, { action: 'count.approved', docType: 'stock_count', docId: id, storeId: store.id, data: { countNo: row.count_no, lines: lines.filter((l) => l.difference !== 0).length, ...totals } });
    // HQ rebuilds the count from this event: the approved count and its posted lines (not every scan), and its moves.
    const rows = {
      count: await tx.selectFrom('stock_counts').selectAll().where('store_id', '=', store.id).where('id', '=', id).executeTakeFirstOrThrow(),
      lines: await tx.selectFrom('stock_count_lines').selectAll().where('store_id', '=', store.id).where('count_id', '=', id).execute(),
    };
    await appendOutbox(t, { type: 'stock_count.approved', documentId: id, payload: { storeId: store.id, countNo: row.count_no, businessDate: date, lines, moves, rows } });
  });
  return varianceReport(ctx, store, id);
}

/** The variance in units and money: as posted once approved, else a preview against today's on-hand. */
export async function varianceReport(ctx: Ctx, store: Store, id: string): Promise<VarianceReport> {
  actorAt(ctx, store, 'inventory.manage');
  const [row, index] = await Promise.all([countRow(ctx, store.id, id), catalogIndex(ctx)]);
  const posted = row.status === 'approved';
  const lines: LocatedLine[] = posted
    ? (await ctx.db.selectFrom('stock_count_lines').selectAll().where('store_id', '=', store.id).where('count_id', '=', id).orderBy('sku_id').execute()).map((l) => ({
        skuId: l.sku_id,
        expected: l.expected_qty,
        counted: l.counted_qty,
        difference: l.counted_qty - l.expected_qty,
        unitCostFen: l.unit_cost_fen,
        varianceFen: l.variance_fen,
        location: l.location_code,
      }))
    : await variance(ctx, index, store, id, row, false);
  return {
    countId: id,
    countNo: row.count_no,
    status: row.status as CountStatus,
    posted,
    lines: byLocation(
      lines.map((l) => {
        const sku = index.sku(l.skuId);
        return { ...l, code: sku?.code ?? l.skuId, name: sku?.name ?? '?', unit: sku?.unit ?? 'piece' };
      }),
    ),
    totals: varianceTotals(lines),
  };
}
