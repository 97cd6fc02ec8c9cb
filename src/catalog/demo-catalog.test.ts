import { describe, expect, it } from 'vitest';
import { isValidGtin } from './barcode';
import { generateDemoCatalog } from './demo-catalog';

describe('generateDemoCatalog', () => {
  const { categories, skus } = generateDemoCatalog({ products: 20_000, seed: 42 });
  const byCode = new Map(skus.map((sku) => [sku.code, sku]));

  it('is the same for a seed and differs between seeds', () => {
    expect(generateDemoCatalog({ products: 20_000, seed: 42 })).toEqual({ categories, skus });
    expect(generateDemoCatalog({ products: 500, seed: 43 }).skus).not.toEqual(generateDemoCatalog({ products: 500, seed: 42 }).skus);
    expect(generateDemoCatalog({ products: 3, seed: 1 }).skus.map((s) => s.name)).toEqual(['都乐 牛油果 礼盒 2.5kg', '金锣 鸡胸肉 盒装 400g', '现做 白切鸡']);
  });

  it('makes exactly the number of products asked for, with unique codes, all active', () => {
    expect(skus).toHaveLength(20_000);
    expect(byCode.size).toBe(20_000);
    expect(skus[0]?.code).toBe('P000001');
    expect(skus.every((sku) => sku.active)).toBe(true);
    for (const n of [0, 1, 2, 7, 101]) expect(generateDemoCatalog({ products: n }).skus).toHaveLength(n);
  });

  it('builds a two-level category tree with the VAT rates in use', () => {
    const codes = new Set(categories.map((c) => c.code));
    expect(codes.size).toBe(categories.length);
    for (const c of categories) {
      if (c.parentCode !== null) expect(categories.find((p) => p.code === c.parentCode)?.parentCode).toBeNull();
    }
    expect(new Set(categories.map((c) => c.vatRate))).toEqual(new Set(['0.13', '0.09', '0.06', '0']));
    expect(categories.find((c) => c.code === 'C10')).toEqual({ code: 'C10', name: '生鲜', parentCode: null, vatRate: '0.09' });
    expect(skus.every((sku) => codes.has(sku.categoryCode))).toBe(true);
    const leaves = new Set(categories.filter((c) => c.parentCode !== null).map((c) => c.code));
    expect(skus.every((sku) => leaves.has(sku.categoryCode))).toBe(true);
  });

  it('gives each packaged SKU one or two valid, unique 690–699 EAN-13 barcodes', () => {
    const all = skus.flatMap((sku) => sku.barcodes);
    expect(new Set(all).size).toBe(all.length);
    expect(all.every((code) => isValidGtin(code) && /^69\d{11}$/.test(code))).toBe(true);
    const packed = skus.filter((sku) => sku.plu === null);
    expect(packed.every((sku) => sku.unit === 'piece' && sku.barcodes.length >= 1 && sku.barcodes.length <= 2)).toBe(true);
  });

  it('sells about 4% by weight and 1% by price label, under unique 5-digit PLUs and without barcodes', () => {
    const scaled = skus.filter((sku) => sku.plu !== null);
    const plus = scaled.map((sku) => sku.plu ?? '');
    expect(new Set(plus).size).toBe(plus.length);
    expect(plus.every((plu) => /^\d{5}$/.test(plu))).toBe(true);
    expect(scaled.every((sku) => sku.barcodes.length === 0 && sku.components.length === 0)).toBe(true);

    const weighed = skus.filter((sku) => sku.unit === 'kg');
    expect(weighed.length / skus.length).toBeCloseTo(0.04, 2);
    expect(weighed.every((sku) => sku.plu !== null && ['C1001', 'C1002', 'C1003', 'C1004'].includes(sku.categoryCode))).toBe(true);
    const labelled = scaled.filter((sku) => sku.unit === 'piece');
    expect(labelled.length / skus.length).toBeCloseTo(0.01, 2);
    expect(labelled.every((sku) => ['C1005', 'C1006'].includes(sku.categoryCode))).toBe(true);
  });

  it('makes about 1% bundles of 2–3 earlier packaged SKUs, priced at 85–95% of their list total', () => {
    const bundles = skus.filter((sku) => sku.components.length > 0);
    expect(bundles.length / skus.length).toBeCloseTo(0.01, 2);
    for (const bundle of bundles) {
      expect(bundle.components.length).toBeGreaterThanOrEqual(2);
      expect(bundle.components.length).toBeLessThanOrEqual(3);
      expect(new Set(bundle.components.map((c) => c.skuCode)).size).toBe(bundle.components.length);
      let listFen = 0;
      for (const { skuCode, qty } of bundle.components) {
        const component = byCode.get(skuCode);
        expect(component && component.code < bundle.code).toBe(true);
        expect(component?.unit).toBe('piece');
        expect(component?.plu).toBeNull();
        expect(component?.components).toEqual([]);
        expect([1, 2]).toContain(qty);
        listFen += (component?.priceFen ?? 0) * qty;
      }
      expect(bundle.priceFen * 100).toBeGreaterThanOrEqual(listFen * 85);
      expect(bundle.priceFen * 100).toBeLessThanOrEqual(listFen * 95);
    }
  });

  it('prices every SKU above its cost, and cost at 60–85% of price', () => {
    const wrong = skus.filter(
      (sku) =>
        !Number.isSafeInteger(sku.priceFen) ||
        !Number.isSafeInteger(sku.costFen) ||
        !(sku.priceFen > sku.costFen && sku.costFen > 0) ||
        (sku.components.length === 0 && !(sku.costFen >= Math.floor(sku.priceFen * 0.6) && sku.costFen < sku.priceFen * 0.85)),
    );
    expect(wrong).toEqual([]);
  });

  it('makes the 200,000-product demo with unique barcodes and PLUs', () => {
    const big = generateDemoCatalog({ products: 200_000 });
    expect(big.skus).toHaveLength(200_000);
    const barcodes = big.skus.flatMap((sku) => sku.barcodes);
    expect(new Set(barcodes).size).toBe(barcodes.length);
    const plus = big.skus.flatMap((sku) => (sku.plu ? [sku.plu] : []));
    expect(new Set(plus).size).toBe(plus.length);
  });

  it('refuses a product count it cannot make', () => {
    expect(() => generateDemoCatalog({ products: -1 })).toThrow(/products must be a whole number from 0/);
    expect(() => generateDemoCatalog({ products: 1.5 })).toThrow(/products must be a whole number/);
    expect(() => generateDemoCatalog({ products: 10, seed: 0.5 })).toThrow(/seed must be a whole number/);
  });
});
