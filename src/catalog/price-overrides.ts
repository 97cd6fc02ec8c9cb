// Store price overrides: HQ owns prices, but its policy may let a store set its own for a SKU.
// The store's row is store-owned (the pull never touches it), goes to HQ through the outbox as
// `price.overridden`, and holds until the store clears it or HQ revokes it; an HQ price change
// does not replace it.
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { inTransaction, readSetting, writeSetting, type Db } from '../platform/db/index';
import { appendOutbox } from '../platform/outbox';
import type { Ctx } from '../platform/context';
import { storeScopeById } from '../platform/stores/service';
import { appendAudit } from '../audit/index';
import { catalogIndex, invalidateCatalog, MAX_PRICE_FEN } from './service';
import {
  categoryLineage,
  judgePriceOverride,
  overrideInEffect,
  policyForStore,
  priceOverridePolicyKey,
  priceOverridePolicySchema,
  PRICE_OVERRIDE_SETTINGS_PREFIX,
  revokedOverridesKey,
  type PolicyScope,
  type PriceOverridePolicy,
} from './price-override-policy';

/** The outbox event a store node writes when it sets or clears an override (priceFen null). */
export const PRICE_OVERRIDDEN = 'price.overridden';

export interface PriceOverriddenEvent {
  storeId: string;
  skuId: string;
  skuCode: string;
  /** null: the store cleared its override. */
  priceFen: number | null;
  hqPriceFen: number;
  setBy: string;
  setAt: string;
}

export interface PriceOverrideView {
  skuId: string;
  skuCode: string;
  name: string;
  priceFen: number;
  /** HQ's price for the store when the override was set, and now. */
  hqPriceFenAtSet: number;
  hqPriceFen: number;
  setBy: string;
  setAt: string;
  revokedAt: string | null;
  /** Whether the till charges it now (policy still allows it, HQ has not revoked it). */
  inEffect: boolean;
}

async function policySettings(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'like', `${PRICE_OVERRIDE_SETTINGS_PREFIX}%`).execute();
  return new Map(rows.map((r) => [r.key, r.value]));
}

/** The policy governing `storeId`, and where it comes from (null: the default, no overrides). */
export async function priceOverridePolicyFor(ctx: Ctx, storeId: string): Promise<{ policy: PriceOverridePolicy; scope: PolicyScope | null }> {
  return policyForStore(await policySettings(ctx.db), await storeScopeById(ctx, storeId));
}

/** Saves HQ's policy for the chain, a region or a store; says which field is wrong when one is. */
export async function savePriceOverridePolicy(ctx: Ctx, scope: PolicyScope, input: unknown): Promise<PriceOverridePolicy> {
  const parsed = priceOverridePolicySchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new AppError('VALIDATION_FAILED', `Price override policy field "${field}": ${issue?.message ?? 'invalid'}.`, { status: 400, details: { field } });
  }
  const known = new Set((await catalogIndex(ctx)).allCategories().map((c) => c.code));
  const unknown = parsed.data.categoryCodes?.find((c) => !known.has(c));
  if (unknown) throw new AppError('VALIDATION_FAILED', `Price override policy: category ${unknown} does not exist. Use category codes.`, { status: 400, details: { field: 'categoryCodes' } });
  await writeSetting(ctx.db, priceOverridePolicyKey(scope), JSON.stringify(parsed.data));
  invalidateCatalog(ctx);
  return parsed.data;
}

/** HQ's price for a store, overrides aside: its store price, else the base price. */
async function hqPriceFor(db: Db, storeId: string, sku: { id: string; priceFen: number }): Promise<number> {
  const row = await db.selectFrom('store_prices').select('price_fen').where('store_id', '=', storeId).where('sku_id', '=', sku.id).executeTakeFirst();
  return row?.price_fen ?? sku.priceFen;
}

async function skuByCode(ctx: Ctx, code: string) {
  const index = await catalogIndex(ctx);
  const sku = index.byInternalCode(code);
  if (!sku) throw new AppError('PRODUCT_NOT_FOUND', `No product ${code}.`, { status: 404 });
  return { sku, lineage: categoryLineage(new Map(index.allCategories().map((c) => [c.id, c])), sku.categoryId) };
}

/**
 * Sets the store's own price for SKU `skuCode`, if HQ's policy allows it (else
 * PRICE_OVERRIDE_NOT_ALLOWED, stating the rule); the row and its outbox event in one transaction.
 *
 * @example await setPriceOverride(ctx, storeId, 'COLA-330', 280)
 */
export async function setPriceOverride(ctx: Ctx, storeId: string, skuCode: string, priceFen: number): Promise<PriceOverrideView> {
  if (!Number.isSafeInteger(priceFen) || priceFen < 0 || priceFen > MAX_PRICE_FEN) {
    throw new AppError('VALIDATION_FAILED', 'Price must be between ¥0.00 and ¥1,000,000.00 (in fen).', { details: { field: 'priceFen' } });
  }
  const { sku, lineage } = await skuByCode(ctx, skuCode);
  const { policy, scope } = await priceOverridePolicyFor(ctx, storeId);
  const hqPriceFen = await hqPriceFor(ctx.db, storeId, sku);
  const verdict = judgePriceOverride(policy, { priceFen, hqPriceFen, lineage });
  if (!verdict.ok) {
    const from = scope ? (scope.kind === 'chain' ? "the chain's policy" : `the ${scope.kind}'s policy`) : 'the default policy';
    throw new AppError('PRICE_OVERRIDE_NOT_ALLOWED', `This store cannot set its own price for ${sku.code}: ${verdict.rule} (${from}). Ask HQ to change the price or the policy.`, {
      status: 403,
      details: { rule: verdict.rule, policy, scope, hqPriceFen },
    });
  }
  const setBy = ctx.actor?.userId ?? 'system';
  const setAt = ctx.clock.now().toISOString();
  await inTransaction(ctx.db, async (tx) => {
    const t = { ...ctx, db: tx };
    await tx
      .insertInto('store_price_overrides')
      .values({ store_id: storeId, sku_id: sku.id, price_fen: priceFen, hq_price_fen: hqPriceFen, set_by: setBy, set_at: setAt, revoked_at: null, revoked_by: null })
      .onConflict((oc) => oc.columns(['store_id', 'sku_id']).doUpdateSet({ price_fen: priceFen, hq_price_fen: hqPriceFen, set_by: setBy, set_at: setAt, revoked_at: null, revoked_by: null }))
      .execute();
    const event: PriceOverriddenEvent = { storeId, skuId: sku.id, skuCode: sku.code, priceFen, hqPriceFen, setBy, setAt };
    await appendOutbox(t, { type: PRICE_OVERRIDDEN, documentId: newId(), payload: event });
    await appendAudit(t, { action: 'catalog.price_overridden', docType: 'sku', docId: sku.id, storeId, data: { skuCode: sku.code, priceFen, hqPriceFen } });
  });
  invalidateCatalog(ctx);
  return { skuId: sku.id, skuCode: sku.code, name: sku.name, priceFen, hqPriceFenAtSet: hqPriceFen, hqPriceFen, setBy, setAt, revokedAt: null, inEffect: true };
}

/** The store drops its own price for `skuCode` (HQ's applies again); tells HQ through the outbox. */
export async function clearPriceOverride(ctx: Ctx, storeId: string, skuCode: string): Promise<void> {
  const { sku } = await skuByCode(ctx, skuCode);
  const setAt = ctx.clock.now().toISOString();
  await inTransaction(ctx.db, async (tx) => {
    const t = { ...ctx, db: tx };
    const gone = await tx.deleteFrom('store_price_overrides').where('store_id', '=', storeId).where('sku_id', '=', sku.id).executeTakeFirst();
    if (Number(gone.numDeletedRows) === 0) throw new AppError('NOT_FOUND', `This store has no price of its own for ${sku.code}.`, { status: 404 });
    const event: PriceOverriddenEvent = { storeId, skuId: sku.id, skuCode: sku.code, priceFen: null, hqPriceFen: await hqPriceFor(tx, storeId, sku), setBy: ctx.actor?.userId ?? 'system', setAt };
    await appendOutbox(t, { type: PRICE_OVERRIDDEN, documentId: newId(), payload: event });
    await appendAudit(t, { action: 'catalog.price_override_cleared', docType: 'sku', docId: sku.id, storeId, data: { skuCode: sku.code } });
  });
  invalidateCatalog(ctx);
}

/**
 * HQ revokes a store's override: HQ's price applies at the store from its next pull, until the
 * store sets a new one (if the policy still allows). Recorded in an HQ-owned setting the store pulls.
 */
export async function revokePriceOverride(ctx: Ctx, storeId: string, skuCode: string): Promise<void> {
  const { sku } = await skuByCode(ctx, skuCode);
  const at = ctx.clock.now().toISOString();
  await inTransaction(ctx.db, async (tx) => {
    const t = { ...ctx, db: tx };
    const hit = await tx.updateTable('store_price_overrides').set({ revoked_at: at, revoked_by: ctx.actor?.userId ?? 'system' }).where('store_id', '=', storeId).where('sku_id', '=', sku.id).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(hit.numUpdatedRows) === 0) throw new AppError('NOT_FOUND', `The store has no override of ${sku.code} in force to revoke.`, { status: 404 });
    const revoked = JSON.parse((await readSetting(tx, revokedOverridesKey(storeId))) ?? '{}') as Record<string, string>;
    revoked[sku.id] = at;
    await writeSetting(tx, revokedOverridesKey(storeId), JSON.stringify(revoked));
    await appendAudit(t, { action: 'catalog.price_override_revoked', docType: 'sku', docId: sku.id, storeId, data: { skuCode: sku.code } });
  });
  invalidateCatalog(ctx);
}

/** A store's overrides beside HQ's price, for the back office and HQ's price report. */
export async function listPriceOverrides(ctx: Ctx, storeId: string): Promise<PriceOverrideView[]> {
  const index = await catalogIndex(ctx);
  const categories = new Map(index.allCategories().map((c) => [c.id, c]));
  const [rows, hqPrices, settings, scope] = await Promise.all([
    ctx.db.selectFrom('store_price_overrides').selectAll().where('store_id', '=', storeId).execute(),
    ctx.db.selectFrom('store_prices').select(['sku_id', 'price_fen']).where('store_id', '=', storeId).execute(),
    policySettings(ctx.db),
    storeScopeById(ctx, storeId),
  ]);
  const hq = new Map(hqPrices.map((p) => [p.sku_id, p.price_fen]));
  const { policy } = policyForStore(settings, scope);
  const revoked = JSON.parse(settings.get(revokedOverridesKey(storeId)) ?? '{}') as Record<string, string>;
  return rows
    .flatMap((r) => {
      const sku = index.sku(r.sku_id);
      if (!sku) return [];
      const inEffect = overrideInEffect({ storeId, skuId: r.sku_id, priceFen: r.price_fen, setAt: r.set_at, revokedAt: r.revoked_at }, policy, categoryLineage(categories, sku.categoryId), revoked[r.sku_id]);
      return [{ skuId: sku.id, skuCode: sku.code, name: sku.name, priceFen: r.price_fen, hqPriceFenAtSet: r.hq_price_fen, hqPriceFen: hq.get(sku.id) ?? sku.priceFen, setBy: r.set_by, setAt: r.set_at, revokedAt: r.revoked_at ?? revoked[r.sku_id] ?? null, inEffect }];
    })
    .sort((a, b) => a.skuCode.localeCompare(b.skuCode));
}

/**
 * HQ applies pushed `price.overridden` events: the newest act per store × SKU wins, whatever
 * order they arrive in; a revocation stands against any override set before it.
 */
export async function applyPriceOverriddenEvents(db: Db, events: readonly PriceOverriddenEvent[]): Promise<void> {
  for (const e of events) {
    if (e.priceFen === null) {
      await db.deleteFrom('store_price_overrides').where('store_id', '=', e.storeId).where('sku_id', '=', e.skuId).where('set_at', '<=', e.setAt).execute();
      continue;
    }
    await db
      .insertInto('store_price_overrides')
      .values({ store_id: e.storeId, sku_id: e.skuId, price_fen: e.priceFen, hq_price_fen: e.hqPriceFen, set_by: e.setBy, set_at: e.setAt, revoked_at: null, revoked_by: null })
      .onConflict((oc) =>
        oc
          .columns(['store_id', 'sku_id'])
          .doUpdateSet((eb) => ({
            price_fen: eb.ref('excluded.price_fen'),
            hq_price_fen: eb.ref('excluded.hq_price_fen'),
            set_by: eb.ref('excluded.set_by'),
            set_at: eb.ref('excluded.set_at'),
            // Set after HQ revoked it: the new override stands; set before: the revocation stands.
            revoked_at: eb.case().when('excluded.set_at', '>', eb.ref('store_price_overrides.revoked_at')).then(null).else(eb.ref('store_price_overrides.revoked_at')).end(),
            revoked_by: eb.case().when('excluded.set_at', '>', eb.ref('store_price_overrides.revoked_at')).then(null).else(eb.ref('store_price_overrides.revoked_by')).end(),
          }))
          .where('excluded.set_at', '>=', (eb) => eb.ref('store_price_overrides.set_at')),
      )
      .execute();
  }
}
