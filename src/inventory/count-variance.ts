// The variance of a stock count: per SKU, counted − expected in units and at cost. Pure: the
// service supplies what was on hand, what was counted and the costs.
import type { Unit } from '../catalog/index';
import { costOfQty } from './cost';

export interface VarianceLine {
  skuId: string;
  expected: number;
  counted: number;
  /** counted − expected: above 0 found more, below 0 missing. */
  difference: number;
  unitCostFen: number;
  /** The difference at cost, signed like it. */
  varianceFen: number;
}

export interface VarianceTotals {
  /** Quantities found beyond the ledger and missing from it (both ≥ 0, in each SKU's unit: pieces or grams). */
  overQty: number;
  shortQty: number;
  overFen: number;
  shortFen: number;
  netFen: number;
}

/**
 * Lines for every SKU counted or in scope with stock on hand: a SKU in scope that nobody scanned
 * was counted at 0 (the shelf is the truth).
 *
 * @example countVariance(new Map([['a', 10]]), new Map([['a', 8]]), ['a'], () => ({ unit: 'piece', unitCostFen: 150 }))
 *   // [{ skuId: 'a', expected: 10, counted: 8, difference: -2, unitCostFen: 150, varianceFen: -300 }]
 */
export function countVariance(
  onHand: ReadonlyMap<string, number>,
  counted: ReadonlyMap<string, number>,
  inScope: Iterable<string>,
  costOf: (skuId: string) => { unit: Unit; unitCostFen: number },
): VarianceLine[] {
  const skus = new Set<string>(counted.keys());
  for (const id of inScope) if ((onHand.get(id) ?? 0) !== 0) skus.add(id);
  return [...skus].sort().map((skuId) => {
    const expected = onHand.get(skuId) ?? 0;
    const c = counted.get(skuId) ?? 0;
    const difference = c - expected;
    const { unit, unitCostFen } = costOf(skuId);
    const magnitude = costOfQty(unit, Math.abs(difference), unitCostFen);
    return { skuId, expected, counted: c, difference, unitCostFen, varianceFen: difference < 0 ? -magnitude : magnitude };
  });
}

export function varianceTotals(lines: readonly VarianceLine[]): VarianceTotals {
  const t: VarianceTotals = { overQty: 0, shortQty: 0, overFen: 0, shortFen: 0, netFen: 0 };
  for (const l of lines) {
    if (l.difference > 0) {
      t.overQty += l.difference;
      t.overFen += l.varianceFen;
    } else if (l.difference < 0) {
      t.shortQty -= l.difference;
      t.shortFen -= l.varianceFen;
    }
    t.netFen += l.varianceFen;
  }
  return t;
}
