// Catalog operations: categories, SKUs (with barcodes and bundle components), store prices,
// promotions, CSV-sized imports; and the per-node in-memory index the till scans against.
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { inTransaction } from '../platform/db/index';
import type { Ctx } from '../platform/context';
import type { Promotion } from '../checkout/pricing-types';
import { isValidGtin, normalizeGtin } from './barcode';
import { CatalogIndex } from './catalog-index';
import { pricesWithOverrides } from './price-override-policy';
import {
  insertCategoryRows,
  insertPromotionRow,
  insertSkuRows,
  loadActivePromotions,
  loadPromotionsByIds,
  loadCatalogSnapshot,
  loadOverrideState,
  updateSkuRow,
  upsertStorePrice,
} from './repo';
import type { Category, CategoryInput, Sku, SkuInput } from './types';

export const MAX_PRICE_FEN = 100_000_000; // ¥1,000,000: beyond this a price is a typo
const VAT_RATES = ['0.13', '0.09', '0.06', '0'];

interface CacheEntry {
  version: number;
  built?: { version: number; index: CatalogIndex; promotions: Promotion[] };
  building?: Promise<{ version: number; index: CatalogIndex; promotions: Promotion[] }>;
}
const caches = new Map<string, CacheEntry>();

function cacheFor(nodeId: string): CacheEntry {
  let entry = caches.get(nodeId);
  if (!entry) caches.set(nodeId, (entry = { version: 1 }));
  return entry;
}

async function current(ctx: Ctx): Promise<{ index: CatalogIndex; promotions: Promotion[] }> {
  const entry = cacheFor(ctx.nodeId);
  if (entry.built && entry.built.version === entry.version) return entry.built;
  const version = entry.version;
  if (!entry.building) {
    entry.building = (async () => {
      const [snapshot, promotions, overrides] = await Promise.all([loadCatalogSnapshot(ctx.db), loadActivePromotions(ctx.db), loadOverrideState(ctx.db)]);
      return { version, index: new CatalogIndex({ ...snapshot, storePrices: pricesWithOverrides(snapshot, overrides) }), promotions };
    })().finally(() => {
      entry.building = undefined;
    });
  }
  const built = await entry.building;
  if (!entry.built || entry.built.version < built.version) entry.built = built;
  return built;
}

/** The current in-memory catalog index of this node (rebuilt lazily after a change). */
export async function catalogIndex(ctx: Ctx): Promise<CatalogIndex> {
  return (await current(ctx)).index;
}

/** The active promotions, cached with the index. */
export async function activePromotions(ctx: Ctx): Promise<Promotion[]> {
  return (await current(ctx)).promotions;
}

/** Promotions by id, whether or not they still run (a return reprices with its sale's). */
export function promotionsByIds(ctx: Ctx, ids: readonly string[]): Promise<Promotion[]> {
  return loadPromotionsByIds(ctx.db, ids);
}

/** Marks the index stale; call after a catalog write has committed. */
export function invalidateCatalog(ctx: Ctx): void {
  cacheFor(ctx.nodeId).version += 1;
}

function fail(message: string, field: string, extra: Record<string, unknown> = {}): never {
  throw new AppError('VALIDATION_FAILED', message, { details: { field, ...extra } });
}

function validateSkuShape(input: SkuInput, label: string): void {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(input.code)) fail(`${label}: code "${input.code}" must be 1–32 letters, digits, "_" or "-".`, 'code');
  if (!input.name.trim() || input.name.length > 120) fail(`${label}: name must be 1–120 characters.`, 'name');
  if (input.unit !== 'piece' && input.unit !== 'kg') fail(`${label}: unit must be piece or kg.`, 'unit');
  if (!Number.isSafeInteger(input.priceFen) || input.priceFen < 0 || input.priceFen > MAX_PRICE_FEN) {
    fail(`${label}: price must be between ¥0.00 and ¥1,000,000.00.`, 'priceFen');
  }
  if (!Number.isSafeInteger(input.costFen) || input.costFen < 0 || input.costFen > MAX_PRICE_FEN) fail(`${label}: cost must be between ¥0.00 and ¥1,000,000.00.`, 'costFen');
  if (input.plu !== null && !/^\d{5}$/.test(input.plu)) fail(`${label}: PLU "${input.plu}" must be 5 digits.`, 'plu');
  for (const b of input.barcodes) if (!isValidGtin(b)) fail(`${label}: barcode ${b} is not a valid EAN-13/EAN-8/UPC-A (check digit).`, 'barcodes');
  for (const c of input.components) {
    if (!Number.isSafeInteger(c.qty) || c.qty <= 0) fail(`${label}: component ${c.skuCode} needs a quantity above 0.`, 'components');
  }
}

/**
 * Creates or updates SKUs by code, all in one transaction: every row is checked first and the
 * first problem is reported with its row; nothing is written unless all rows are good.
 *
 * @example await importSkus(ctx, rows) // { created: 120, updated: 3 }
 */
export async function importSkus(ctx: Ctx, rows: readonly SkuInput[]): Promise<{ created: number; updated: number }> {
  const result = await inTransaction(ctx.db, async (tx) => {
    const [categories, existing, barcodeOwners, pluOwners] = await Promise.all([
      tx.selectFrom('categories').select(['id', 'code']).execute(),
      tx.selectFrom('skus').select(['id', 'code']).execute(),
      tx.selectFrom('sku_barcodes').select(['barcode', 'sku_id']).execute(),
      tx.selectFrom('skus').select(['id', 'plu']).where('plu', 'is not', null).execute(),
    ]);
    const categoryId = new Map(categories.map((c) => [c.code, c.id]));
    const idByCode = new Map(existing.map((s) => [s.code, s.id]));
    const barcodeOwner = new Map(barcodeOwners.map((b) => [b.barcode, b.sku_id]));
    const pluOwner = new Map(pluOwners.map((p) => [p.plu ?? '', p.id]));
    const seenCodes = new Set<string>();
    const toInsert: Sku[] = [];
    const toUpdate: Sku[] = [];
    const rowIds = new Map<string, string>();
    for (const row of rows) rowIds.set(row.code, idByCode.get(row.code) ?? newId());

    rows.forEach((row, i) => {
      const label = `Row ${i + 1} (${row.code})`;
      validateSkuShape(row, label);
      if (seenCodes.has(row.code)) fail(`${label}: code ${row.code} appears twice.`, 'code');
      seenCodes.add(row.code);
      const catId = categoryId.get(row.categoryCode) ?? fail(`${label}: category ${row.categoryCode} does not exist. Create it first.`, 'categoryCode');
      const id = rowIds.get(row.code) ?? newId();
      const barcodes = [...new Set(row.barcodes.map(normalizeGtin))];
      for (const b of barcodes) {
        const owner = barcodeOwner.get(b);
        if (owner && owner !== id) fail(`${label}: barcode ${b} already belongs to another product.`, 'barcodes');
        barcodeOwner.set(b, id);
      }
      if (row.plu) {
        const owner = pluOwner.get(row.plu);
        if (owner && owner !== id) fail(`${label}: PLU ${row.plu} already belongs to another product.`, 'plu');
        pluOwner.set(row.plu, id);
      }
      const components = row.components.map((c) => ({
        skuId: rowIds.get(c.skuCode) ?? idByCode.get(c.skuCode) ?? fail(`${label}: component ${c.skuCode} does not exist.`, 'components'),
        qty: c.qty,
      }));
      const sku: Sku = { id, code: row.code, name: row.name.trim(), unit: row.unit, categoryId: catId, priceFen: row.priceFen, costFen: row.costFen, plu: row.plu, barcodes, active: row.active, components };
      (idByCode.has(row.code) ? toUpdate : toInsert).push(sku);
    });
    const now = ctx.clock.now().toISOString();
    // Barcodes moving between SKUs of this import would trip the unique key mid-way; updates
    // first release theirs.
    for (const sku of toUpdate) await updateSkuRow(tx, sku, now);
    await insertSkuRows(tx, toInsert, now);
    return { created: toInsert.length, updated: toUpdate.length };
  });
  invalidateCatalog(ctx);
  return result;
}

/** Creates categories by code (parents by code, in the same call or existing). */
export async function importCategories(ctx: Ctx, inputs: readonly CategoryInput[]): Promise<Category[]> {
  const created = await inTransaction(ctx.db, async (tx) => {
    const existing = await tx.selectFrom('categories').select(['id', 'code']).execute();
    const idByCode = new Map(existing.map((c) => [c.code, c.id]));
    const fresh: Category[] = [];
    for (const input of inputs) {
      if (idByCode.has(input.code)) fail(`Category ${input.code} already exists.`, 'code');
      if (!VAT_RATES.includes(input.vatRate)) fail(`Category ${input.code}: VAT rate must be one of ${VAT_RATES.join(', ')}.`, 'vatRate');
      idByCode.set(input.code, newId());
    }
    for (const input of inputs) {
      const parentId = input.parentCode === null ? null : (idByCode.get(input.parentCode) ?? fail(`Category ${input.code}: parent ${input.parentCode} does not exist.`, 'parentCode'));
      fresh.push({ id: idByCode.get(input.code) ?? newId(), code: input.code, name: input.name, parentId, vatRate: input.vatRate });
    }
    await insertCategoryRows(tx, fresh, ctx.clock.now().toISOString());
    return fresh;
  });
  invalidateCatalog(ctx);
  return created;
}

export async function setStorePrice(ctx: Ctx, storeId: string, skuId: string, priceFen: number): Promise<void> {
  if (!Number.isSafeInteger(priceFen) || priceFen < 0 || priceFen > MAX_PRICE_FEN) fail('Price must be between ¥0.00 and ¥1,000,000.00.', 'priceFen');
  const index = await catalogIndex(ctx);
  if (!index.sku(skuId)) throw new AppError('PRODUCT_NOT_FOUND', 'No such product.');
  await upsertStorePrice(ctx.db, storeId, skuId, priceFen, ctx.clock.now().toISOString());
  invalidateCatalog(ctx);
}

export async function createPromotion(ctx: Ctx, promotion: Omit<Promotion, 'id'> & { id?: string }): Promise<Promotion> {
  const p: Promotion = { ...promotion, id: promotion.id ?? newId() };
  await insertPromotionRow(ctx.db, p, ctx.clock.now().toISOString());
  invalidateCatalog(ctx);
  return p;
}

/** Every SKU as import rows, for CSV export. */
export async function exportSkus(ctx: Ctx): Promise<SkuInput[]> {
  const index = await catalogIndex(ctx);
  const codeOf = (id: string) => index.sku(id)?.code ?? id;
  return index.search('', Number.MAX_SAFE_INTEGER, 0, true).items.map((s) => ({
    code: s.code,
    name: s.name,
    unit: s.unit,
    categoryCode: index.category(s.categoryId)?.code ?? '',
    priceFen: s.priceFen,
    costFen: s.costFen,
    plu: s.plu,
    barcodes: s.barcodes,
    active: s.active,
    components: s.components.map((c) => ({ skuCode: codeOf(c.skuId), qty: c.qty })),
  }));
}
