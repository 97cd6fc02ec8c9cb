// Reorder suggestions: how much to order so a store × SKU is back at its min level and covers
// `coverDays` of sales at the last 28 days' pace. Pure; the service reads the numbers.

export const VELOCITY_DAYS = 28;

export interface ReorderInput {
  onHand: number;
  /** The store's min level for the SKU, when one is set. */
  minQty: number | null;
  /** Pieces (grams) sold in the last 28 business days. */
  soldLast28: number;
}

export interface ReorderSuggestion {
  suggestQty: number;
  /** What set the target: the min level, or the days of cover at the current pace. */
  reason: 'min_level' | 'cover';
  /** How many days the stock lasts at the current pace (null when nothing sold). */
  daysOfCover: number | null;
  perDay: number;
}

/**
 * The quantity to order, or null when the stock is enough. The target is the larger of the min
 * level and `coverDays` of sales (rounded up to whole units).
 *
 * @example reorderSuggestion({ onHand: 5, minQty: 10, soldLast28: 56 }, 14) // { suggestQty: 23, reason: 'cover', daysOfCover: 2.5, perDay: 2 }
 */
export function reorderSuggestion(input: ReorderInput, coverDays: number): ReorderSuggestion | null {
  const perDay = Math.max(0, input.soldLast28) / VELOCITY_DAYS;
  const coverTarget = Math.ceil(perDay * coverDays);
  const minTarget = input.minQty ?? 0;
  const target = Math.max(coverTarget, minTarget);
  if (input.onHand >= target || target <= 0) return null;
  return {
    suggestQty: target - input.onHand,
    reason: coverTarget > minTarget ? 'cover' : 'min_level',
    daysOfCover: perDay > 0 ? Math.round((Math.max(0, input.onHand) / perDay) * 10) / 10 : null,
    perDay: Math.round(perDay * 100) / 100,
  };
}
