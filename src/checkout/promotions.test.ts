// The pricing engine, checked against the amounts a cashier reads off the receipt, and by
// properties: totals always add up, nothing goes negative, line order changes nothing.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../platform/errors';
import { priceCart } from './promotions';
import type { PricedCart, PricingContext, PricingLine, Promotion, PromotionRule } from './pricing-types';

const NOW = new Date('2025-06-01T10:00:00+08:00');
const CTX: PricingContext = { now: NOW };
const MEMBER: PricingContext = { now: NOW, member: {} };

function piece(lineId: string, unitPriceFen: number, qty = 1, extra: Partial<PricingLine> = {}): PricingLine {
  return { lineId, skuId: `sku-${lineId}`, categoryId: 'grocery', unit: 'piece', qty, unitPriceFen, ...extra };
}

function weighed(lineId: string, grams: number, unitPriceFen: number, extra: Partial<PricingLine> = {}): PricingLine {
  return { lineId, skuId: `sku-${lineId}`, categoryId: 'produce', unit: 'kg', qty: grams, unitPriceFen, ...extra };
}

function promo(id: string, rule: PromotionRule, extra: Partial<Promotion> = {}): Promotion {
  return { id, name: id, target: { kind: 'all' }, rule, priority: 10, exclusive: false, ...extra };
}

const MAN_100_OFF_20: PromotionRule = { kind: 'threshold', thresholdFen: 10000, offFen: 2000, repeat: false };

function lineDiscounts(cart: PricedCart): number[] {
  return cart.lines.map((l) => l.discountFen);
}

function lineTotals(cart: PricedCart): number[] {
  return cart.lines.map((l) => l.totalFen);
}

function validationError(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a VALIDATION_FAILED AppError');
}

describe('list amounts', () => {
  it('multiplies pieces, and rounds weighed lines half to even', () => {
    const cart = priceCart(
      [
        piece('a', 1250, 3),
        // 1234 g at ¥15.80/kg = 1949.72 fen → ¥19.50
        weighed('b', 1234, 1580),
        // 500 g at ¥10.01/kg = 500.5 fen → 500 (half to even), 1500 g → 1501.5 → 1502
        weighed('c', 500, 1001),
        weighed('d', 1500, 1001),
      ],
      [],
      CTX,
    );
    expect(cart.lines.map((l) => l.listFen)).toEqual([3750, 1950, 500, 1502]);
    expect(cart.subtotalFen).toBe(7702);
    expect(cart.totalFen).toBe(7702);
    expect(cart.discountFen).toBe(0);
    expect(cart.promotions).toEqual([]);
  });

  it('takes a scale label’s own line price whatever qty and unit price say', () => {
    const cart = priceCart([weighed('a', 999, 1, { labelTotalFen: 2345 })], [], CTX);
    expect(cart.lines[0]?.listFen).toBe(2345);
    expect(cart.totalFen).toBe(2345);
  });
});

describe('满减 (threshold)', () => {
  it('满100减20 on ¥59.90 + ¥30.00 + ¥10.10 leaves ¥80.00, the ¥20 split 11.98 / 6.00 / 2.02', () => {
    const cart = priceCart([piece('a', 5990), piece('b', 3000), piece('c', 1010)], [promo('m', MAN_100_OFF_20, { name: '满100减20' })], CTX);
    expect(cart.subtotalFen).toBe(10000);
    expect(lineDiscounts(cart)).toEqual([1198, 600, 202]);
    expect(lineTotals(cart)).toEqual([4792, 2400, 808]);
    expect(cart.totalFen).toBe(8000);
    expect(cart.discountFen).toBe(2000);
    expect(cart.promotions).toEqual([{ promotionId: 'm', name: '满100减20', discountFen: 2000 }]);
    expect(cart.lines[0]?.promotions).toEqual([{ promotionId: 'm', name: '满100减20', discountFen: 1198 }]);
  });

  it('gives nothing one fen below the threshold', () => {
    const cart = priceCart([piece('a', 9999)], [promo('m', MAN_100_OFF_20)], CTX);
    expect(cart.totalFen).toBe(9999);
    expect(cart.promotions).toEqual([]);
    expect(cart.lines[0]?.promotions).toEqual([]);
  });

  it('repeats per full multiple only when the rule says so', () => {
    const lines = [piece('a', 25000)];
    expect(priceCart(lines, [promo('m', MAN_100_OFF_20)], CTX).totalFen).toBe(23000);
    expect(priceCart(lines, [promo('m', { ...MAN_100_OFF_20, repeat: true })], CTX).totalFen).toBe(21000);
  });

  it('never takes off more than the targeted lines cost', () => {
    const cart = priceCart([piece('a', 100)], [promo('m', { kind: 'threshold', thresholdFen: 50, offFen: 500, repeat: true })], CTX);
    expect(cart.totalFen).toBe(0);
    expect(cart.discountFen).toBe(100);
  });

  it('counts only targeted lines toward the threshold and spreads the saving over them only', () => {
    const lines = [piece('a', 8000, 1, { categoryId: 'drinks' }), piece('b', 4000, 1, { categoryId: 'drinks' }), piece('c', 9000)];
    const drinks = promo('m', MAN_100_OFF_20, { target: { kind: 'categories', categoryIds: ['drinks'] } });
    const cart = priceCart(lines, [drinks], CTX);
    // 2000 × 8000/12000 = 1333.33, 2000 × 4000/12000 = 666.67 → the odd fen goes to the larger remainder
    expect(lineDiscounts(cart)).toEqual([1333, 667, 0]);
    expect(cart.totalFen).toBe(19000);
  });
});

describe('buy X get Y', () => {
  it('buy 2 get 1 on three items of different prices makes the cheapest free', () => {
    const cart = priceCart([piece('a', 1000), piece('b', 2500), piece('c', 800)], [promo('b2g1', { kind: 'buy_x_get_y', buy: 2, get: 1 })], CTX);
    expect(lineDiscounts(cart)).toEqual([0, 0, 800]);
    expect(cart.totalFen).toBe(3500);
    expect(cart.lines[0]?.promotions).toEqual([]);
    expect(cart.promotions).toEqual([{ promotionId: 'b2g1', name: 'b2g1', discountFen: 800 }]);
  });

  it('counts units across lines and frees one unit per full group', () => {
    // 7 units → two groups of 3 → two free units, both ¥5.00 ones; the seventh unit pays full price.
    const cart = priceCart([piece('a', 1000, 4), piece('b', 500, 3)], [promo('b2g1', { kind: 'buy_x_get_y', buy: 2, get: 1 })], CTX);
    expect(lineDiscounts(cart)).toEqual([0, 1000]);
    expect(cart.totalFen).toBe(4500);
  });

  it('breaks a price tie by lineId, whatever the scan order', () => {
    const rule: PromotionRule = { kind: 'buy_x_get_y', buy: 1, get: 1 };
    const cart = priceCart([piece('b', 700), piece('a', 700)], [promo('bogo', rule)], CTX);
    expect(lineDiscounts(cart)).toEqual([0, 700]);
  });

  it('prices units at what is left after earlier promotions and ignores weighed lines', () => {
    const lines = [piece('a', 1000), piece('b', 900), weighed('c', 100, 100)];
    const half: Promotion = promo('half', { kind: 'percent_off', percent: '50' }, { priority: 1, target: { kind: 'skus', skuIds: ['sku-a'] } });
    const cart = priceCart(lines, [half, promo('bogo', { kind: 'buy_x_get_y', buy: 1, get: 1 }, { priority: 2 })], CTX);
    // a is ¥5.00 after 50 % off, cheaper than b, so a's remaining ¥5.00 is the free unit; c (10 fen) is not counted.
    expect(lineDiscounts(cart)).toEqual([1000, 0, 0]);
    expect(cart.lines[0]?.promotions.map((p) => p.promotionId)).toEqual(['half', 'bogo']);
  });
});

describe('item rules', () => {
  it('percent off rounds half to even per line', () => {
    // 10 % of 1005 = 100.5 → 100; of 1015 = 101.5 → 102
    const cart = priceCart([piece('a', 1005), piece('b', 1015)], [promo('p', { kind: 'percent_off', percent: '10' })], CTX);
    expect(lineDiscounts(cart)).toEqual([100, 102]);
  });

  it('fixed off is per piece, per kg for weighed lines, and never beyond the line', () => {
    const rule: PromotionRule = { kind: 'fixed_off', amountFen: 300 };
    const cart = priceCart([piece('a', 1000, 3), weighed('b', 1234, 1580), piece('c', 200)], [promo('f', rule)], CTX);
    // 3 × 300 = 900; 300 × 1.234 kg = 370.2 → 370; c only costs 200
    expect(lineDiscounts(cart)).toEqual([900, 370, 200]);
    expect(lineTotals(cart)).toEqual([2100, 1580, 0]);
  });

  it('special price charges the special price per piece or per kg, and never raises a price', () => {
    const rule: PromotionRule = { kind: 'special_price', priceFen: 1200 };
    const cart = priceCart([piece('a', 1500, 2), weighed('b', 1234, 1580), piece('c', 1000)], [promo('s', rule)], CTX);
    // b: 1200 × 1.234 = 1480.8 → 1481 instead of 1950
    expect(lineTotals(cart)).toEqual([2400, 1481, 1000]);
    expect(lineDiscounts(cart)).toEqual([600, 469, 0]);
  });
});

describe('stacking', () => {
  it('percent off then 满减 on what is left, in priority order', () => {
    const lines = [piece('a', 6000, 1, { categoryId: 'drinks' }), piece('b', 5000)];
    const drinks10 = promo('d10', { kind: 'percent_off', percent: '10' }, { priority: 1, target: { kind: 'categories', categoryIds: ['drinks'] } });
    // 满减 is given the lower priority number on purpose: it still runs after the item rules.
    const cart = priceCart(lines, [promo('m', MAN_100_OFF_20, { priority: 0 }), drinks10], CTX);
    // a: 6000 − 600 = 5400; 满减 base 10400 → 2000 split 1038.46 / 961.54 → 1038 / 962
    expect(lineDiscounts(cart)).toEqual([1638, 962]);
    expect(lineTotals(cart)).toEqual([4362, 4038]);
    expect(cart.totalFen).toBe(8400);
    expect(cart.promotions).toEqual([
      { promotionId: 'd10', name: 'd10', discountFen: 600 },
      { promotionId: 'm', name: 'm', discountFen: 2000 },
    ]);
  });

  it('a percent off can drop the cart below the 满减 threshold', () => {
    const lines = [piece('a', 6000, 1, { categoryId: 'drinks' }), piece('b', 4500)];
    const drinks10 = promo('d10', { kind: 'percent_off', percent: '10' }, { target: { kind: 'categories', categoryIds: ['drinks'] } });
    const cart = priceCart(lines, [drinks10, promo('m', MAN_100_OFF_20)], CTX);
    expect(cart.totalFen).toBe(9900);
    expect(cart.promotions.map((p) => p.promotionId)).toEqual(['d10']);
  });

  it('an exclusive promotion stops later ones on its line, and skips lines already discounted', () => {
    const lines = [piece('milk', 1000), piece('bread', 1000), piece('eggs', 1000)];
    const milkPrice = promo('milk', { kind: 'special_price', priceFen: 800 }, { priority: 1, exclusive: true, target: { kind: 'skus', skuIds: ['sku-milk'] } });
    const all10 = promo('all10', { kind: 'percent_off', percent: '10' }, { priority: 2 });
    const breadExclusive = promo('bread', { kind: 'fixed_off', amountFen: 500 }, { priority: 3, exclusive: true, target: { kind: 'skus', skuIds: ['sku-bread'] } });
    const cart = priceCart(lines, [all10, breadExclusive, milkPrice], CTX);
    expect(cart.lines.map((l) => l.promotions.map((p) => p.promotionId))).toEqual([['milk'], ['all10'], ['all10']]);
    expect(lineTotals(cart)).toEqual([800, 900, 900]);
  });

  it('lines under an exclusive promotion do not count toward 满减', () => {
    const lines = [piece('a', 6000), piece('b', 5000)];
    const aOnly = promo('a5', { kind: 'fixed_off', amountFen: 100 }, { exclusive: true, target: { kind: 'skus', skuIds: ['sku-a'] } });
    const cart = priceCart(lines, [aOnly, promo('m', MAN_100_OFF_20)], CTX);
    // b alone is ¥50.00, below ¥100: no 满减
    expect(cart.totalFen).toBe(10900);
  });

  it('an exclusive 满减 ignores lines that already have a promotion', () => {
    const lines = [piece('a', 6000), piece('b', 5000), piece('c', 5000)];
    const aOff = promo('a1', { kind: 'fixed_off', amountFen: 100 }, { target: { kind: 'skus', skuIds: ['sku-a'] } });
    const cart = priceCart(lines, [aOff, promo('m', MAN_100_OFF_20, { exclusive: true })], CTX);
    expect(lineDiscounts(cart)).toEqual([100, 1000, 1000]);
  });

  it('a price override gets no promotion, but the manual discount still applies', () => {
    const lines = [piece('a', 12000, 1, { priceOverridden: true, manualDiscountFen: 500 }), piece('b', 12000)];
    const cart = priceCart(lines, [promo('p', { kind: 'percent_off', percent: '10' }), promo('m', MAN_100_OFF_20)], { now: NOW, member: { tierDiscountPercent: '5' } });
    expect(cart.lines[0]?.promotions).toEqual([{ promotionId: 'manual', name: '手工折扣', discountFen: 500 }]);
    // b: 12000 − 1200 = 10800 − 2000 = 8800 − 5 % (440) = 8360
    expect(lineTotals(cart)).toEqual([11500, 8360]);
  });
});

describe('time windows and membership', () => {
  const percent: PromotionRule = { kind: 'percent_off', percent: '10' };
  const priced = (extra: Partial<Promotion>, ctx = CTX) => priceCart([piece('a', 1000)], [promo('p', percent, extra)], ctx).totalFen;

  it('applies from startsAt inclusive until endsAt exclusive', () => {
    expect(priced({ startsAt: '2025-06-01T10:00:00+08:00' })).toBe(900);
    expect(priced({ startsAt: '2025-06-01T02:00:00.001Z' })).toBe(1000);
    expect(priced({ endsAt: '2025-06-01T02:00:00Z' })).toBe(1000);
    expect(priced({ endsAt: '2025-06-01T10:00:01+08:00' })).toBe(900);
    expect(priced({ startsAt: '2025-05-01T00:00:00+08:00', endsAt: '2025-06-01T00:00:00+08:00' })).toBe(1000);
  });

  it('applies members-only promotions only when a member is present', () => {
    expect(priced({ membersOnly: true })).toBe(1000);
    expect(priced({ membersOnly: true }, MEMBER)).toBe(900);
  });
});

describe('member tier discount', () => {
  it('is taken once on the cart after promotions and spread by largest remainder', () => {
    const cart = priceCart([piece('a', 3333), piece('b', 6667)], [], { now: NOW, member: { tierDiscountPercent: '5' } });
    // 5 % of 10000 = 500: 166.65 / 333.35 → 167 / 333
    expect(lineDiscounts(cart)).toEqual([167, 333]);
    expect(cart.promotions).toEqual([{ promotionId: 'tier', name: '会员折扣', discountFen: 500 }]);
    expect(cart.lines[0]?.promotions).toEqual([{ promotionId: 'tier', name: '会员折扣', discountFen: 167 }]);
  });

  it('rounds on the total, not per line', () => {
    // Per line 5 % of 10 fen is 0.5 → 0 each; on the cart 5 % of 30 fen is 1.5 → 2.
    const cart = priceCart([piece('a', 10), piece('b', 10), piece('c', 10)], [], { now: NOW, member: { tierDiscountPercent: '5' } });
    expect(cart.discountFen).toBe(2);
    expect(lineDiscounts(cart)).toEqual([1, 1, 0]);
  });

  it('skips lines that hold an exclusive promotion', () => {
    const exclusive = promo('x', { kind: 'fixed_off', amountFen: 100 }, { exclusive: true, target: { kind: 'skus', skuIds: ['sku-a'] } });
    const cart = priceCart([piece('a', 1000), piece('b', 1000)], [exclusive], { now: NOW, member: { tierDiscountPercent: '10' } });
    expect(lineTotals(cart)).toEqual([900, 900]);
    expect(cart.lines[0]?.promotions.map((p) => p.promotionId)).toEqual(['x']);
  });
});

describe('manual discount', () => {
  it('comes last and is capped at what is left of the line', () => {
    const lines = [piece('a', 1000, 1, { manualDiscountFen: 150 }), piece('b', 1000, 1, { manualDiscountFen: 5000 })];
    const cart = priceCart(lines, [promo('p', { kind: 'percent_off', percent: '10' })], CTX);
    expect(lineTotals(cart)).toEqual([750, 0]);
    expect(cart.promotions).toEqual([
      { promotionId: 'p', name: 'p', discountFen: 200 },
      { promotionId: 'manual', name: '手工折扣', discountFen: 1050 },
    ]);
  });
});

describe('validation', () => {
  it('refuses bad lines, naming the line and the field', () => {
    const cases: [PricingLine, string][] = [
      [piece('L1', 100, 0), 'qty'],
      [piece('L1', 100, 1.5), 'qty'],
      [piece('L1', 100, Number.NaN), 'qty'],
      [piece('L1', -1), 'unitPriceFen'],
      [piece('L1', 0.5), 'unitPriceFen'],
      [piece('L1', 100, 1, { labelTotalFen: -5 }), 'labelTotalFen'],
      [piece('L1', 100, 1, { manualDiscountFen: 1.5 }), 'manualDiscountFen'],
      [piece('L1', 100, 1, { unit: 'box' as never }), 'unit'],
      [piece('L1', Number.MAX_SAFE_INTEGER, 2), 'qty'],
    ];
    for (const [line, field] of cases) {
      const error = validationError(() => priceCart([line], [], CTX));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toMatch(/^Line "L1": /);
      expect(error.message).toContain(field);
      expect(error.details).toEqual({ lineId: 'L1', field });
    }
  });

  it('refuses two lines with the same lineId', () => {
    expect(validationError(() => priceCart([piece('a', 1), piece('a', 2)], [], CTX)).message).toMatch(/Line "a": appears twice/);
  });

  it('refuses bad promotion rules, naming the promotion and the field', () => {
    const cases: [Promotion, string][] = [
      [promo('p', { kind: 'percent_off', percent: '120' }), 'rule.percent'],
      [promo('p', { kind: 'percent_off', percent: '-5' }), 'rule.percent'],
      [promo('p', { kind: 'percent_off', percent: 'ten' }), 'rule.percent'],
      [promo('p', { kind: 'buy_x_get_y', buy: 0, get: 1 }), 'rule.buy'],
      [promo('p', { kind: 'buy_x_get_y', buy: 2, get: 0 }), 'rule.get'],
      [promo('p', { kind: 'threshold', thresholdFen: 0, offFen: 100, repeat: false }), 'rule.thresholdFen'],
      [promo('p', { kind: 'threshold', thresholdFen: 100, offFen: 0, repeat: false }), 'rule.offFen'],
      [promo('p', { kind: 'fixed_off', amountFen: -1 }), 'rule.amountFen'],
      [promo('p', { kind: 'special_price', priceFen: 9.5 }), 'rule.priceFen'],
      [promo('p', MAN_100_OFF_20, { startsAt: '2025-06-01 10:00' }), 'startsAt'],
      [promo('p', MAN_100_OFF_20, { priority: Number.NaN }), 'priority'],
      [promo('tier', MAN_100_OFF_20), 'id'],
    ];
    for (const [promotion, field] of cases) {
      const error = validationError(() => priceCart([piece('a', 100)], [promotion], CTX));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toMatch(new RegExp(`^Promotion "${promotion.id}"`));
      expect(error.details).toEqual({ promotionId: promotion.id, field });
    }
  });

  it('refuses a tier percent outside 0–100 and an invalid clock', () => {
    expect(validationError(() => priceCart([], [], { now: NOW, member: { tierDiscountPercent: '101' } })).message).toMatch(/tierDiscountPercent/);
    expect(validationError(() => priceCart([], [], { now: new Date(Number.NaN) })).details).toEqual({ field: 'now' });
  });
});

describe('properties', () => {
  const lineArb = fc.record(
    {
      lineId: fc.string({ minLength: 1, maxLength: 3 }),
      skuId: fc.constantFrom('s1', 's2', 's3'),
      categoryId: fc.constantFrom('c1', 'c2'),
      unit: fc.constantFrom('piece' as const, 'kg' as const),
      qty: fc.integer({ min: 1, max: 3000 }),
      unitPriceFen: fc.integer({ min: 0, max: 20000 }),
      labelTotalFen: fc.integer({ min: 0, max: 50000 }),
      manualDiscountFen: fc.integer({ min: 0, max: 3000 }),
      priceOverridden: fc.boolean(),
    },
    { requiredKeys: ['lineId', 'skuId', 'categoryId', 'unit', 'qty', 'unitPriceFen'] },
  );
  const ruleArb: fc.Arbitrary<PromotionRule> = fc.oneof(
    fc.record({ kind: fc.constant('percent_off' as const), percent: fc.constantFrom('0', '5', '12.5', '33.33', '100') }),
    fc.record({ kind: fc.constant('fixed_off' as const), amountFen: fc.integer({ min: 0, max: 2000 }) }),
    fc.record({ kind: fc.constant('special_price' as const), priceFen: fc.integer({ min: 0, max: 20000 }) }),
    fc.record({ kind: fc.constant('buy_x_get_y' as const), buy: fc.integer({ min: 1, max: 3 }), get: fc.integer({ min: 1, max: 2 }) }),
    fc.record({
      kind: fc.constant('threshold' as const),
      thresholdFen: fc.integer({ min: 1, max: 30000 }),
      offFen: fc.integer({ min: 1, max: 5000 }),
      repeat: fc.boolean(),
    }),
  );
  const promotionArb: fc.Arbitrary<Promotion> = fc.record(
    {
      id: fc.constantFrom('p1', 'p2', 'p3', 'p4', 'p5', 'p6'),
      name: fc.constant('促销'),
      target: fc.oneof(
        fc.constant({ kind: 'all' as const }),
        fc.record({ kind: fc.constant('skus' as const), skuIds: fc.subarray(['s1', 's2', 's3']) }),
        fc.record({ kind: fc.constant('categories' as const), categoryIds: fc.subarray(['c1', 'c2']) }),
      ),
      rule: ruleArb,
      priority: fc.integer({ min: 0, max: 3 }),
      exclusive: fc.boolean(),
      startsAt: fc.constantFrom('2025-01-01T00:00:00Z', '2025-07-01T00:00:00Z'),
      membersOnly: fc.boolean(),
    },
    { requiredKeys: ['id', 'name', 'target', 'rule', 'priority', 'exclusive'] },
  );
  const ctxArb: fc.Arbitrary<PricingContext> = fc.record(
    { now: fc.constant(NOW), member: fc.record({ tierDiscountPercent: fc.constantFrom('0', '5', '8.8', '100') }, { requiredKeys: [] }) },
    { requiredKeys: ['now'] },
  );
  const cartArb = fc.tuple(
    fc.uniqueArray(lineArb, { selector: (l) => l.lineId, maxLength: 8 }),
    fc.uniqueArray(promotionArb, { selector: (p) => p.id, maxLength: 5 }),
    ctxArb,
  );

  it('line totals add up to the cart total, which is subtotal − discount, and nothing is negative', () => {
    fc.assert(
      fc.property(cartArb, ([lines, promotions, ctx]) => {
        const cart = priceCart(lines, promotions, ctx);
        expect(cart.lines.map((l) => l.lineId)).toEqual(lines.map((l) => l.lineId));
        expect(cart.lines.reduce((s, l) => s + l.totalFen, 0)).toBe(cart.totalFen);
        expect(cart.lines.reduce((s, l) => s + l.listFen, 0)).toBe(cart.subtotalFen);
        expect(cart.totalFen).toBe(cart.subtotalFen - cart.discountFen);
        for (const line of cart.lines) {
          expect(line.totalFen).toBeGreaterThanOrEqual(0);
          expect(line.discountFen).toBeGreaterThanOrEqual(0);
          expect(line.totalFen).toBe(line.listFen - line.discountFen);
          expect(line.promotions.reduce((s, p) => s + p.discountFen, 0)).toBe(line.discountFen);
          if (line.priceOverridden) expect(line.promotions.every((p) => p.promotionId === 'manual')).toBe(true);
        }
      }),
    );
  });

  it('promotion savings add up to the cart discount, and each equals what its lines received', () => {
    fc.assert(
      fc.property(cartArb, ([lines, promotions, ctx]) => {
        const cart = priceCart(lines, promotions, ctx);
        expect(cart.promotions.reduce((s, p) => s + p.discountFen, 0)).toBe(cart.discountFen);
        for (const saving of cart.promotions) {
          expect(saving.discountFen).toBeGreaterThan(0);
          const onLines = cart.lines.flatMap((l) => l.promotions).filter((p) => p.promotionId === saving.promotionId);
          expect(onLines.reduce((s, p) => s + p.discountFen, 0)).toBe(saving.discountFen);
        }
      }),
    );
  });

  it('does not depend on the order of lines or of promotions', () => {
    const shuffledArb = cartArb.chain(([lines, promotions, ctx]) =>
      fc.tuple(
        fc.constant<[PricingLine[], Promotion[], PricingContext]>([lines, promotions, ctx]),
        fc.shuffledSubarray(lines, { minLength: lines.length, maxLength: lines.length }),
        fc.shuffledSubarray(promotions, { minLength: promotions.length, maxLength: promotions.length }),
      ),
    );
    const byLineId = (cart: PricedCart) => [...cart.lines].sort((a, b) => (a.lineId < b.lineId ? -1 : a.lineId > b.lineId ? 1 : 0));
    fc.assert(
      fc.property(shuffledArb, ([[lines, promotions, ctx], shuffledLines, shuffledPromotions]) => {
        const original = priceCart(lines, promotions, ctx);
        const shuffled = priceCart(shuffledLines, shuffledPromotions, ctx);
        expect(byLineId(shuffled)).toEqual(byLineId(original));
        expect(shuffled.promotions).toEqual(original.promotions);
        expect(shuffled.totalFen).toBe(original.totalFen);
      }),
    );
  });
});
