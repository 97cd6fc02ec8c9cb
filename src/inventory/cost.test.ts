import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { costOfQty, movingAverageCost } from './cost';
import { countVariance, varianceTotals } from './count-variance';
import { reorderSuggestion } from './reorder';

describe('moving average cost, to the fen, half-even', () => {
  it('averages 10 @ ¥1.00 with 5 @ ¥1.15 to ¥1.05', () => {
    expect(movingAverageCost({ onHand: 10, avgCostFen: 100 }, { qty: 5, unitCostFen: 115 })).toBe(105);
  });

  it('rounds a half fen to even: 1 @ 101 + 1 @ 102 = 101.5 → 102; 1 @ 100 + 1 @ 101 = 100.5 → 100', () => {
    expect(movingAverageCost({ onHand: 1, avgCostFen: 101 }, { qty: 1, unitCostFen: 102 })).toBe(102);
    expect(movingAverageCost({ onHand: 1, avgCostFen: 100 }, { qty: 1, unitCostFen: 101 })).toBe(100);
  });

  it('takes the receipt cost when nothing (or less than nothing) was on hand, or no average yet', () => {
    expect(movingAverageCost({ onHand: 0, avgCostFen: 500 }, { qty: 3, unitCostFen: 120 })).toBe(120);
    expect(movingAverageCost({ onHand: -4, avgCostFen: 500 }, { qty: 3, unitCostFen: 120 })).toBe(120);
    expect(movingAverageCost({ onHand: 7, avgCostFen: null }, { qty: 3, unitCostFen: 120 })).toBe(120);
  });

  it('stays between the two costs it averages', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), (onHand, avg, qty, cost) => {
        const result = movingAverageCost({ onHand, avgCostFen: avg }, { qty, unitCostFen: cost });
        expect(result).toBeGreaterThanOrEqual(Math.min(avg, cost));
        expect(result).toBeLessThanOrEqual(Math.max(avg, cost));
      }),
    );
  });

  it('costs grams of a weighed item per kg: 1,250 g at ¥19.99/kg = ¥24.99 (2498.75 → 2499)', () => {
    expect(costOfQty('kg', 1250, 1999)).toBe(2499);
    expect(costOfQty('kg', 500, 1001)).toBe(500); // 500.5 → 500 (even)
    expect(costOfQty('piece', 3, 250)).toBe(750);
  });
});

describe('count variance', () => {
  const cost = (skuId: string) => ({ unit: skuId === 'apples' ? ('kg' as const) : ('piece' as const), unitCostFen: skuId === 'apples' ? 800 : 150 });

  it('counts what was scanned against on hand, and an unscanned SKU in scope as 0', () => {
    const onHand = new Map([
      ['cola', 10],
      ['chips', 4],
      ['apples', 2000],
      ['other', 3],
    ]);
    const counted = new Map([
      ['cola', 8],
      ['chips', 5],
      ['apples', 1500],
    ]);
    const lines = countVariance(onHand, counted, ['cola', 'chips', 'apples'], cost);
    expect(lines.map((l) => [l.skuId, l.expected, l.counted, l.difference, l.varianceFen])).toEqual([
      ['apples', 2000, 1500, -500, -400],
      ['chips', 4, 5, 1, 150],
      ['cola', 10, 8, -2, -300],
    ]);
    expect(varianceTotals(lines)).toEqual({ overQty: 1, shortQty: 502, overFen: 150, shortFen: 700, netFen: -550 });
    // In a full count, 'other' (never scanned) is missing entirely.
    const full = countVariance(onHand, counted, onHand.keys(), cost);
    expect(full.find((l) => l.skuId === 'other')).toMatchObject({ expected: 3, counted: 0, difference: -3, varianceFen: -450 });
  });
});

describe('reorder suggestions', () => {
  it('orders back up to the min level when nothing sells', () => {
    expect(reorderSuggestion({ onHand: 3, minQty: 10, soldLast28: 0 }, 14)).toEqual({ suggestQty: 7, reason: 'min_level', daysOfCover: null, perDay: 0 });
  });
  it('orders for 14 days of cover at the 28-day pace when that is more', () => {
    expect(reorderSuggestion({ onHand: 5, minQty: 10, soldLast28: 56 }, 14)).toEqual({ suggestQty: 23, reason: 'cover', daysOfCover: 2.5, perDay: 2 });
  });
  it('suggests nothing when stock covers both', () => {
    expect(reorderSuggestion({ onHand: 40, minQty: 10, soldLast28: 56 }, 14)).toBeNull();
    expect(reorderSuggestion({ onHand: 0, minQty: null, soldLast28: 0 }, 14)).toBeNull();
  });
});
