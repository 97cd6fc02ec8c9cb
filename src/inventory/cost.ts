// Stock cost arithmetic: the moving-average cost a receipt leaves behind, and the cost of a
// quantity (pieces, or grams of an item costed per kg). Fen, half-even, decimal math only.
import Big from 'big.js';
import { roundHalfEven } from '../platform/money';
import type { Unit } from '../catalog/index';

/**
 * The cost of `qty` at `unitCostFen`: per piece, or per kg for grams of a weighed item.
 *
 * @example costOfQty('kg', 1250, 1999) // 2499 (1.25 kg × ¥19.99 = 2498.75 → 2499)
 */
export function costOfQty(unit: Unit, qty: number, unitCostFen: number): number {
  return unit === 'kg' ? roundHalfEven(new Big(qty).times(unitCostFen).div(1000)) : qty * unitCostFen;
}

/**
 * The moving-average unit cost after receiving `qty` at `unitCostFen` onto `onHand` valued at
 * `avgCostFen`: (onHand × avg + qty × cost) / (onHand + qty), rounded half-even once. Stock at
 * or below zero has no value to average with (the shelf was empty or oversold), so the receipt's
 * cost becomes the average; so does a first receipt (no average yet).
 *
 * @example movingAverageCost({ onHand: 10, avgCostFen: 100 }, { qty: 5, unitCostFen: 115 }) // 105
 */
export function movingAverageCost(before: { onHand: number; avgCostFen: number | null }, receipt: { qty: number; unitCostFen: number }): number {
  if (receipt.qty <= 0) return before.avgCostFen ?? receipt.unitCostFen;
  if (before.avgCostFen === null || before.onHand <= 0) return receipt.unitCostFen;
  const value = new Big(before.onHand).times(before.avgCostFen).plus(new Big(receipt.qty).times(receipt.unitCostFen));
  return roundHalfEven(value.div(before.onHand + receipt.qty));
}
