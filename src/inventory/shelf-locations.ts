// Shelf locations (货位): where each SKU stands in a store (A-03-2: aisle A, bay 03, shelf 2), set
// one at a time or pasted from a spreadsheet, and the SKUs a count by location covers. A paste
// is checked whole: every bad line is named, and nothing is saved unless all are good.
import { AppError, isAppError } from '../platform/errors';
import type { Ctx } from '../platform/context';
import type { Store } from '../platform/stores/service';
import { appendAudit } from '../audit/index';
import { catalogIndex, type CatalogIndex } from '../catalog/index';
import { findSkuByCode, skuByCode } from './scan-item';
import { actorAt } from './stores';

/** Up to four parts of letters and digits joined by "-", 32 characters at most. */
const LOCATION = /^[A-Z0-9]{1,8}(?:-[A-Z0-9]{1,8}){0,3}$/;
const MAX_PASTE_LINES = 20_000;
const MAX_REPORTED_ERRORS = 50;

/**
 * A location code as stored (trimmed, upper case), or an error that says what a code looks like.
 *
 * @example parseLocationCode(' a-03-2 ') // 'A-03-2'
 */
export function parseLocationCode(text: string, field = 'location'): string {
  const code = text.trim().toUpperCase();
  if (!LOCATION.test(code)) {
    throw new AppError('VALIDATION_FAILED', `Location "${text.trim()}" is not a shelf location like A-03-2 (letters and digits, up to four parts joined by "-").`, { details: { field, value: text } });
  }
  return code;
}

/**
 * Whether a SKU placed at `location` belongs to a count of `wanted`: the location itself, or a
 * location inside it (A-03 holds A-03-1 and A-03-2).
 *
 * @example locationWithin('A-03-2', 'A-03') // true
 */
export function locationWithin(location: string, wanted: string): boolean {
  return location === wanted || location.startsWith(`${wanted}-`);
}

export interface LocationLine {
  line: number;
  code: string;
  /** null clears the item's location. */
  location: string | null;
}

export interface LocationLineError {
  line: number;
  message: string;
}

/**
 * Reads pasted lines of "item code, location" (comma or tab, as Excel copies; an optional header
 * line naming 货号/条码/code). An empty location clears it. Pure: lines are 1-based as pasted.
 *
 * @example parseLocationPaste('货号,货位\n6901234567892,a-03-2').lines // [{ line: 2, code: '6901234567892', location: 'A-03-2' }]
 */
export function parseLocationPaste(text: string): { lines: LocationLine[]; errors: LocationLineError[] } {
  const lines: LocationLine[] = [];
  const errors: LocationLineError[] = [];
  const rows = text.split(/\r\n|\r|\n/);
  if (rows.length > MAX_PASTE_LINES) throw new AppError('VALIDATION_FAILED', `Paste at most ${MAX_PASTE_LINES} lines at a time (got ${rows.length}).`, { details: { field: 'text' } });
  rows.forEach((row, i) => {
    const cells = row.split(/[,\t]/).map((c) => c.trim().replace(/^"(.*)"$/, '$1').trim());
    if (cells.every((c) => c === '')) return;
    if (i === 0 && /^(货号|条码|商品编码|code|barcode|item)$/i.test(cells[0] ?? '')) return;
    const line = i + 1;
    const [code = '', location = '', ...rest] = cells;
    if (rest.some((c) => c !== '')) return void errors.push({ line, message: `has ${cells.length} values; give the item code and the location only ("6901234567892,A-03-2").` });
    if (!code) return void errors.push({ line, message: 'has no item code before the location.' });
    if (!location) return void lines.push({ line, code, location: null });
    try {
      lines.push({ line, code, location: parseLocationCode(location) });
    } catch (err) {
      if (!isAppError(err)) throw err;
      errors.push({ line, message: err.message });
    }
  });
  return { lines, errors };
}

export interface ShelfLocationRow {
  skuId: string;
  code: string;
  name: string;
  location: string;
}

/** The store's placed SKUs, by location then item code. */
export async function listShelfLocations(ctx: Ctx, store: Store): Promise<ShelfLocationRow[]> {
  actorAt(ctx, store, 'inventory.count');
  const index = await catalogIndex(ctx);
  const rows = await ctx.db.selectFrom('shelf_locations').select(['sku_id', 'location_code']).where('store_id', '=', store.id).execute();
  return rows
    .map((r) => {
      const sku = index.sku(r.sku_id);
      return { skuId: r.sku_id, code: sku?.code ?? r.sku_id, name: sku?.name ?? '?', location: r.location_code };
    })
    .sort((a, b) => (a.location + a.code < b.location + b.code ? -1 : 1));
}

/** Where each of `skuIds` stands at the store (absent: not placed). */
export async function shelfLocationsOf(ctx: Ctx, storeId: string, skuIds?: readonly string[]): Promise<Map<string, string>> {
  let q = ctx.db.selectFrom('shelf_locations').select(['sku_id', 'location_code']).where('store_id', '=', storeId);
  if (skuIds) {
    if (skuIds.length === 0) return new Map();
    q = q.where('sku_id', 'in', [...skuIds]);
  }
  return new Map((await q.execute()).map((r) => [r.sku_id, r.location_code]));
}

async function saveLocations(ctx: Ctx, store: Store, index: CatalogIndex, lines: ReadonlyArray<{ skuId: string; location: string | null }>): Promise<{ placed: number; cleared: number }> {
  const actor = actorAt(ctx, store, 'inventory.manage');
  const now = ctx.clock.now().toISOString();
  const placed = lines.filter((l): l is { skuId: string; location: string } => l.location !== null);
  const cleared = lines.filter((l) => l.location === null).map((l) => l.skuId);
  await ctx.db.transaction().execute(async (tx) => {
    for (let i = 0; i < placed.length; i += 500) {
      await tx
        .insertInto('shelf_locations')
        .values(placed.slice(i, i + 500).map((l) => ({ store_id: store.id, sku_id: l.skuId, location_code: l.location, updated_by: actor.userId, updated_at: now })))
        .onConflict((oc) => oc.columns(['store_id', 'sku_id']).doUpdateSet((eb) => ({ location_code: eb.ref('excluded.location_code'), updated_by: eb.ref('excluded.updated_by'), updated_at: eb.ref('excluded.updated_at') })))
        .execute();
    }
    for (let i = 0; i < cleared.length; i += 500) {
      await tx.deleteFrom('shelf_locations').where('store_id', '=', store.id).where('sku_id', 'in', cleared.slice(i, i + 500)).execute();
    }
    await appendAudit(
      { ...ctx, db: tx },
      { action: 'shelf_locations.set', docType: 'shelf_locations', docId: store.id, storeId: store.id, data: { lines: lines.map((l) => ({ code: index.sku(l.skuId)?.code ?? l.skuId, location: l.location })) } },
    );
  });
  return { placed: placed.length, cleared: cleared.length };
}

/** Sets (or, with an empty location, clears) one item's shelf location at a store. */
export async function setShelfLocation(ctx: Ctx, store: Store, input: { code: string; location: string }): Promise<{ skuId: string; code: string; location: string | null }> {
  actorAt(ctx, store, 'inventory.manage');
  const index = await catalogIndex(ctx);
  const sku = skuByCode(index, input.code);
  const location = input.location.trim() ? parseLocationCode(input.location) : null;
  await saveLocations(ctx, store, index, [{ skuId: sku.id, location }]);
  return { skuId: sku.id, code: sku.code, location };
}

/**
 * Saves pasted "item code, location" lines for a store, all or none: LOCATION_IMPORT_INVALID
 * lists every bad line (unknown item, bad location, an item twice) by its line number.
 */
export async function importShelfLocations(ctx: Ctx, store: Store, text: string): Promise<{ placed: number; cleared: number }> {
  actorAt(ctx, store, 'inventory.manage');
  const index = await catalogIndex(ctx);
  const { lines, errors } = parseLocationPaste(text);
  const firstLine = new Map<string, number>();
  const resolved: Array<{ skuId: string; location: string | null }> = [];
  for (const l of lines) {
    const sku = findSkuByCode(index, l.code);
    if (!sku) {
      errors.push({ line: l.line, message: `no product has the code ${l.code}. Check the code, or add the product in the back office.` });
      continue;
    }
    const earlier = firstLine.get(sku.id);
    if (earlier !== undefined) {
      errors.push({ line: l.line, message: `${sku.name} (${sku.code}) is already on line ${earlier}; an item has one location. Keep one of the lines.` });
      continue;
    }
    firstLine.set(sku.id, l.line);
    resolved.push({ skuId: sku.id, location: l.location });
  }
  if (errors.length > 0) {
    errors.sort((a, b) => a.line - b.line);
    const first = errors[0] as LocationLineError;
    throw new AppError('LOCATION_IMPORT_INVALID', `Nothing was saved: ${errors.length} line(s) need fixing. Line ${first.line} ${first.message}`, { details: { errors: errors.slice(0, MAX_REPORTED_ERRORS), total: errors.length } });
  }
  if (resolved.length === 0) throw new AppError('VALIDATION_FAILED', 'Paste at least one line of "item code, location" (e.g. 6901234567892,A-03-2).', { details: { field: 'text' } });
  return saveLocations(ctx, store, index, resolved);
}
