// HQ's rule on store price overrides (pure): whether a store may set its own price for a SKU,
// within how far of HQ's price, for which categories; and which stored overrides take effect.
import { z } from 'zod';
import { formatMoney } from '../platform/money';
import type { Category } from './types';

export const priceOverridePolicySchema = z.object({
  allowed: z.boolean(),
  /** Largest change either way from HQ's price, in whole percent (10 = ±10 %); null = no limit. */
  maxDeltaPercent: z.number().int().min(0).max(100).nullable().default(null),
  /** Only SKUs in these categories or below them (by code); null = every category. */
  categoryCodes: z.array(z.string().min(1).max(32)).max(500).nullable().default(null),
});
export type PriceOverridePolicy = z.infer<typeof priceOverridePolicySchema>;

/** Stores may not override HQ's prices unless HQ says so. */
export const DEFAULT_PRICE_OVERRIDE_POLICY: PriceOverridePolicy = { allowed: false, maxDeltaPercent: null, categoryCodes: null };

export type PolicyScope = { kind: 'store'; id: string } | { kind: 'region'; id: string } | { kind: 'chain' };

/** Settings keys (HQ-owned, pulled by stores): the chain's, a region's or a store's policy. */
export const priceOverridePolicyKey = (scope: PolicyScope): string => (scope.kind === 'chain' ? 'catalog:price-override' : `catalog:price-override:${scope.kind}:${scope.id}`);

/** Settings key of a store's revoked overrides: `{ [skuId]: revokedAt }`, HQ-owned, pulled. */
export const revokedOverridesKey = (storeId: string): string => `catalog:price-override-revoked:${storeId}`;

/** Every key above starts with this (the pull takes `catalog:price-override%`). */
export const PRICE_OVERRIDE_SETTINGS_PREFIX = 'catalog:price-override';

/**
 * The policy that governs `store`: its own, else its region's, else the chain's, else the default.
 *
 * @example policyForStore(settings, { storeId, regionId }) // { policy, scope: { kind: 'region', id } }
 */
export function policyForStore(settings: ReadonlyMap<string, string>, store: { storeId: string; regionId: string | null }): { policy: PriceOverridePolicy; scope: PolicyScope | null } {
  const scopes: PolicyScope[] = [{ kind: 'store', id: store.storeId }, ...(store.regionId ? [{ kind: 'region' as const, id: store.regionId }] : []), { kind: 'chain' }];
  for (const scope of scopes) {
    const raw = settings.get(priceOverridePolicyKey(scope));
    if (raw) return { policy: priceOverridePolicySchema.parse(JSON.parse(raw)), scope };
  }
  return { policy: DEFAULT_PRICE_OVERRIDE_POLICY, scope: null };
}

/** The codes of a category and of every category above it. */
export function categoryLineage(categories: ReadonlyMap<string, Category>, categoryId: string): string[] {
  const codes: string[] = [];
  const seen = new Set<string>();
  for (let c = categories.get(categoryId); c && !seen.has(c.id); c = c.parentId ? categories.get(c.parentId) : undefined) {
    seen.add(c.id);
    codes.push(c.code);
  }
  return codes;
}

export type OverrideVerdict = { ok: true } | { ok: false; rule: string };

/**
 * Whether the policy lets a store charge `priceFen` for a SKU HQ prices at `hqPriceFen`, in the
 * categories `lineage` (its own and those above). The refusal states the rule.
 *
 * @example judgePriceOverride({ allowed: true, maxDeltaPercent: 10, categoryCodes: null }, { priceFen: 1400, hqPriceFen: 1200, lineage: ['DRINK'] }).ok // false: ¥10.80–¥13.20
 */
export function judgePriceOverride(policy: PriceOverridePolicy, input: { priceFen: number; hqPriceFen: number; lineage: readonly string[] }): OverrideVerdict {
  if (!policy.allowed) return { ok: false, rule: "HQ's policy does not let this store override prices" };
  const codes = policy.categoryCodes;
  if (codes && !input.lineage.some((c) => codes.includes(c))) return { ok: false, rule: `stores may override prices only in categories ${codes.join(', ')}` };
  if (policy.maxDeltaPercent !== null) {
    // Integer bounds, inclusive: the lowest and highest fen within N % of HQ's price.
    const low = Math.ceil((input.hqPriceFen * (100 - policy.maxDeltaPercent)) / 100);
    const high = Math.floor((input.hqPriceFen * (100 + policy.maxDeltaPercent)) / 100);
    if (input.priceFen < low || input.priceFen > high) {
      return { ok: false, rule: `a store price must be within ±${policy.maxDeltaPercent} % of HQ's ${formatMoney(input.hqPriceFen)}: ${formatMoney(low)}–${formatMoney(high)}` };
    }
  }
  return { ok: true };
}

export interface StoredOverride {
  storeId: string;
  skuId: string;
  priceFen: number;
  setAt: string;
  revokedAt: string | null;
}

/**
 * Whether a stored override takes effect now: the store's policy still allows overrides (for the
 * SKU's category; the ±N % limit is checked when it is set, so a later HQ price change never
 * undoes it), and HQ has not revoked it since it was set.
 */
export function overrideInEffect(o: StoredOverride, policy: PriceOverridePolicy, lineage: readonly string[], revokedAt: string | undefined): boolean {
  if (o.revokedAt !== null || (revokedAt !== undefined && revokedAt >= o.setAt)) return false;
  if (!policy.allowed) return false;
  return policy.categoryCodes === null || lineage.some((c) => policy.categoryCodes?.includes(c));
}

/**
 * The catalog's store prices with every override in effect laid over HQ's (an override wins
 * over HQ's store price and base price for its store).
 */
export function pricesWithOverrides(
  snapshot: { categories: readonly Category[]; skus: ReadonlyArray<{ id: string; categoryId: string }>; storePrices: ReadonlyArray<{ storeId: string; skuId: string; priceFen: number }> },
  state: { overrides: readonly StoredOverride[]; settings: ReadonlyMap<string, string>; stores: ReadonlyArray<{ storeId: string; regionId: string | null }> },
): Array<{ storeId: string; skuId: string; priceFen: number }> {
  if (state.overrides.length === 0) return [...snapshot.storePrices];
  const categories = new Map(snapshot.categories.map((c) => [c.id, c]));
  const categoryOf = new Map(snapshot.skus.map((s) => [s.id, s.categoryId]));
  const regionOf = new Map(state.stores.map((s) => [s.storeId, s.regionId]));
  const policies = new Map<string, PriceOverridePolicy>();
  const revoked = new Map<string, Record<string, string>>();
  const effective = new Map<string, number>();
  for (const o of state.overrides) {
    let policy = policies.get(o.storeId);
    if (!policy) policies.set(o.storeId, (policy = policyForStore(state.settings, { storeId: o.storeId, regionId: regionOf.get(o.storeId) ?? null }).policy));
    let gone = revoked.get(o.storeId);
    if (!gone) revoked.set(o.storeId, (gone = JSON.parse(state.settings.get(revokedOverridesKey(o.storeId)) ?? '{}') as Record<string, string>));
    const categoryId = categoryOf.get(o.skuId);
    if (categoryId === undefined) continue;
    if (overrideInEffect(o, policy, categoryLineage(categories, categoryId), gone[o.skuId])) effective.set(`${o.storeId}\u0000${o.skuId}`, o.priceFen);
  }
  const out = snapshot.storePrices.filter((p) => !effective.has(`${p.storeId}\u0000${p.skuId}`));
  for (const [key, priceFen] of effective) {
    const [storeId = '', skuId = ''] = key.split('\u0000');
    out.push({ storeId, skuId, priceFen });
  }
  return out;
}
