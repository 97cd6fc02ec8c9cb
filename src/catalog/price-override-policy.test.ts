import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { categoryLineage, judgePriceOverride, policyForStore, pricesWithOverrides, priceOverridePolicyKey, revokedOverridesKey, type PriceOverridePolicy } from './price-override-policy';
import type { Category } from './types';

const open: PriceOverridePolicy = { allowed: true, maxDeltaPercent: null, categoryCodes: null };
const categories: Category[] = [
  { id: 'c-fresh', code: 'C10', name: '生鲜', parentId: null, vatRate: '0.09' },
  { id: 'c-fruit', code: 'C1001', name: '水果', parentId: 'c-fresh', vatRate: '0.09' },
  { id: 'c-drink', code: 'C30', name: '饮料', parentId: null, vatRate: '0.13' },
];

describe('price override policy', () => {
  it('refuses when not allowed, outside ±N %, or outside the categories, and says the rule', () => {
    expect(judgePriceOverride({ ...open, allowed: false }, { priceFen: 1000, hqPriceFen: 1200, lineage: ['C30'] })).toEqual({ ok: false, rule: "HQ's policy does not let this store override prices" });
    expect(judgePriceOverride({ ...open, maxDeltaPercent: 10 }, { priceFen: 1321, hqPriceFen: 1200, lineage: ['C30'] })).toEqual({ ok: false, rule: "a store price must be within ±10 % of HQ's ¥12.00: ¥10.80–¥13.20" });
    expect(judgePriceOverride({ ...open, maxDeltaPercent: 10 }, { priceFen: 1320, hqPriceFen: 1200, lineage: ['C30'] })).toEqual({ ok: true });
    expect(judgePriceOverride({ ...open, maxDeltaPercent: 10 }, { priceFen: 1080, hqPriceFen: 1200, lineage: ['C30'] })).toEqual({ ok: true });
    expect(judgePriceOverride({ ...open, categoryCodes: ['C10'] }, { priceFen: 500, hqPriceFen: 600, lineage: ['C30'] })).toEqual({ ok: false, rule: 'stores may override prices only in categories C10' });
    // A fruit is in 生鲜 (C10) through its parent.
    const lineage = categoryLineage(new Map(categories.map((c) => [c.id, c])), 'c-fruit');
    expect(lineage).toEqual(['C1001', 'C10']);
    expect(judgePriceOverride({ ...open, categoryCodes: ['C10'] }, { priceFen: 500, hqPriceFen: 600, lineage })).toEqual({ ok: true });
  });

  it('never lets a price through that is more than N % from HQ’s', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 100 }), (hq, price, pct) => {
        const ok = judgePriceOverride({ ...open, maxDeltaPercent: pct }, { priceFen: price, hqPriceFen: hq, lineage: [] }).ok;
        expect(ok).toBe(Math.abs(price - hq) * 100 <= pct * hq);
      }),
    );
  });

  it('takes the store’s policy, else its region’s, else the chain’s, else none', () => {
    const settings = new Map([
      [priceOverridePolicyKey({ kind: 'chain' }), JSON.stringify({ allowed: false })],
      [priceOverridePolicyKey({ kind: 'region', id: 'r1' }), JSON.stringify({ allowed: true, maxDeltaPercent: 5 })],
    ]);
    expect(policyForStore(settings, { storeId: 's1', regionId: 'r1' })).toEqual({ policy: { allowed: true, maxDeltaPercent: 5, categoryCodes: null }, scope: { kind: 'region', id: 'r1' } });
    expect(policyForStore(settings, { storeId: 's2', regionId: null }).policy.allowed).toBe(false);
    expect(policyForStore(new Map(), { storeId: 's2', regionId: null })).toEqual({ policy: { allowed: false, maxDeltaPercent: null, categoryCodes: null }, scope: null });
  });

  it('lays overrides in effect over HQ’s prices; a revoked one or one the policy no longer allows does not count', () => {
    const snapshot = { categories, skus: [{ id: 'apple', categoryId: 'c-fruit' }, { id: 'cola', categoryId: 'c-drink' }], storePrices: [{ storeId: 's1', skuId: 'apple', priceFen: 900 }] };
    const overrides = [
      { storeId: 's1', skuId: 'apple', priceFen: 850, setAt: '2026-11-30T02:00:00.000Z', revokedAt: null },
      { storeId: 's1', skuId: 'cola', priceFen: 280, setAt: '2026-11-30T02:00:00.000Z', revokedAt: null },
      { storeId: 's2', skuId: 'cola', priceFen: 290, setAt: '2026-11-30T02:00:00.000Z', revokedAt: null },
    ];
    const stores = [
      { storeId: 's1', regionId: null },
      { storeId: 's2', regionId: null },
    ];
    const settings = new Map([[priceOverridePolicyKey({ kind: 'chain' }), JSON.stringify({ allowed: true, categoryCodes: ['C10', 'C30'] })]]);
    const sorted = (p: Array<{ storeId: string; skuId: string; priceFen: number }>) => [...p].sort((a, b) => `${a.storeId}${a.skuId}`.localeCompare(`${b.storeId}${b.skuId}`));
    expect(sorted(pricesWithOverrides(snapshot, { overrides, settings, stores }))).toEqual([
      { storeId: 's1', skuId: 'apple', priceFen: 850 },
      { storeId: 's1', skuId: 'cola', priceFen: 280 },
      { storeId: 's2', skuId: 'cola', priceFen: 290 },
    ]);
    // HQ revokes s1's cola after it was set, and narrows the policy to fresh food for s2.
    settings.set(revokedOverridesKey('s1'), JSON.stringify({ cola: '2026-11-30T03:00:00.000Z' }));
    settings.set(priceOverridePolicyKey({ kind: 'store', id: 's2' }), JSON.stringify({ allowed: true, categoryCodes: ['C10'] }));
    expect(sorted(pricesWithOverrides(snapshot, { overrides, settings, stores }))).toEqual([{ storeId: 's1', skuId: 'apple', priceFen: 850 }]);
    // Set again after the revocation: in effect again.
    const again = overrides.map((o) => (o.storeId === 's1' && o.skuId === 'cola' ? { ...o, priceFen: 270, setAt: '2026-11-30T04:00:00.000Z' } : o));
    expect(sorted(pricesWithOverrides(snapshot, { overrides: again, settings, stores }))).toContainEqual({ storeId: 's1', skuId: 'cola', priceFen: 270 });
  });
});
