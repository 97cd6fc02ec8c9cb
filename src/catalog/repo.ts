// The catalog's tables: categories, SKUs, barcodes, bundle components, store prices, promotions.
import type { Selectable } from 'kysely';
import type { Database, Db } from '../platform/db/index';
import type { Promotion } from '../checkout/pricing-types';
import type { CatalogSnapshot } from './catalog-index';
import { PRICE_OVERRIDE_SETTINGS_PREFIX, type StoredOverride } from './price-override-policy';
import type { Category, Sku, Unit } from './types';

/** Reads the whole catalog for the in-memory index (four queries, no per-SKU round trips). */
export async function loadCatalogSnapshot(db: Db): Promise<CatalogSnapshot> {
  const [categories, skus, barcodes, components, storePrices] = await Promise.all([
    db.selectFrom('categories').select(['id', 'code', 'name', 'parent_id', 'vat_rate']).execute(),
    db.selectFrom('skus').select(['id', 'code', 'name', 'unit', 'category_id', 'price_fen', 'cost_fen', 'plu', 'active']).execute(),
    db.selectFrom('sku_barcodes').select(['barcode', 'sku_id']).execute(),
    db.selectFrom('bundle_components').select(['bundle_id', 'component_id', 'qty']).execute(),
    db.selectFrom('store_prices').select(['store_id', 'sku_id', 'price_fen']).execute(),
  ]);
  const byId = new Map<string, Sku>();
  for (const r of skus) {
    byId.set(r.id, {
      id: r.id,
      code: r.code,
      name: r.name,
      unit: r.unit as Unit,
      categoryId: r.category_id,
      priceFen: r.price_fen,
      costFen: r.cost_fen,
      plu: r.plu,
      barcodes: [],
      active: r.active === 1,
      components: [],
    });
  }
  for (const b of barcodes) byId.get(b.sku_id)?.barcodes.push(b.barcode);
  for (const c of components) byId.get(c.bundle_id)?.components.push({ skuId: c.component_id, qty: c.qty });
  return {
    categories: categories.map((c): Category => ({ id: c.id, code: c.code, name: c.name, parentId: c.parent_id, vatRate: c.vat_rate })),
    skus: [...byId.values()],
    storePrices: storePrices.map((p) => ({ storeId: p.store_id, skuId: p.sku_id, priceFen: p.price_fen })),
  };
}

export async function insertSkuRows(db: Db, skus: readonly Sku[], now: string): Promise<void> {
  // Chunked so a 200,000-row import stays within both dialects' bound-parameter limits.
  for (let i = 0; i < skus.length; i += 500) {
    const chunk = skus.slice(i, i + 500);
    await db
      .insertInto('skus')
      .values(
        chunk.map((s) => ({
          id: s.id,
          code: s.code,
          name: s.name,
          unit: s.unit,
          category_id: s.categoryId,
          price_fen: s.priceFen,
          cost_fen: s.costFen,
          plu: s.plu,
          active: s.active ? 1 : 0,
          is_bundle: s.components.length > 0 ? 1 : 0,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
    const barcodes = chunk.flatMap((s) => s.barcodes.map((barcode) => ({ barcode, sku_id: s.id })));
    if (barcodes.length) await db.insertInto('sku_barcodes').values(barcodes).execute();
    const components = chunk.flatMap((s) => s.components.map((c) => ({ bundle_id: s.id, component_id: c.skuId, qty: c.qty })));
    if (components.length) await db.insertInto('bundle_components').values(components).execute();
  }
}

export async function updateSkuRow(db: Db, sku: Sku, now: string): Promise<void> {
  await db
    .updateTable('skus')
    .set({
      name: sku.name,
      unit: sku.unit,
      category_id: sku.categoryId,
      price_fen: sku.priceFen,
      cost_fen: sku.costFen,
      plu: sku.plu,
      active: sku.active ? 1 : 0,
      is_bundle: sku.components.length > 0 ? 1 : 0,
      updated_at: now,
    })
    .where('id', '=', sku.id)
    .execute();
  await db.deleteFrom('sku_barcodes').where('sku_id', '=', sku.id).execute();
  if (sku.barcodes.length) await db.insertInto('sku_barcodes').values(sku.barcodes.map((barcode) => ({ barcode, sku_id: sku.id }))).execute();
  await db.deleteFrom('bundle_components').where('bundle_id', '=', sku.id).execute();
  if (sku.components.length) {
    await db
      .insertInto('bundle_components')
      .values(sku.components.map((c) => ({ bundle_id: sku.id, component_id: c.skuId, qty: c.qty })))
      .execute();
  }
}

export async function insertCategoryRows(db: Db, categories: readonly Category[], now: string): Promise<void> {
  // Parents first, so the self-reference holds at every insert.
  const pending = [...categories];
  const inserted = new Set<string>();
  while (pending.length) {
    const ready = pending.filter((c) => c.parentId === null || inserted.has(c.parentId) || !categories.some((x) => x.id === c.parentId));
    if (ready.length === 0) throw new Error('category parents form a cycle');
    await db
      .insertInto('categories')
      .values(ready.map((c) => ({ id: c.id, code: c.code, name: c.name, parent_id: c.parentId, vat_rate: c.vatRate, created_at: now })))
      .execute();
    for (const c of ready) {
      inserted.add(c.id);
      pending.splice(pending.indexOf(c), 1);
    }
  }
}

export async function upsertStorePrice(db: Db, storeId: string, skuId: string, priceFen: number, now: string): Promise<void> {
  await db
    .insertInto('store_prices')
    .values({ store_id: storeId, sku_id: skuId, price_fen: priceFen, updated_at: now })
    .onConflict((oc) => oc.columns(['store_id', 'sku_id']).doUpdateSet({ price_fen: priceFen, updated_at: now }))
    .execute();
}

export async function insertPromotionRow(db: Db, p: Promotion, now: string): Promise<void> {
  await db
    .insertInto('promotions')
    .values({
      id: p.id,
      name: p.name,
      target: JSON.stringify(p.target),
      rule: JSON.stringify(p.rule),
      priority: p.priority,
      exclusive: p.exclusive ? 1 : 0,
      members_only: p.membersOnly ? 1 : 0,
      starts_at: p.startsAt ?? null,
      ends_at: p.endsAt ?? null,
      active: 1,
      created_at: now,
    })
    .execute();
}

type PromotionRow = Selectable<Database['promotions']>;

function toPromotion(r: PromotionRow): Promotion {
  return {
    id: r.id,
    name: r.name,
    target: JSON.parse(r.target) as Promotion['target'],
    rule: JSON.parse(r.rule) as Promotion['rule'],
    priority: r.priority,
    exclusive: r.exclusive === 1,
    membersOnly: r.members_only === 1,
    startsAt: r.starts_at ?? undefined,
    endsAt: r.ends_at ?? undefined,
  };
}

export async function loadActivePromotions(db: Db): Promise<Promotion[]> {
  const rows = await db.selectFrom('promotions').selectAll().where('active', '=', 1).orderBy('priority').orderBy('id').execute();
  return rows.map(toPromotion);
}

/** Promotions by id, active or not (a return reprices with the promotions its sale used). */
export async function loadPromotionsByIds(db: Db, ids: readonly string[]): Promise<Promotion[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('promotions').selectAll().where('id', 'in', [...ids]).orderBy('priority').orderBy('id').execute();
  return rows.map(toPromotion);
}

/** What decides which store price overrides take effect: the overrides, HQ's policy settings, the stores' regions. */
export async function loadOverrideState(db: Db): Promise<{ overrides: StoredOverride[]; settings: Map<string, string>; stores: Array<{ storeId: string; regionId: string | null }> }> {
  const [overrides, settings, stores] = await Promise.all([
    db.selectFrom('store_price_overrides').select(['store_id', 'sku_id', 'price_fen', 'set_at', 'revoked_at']).execute(),
    db.selectFrom('settings').select(['key', 'value']).where('key', 'like', `${PRICE_OVERRIDE_SETTINGS_PREFIX}%`).execute(),
    db.selectFrom('stores').select(['id', 'region_id']).execute(),
  ]);
  return {
    overrides: overrides.map((o) => ({ storeId: o.store_id, skuId: o.sku_id, priceFen: o.price_fen, setAt: o.set_at, revokedAt: o.revoked_at })),
    settings: new Map(settings.map((s) => [s.key, s.value])),
    stores: stores.map((s) => ({ storeId: s.id, regionId: s.region_id })),
  };
}
