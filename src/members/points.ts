// Points: what a sale earns, what points are worth as a tender, which points expire when, and
// how many a return claws back. Pure arithmetic over the append-only points ledger's entries.
import Big from 'big.js';
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { allocateByLargestRemainder, assertFen } from '../platform/money';
import { businessDate } from '../platform/business-date';
import { decimalText, parseSettings } from './settings-schema';
import type { Tier } from './tiers';

const multiplier = decimalText({ decimals: 4, max: 100, hint: 'a multiplier such as "1" or "1.5"' });

export const earnRulesSchema = z.object({
  /** Points per yuan paid, e.g. "1"; "0.5" gives a point per ¥2. */
  pointsPerYuan: decimalText({ decimals: 4, max: 10_000, hint: 'points per yuan such as "1" or "0.5"' }),
  excludedCategoryIds: z.array(z.string().min(1)).default([]),
  /** Per category, e.g. { "fresh": "2" } doubles points on fresh food. */
  categoryMultipliers: z.record(z.string().min(1), multiplier).default({}),
  /** A running points promotion (e.g. "2" on member day); absent means 1. */
  promotionMultiplier: multiplier.optional(),
});
export type EarnRules = z.infer<typeof earnRulesSchema>;

export const redeemRulesSchema = z.object({
  /** `points` points are worth `fen` fen: { points: 100, fen: 100 } is 100 points = ¥1. */
  rate: z.object({ points: z.number().int().min(1).max(1_000_000), fen: z.number().int().min(1).max(1_000_000) }),
  /** At most this percent of a sale may be paid with points, e.g. "50". */
  maxPercentOfSale: decimalText({ decimals: 2, max: 100, hint: 'a percent such as "50"' }),
  /** Fewer points than this cannot be redeemed at once. */
  minPoints: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type RedeemRules = z.infer<typeof redeemRulesSchema>;

/**
 * Validates earn rules from settings; throws POINTS_RULES_INVALID naming the field.
 *
 * @example parseEarnRules({ pointsPerYuan: '1', excludedCategoryIds: ['tobacco'] }).categoryMultipliers // {}
 */
export function parseEarnRules(input: unknown): EarnRules {
  return parseSettings(earnRulesSchema, input, 'POINTS_RULES_INVALID', (path) => ({ name: 'The earn rules', fieldPath: path }));
}

/**
 * Validates redemption rules from settings; throws POINTS_RULES_INVALID naming the field.
 *
 * @example parseRedeemRules({ rate: { points: 100, fen: 100 }, maxPercentOfSale: '50', minPoints: 100 })
 */
export function parseRedeemRules(input: unknown): RedeemRules {
  return parseSettings(redeemRulesSchema, input, 'POINTS_RULES_INVALID', (path) => ({ name: 'The redemption rules', fieldPath: path }));
}

/** A sale line as points see it: its category and what the customer paid for it after discounts. */
export interface EarnLine {
  categoryId: string;
  paidFen: number;
  /** A gift taken for points earns nothing (its cash part neither). */
  gift?: boolean;
}

/**
 * Points a sale earns. Each line's paid amount, less its share of what was paid with points
 * (split over all lines in proportion, largest remainder), counts unless its category is
 * excluded; it earns `pointsPerYuan` per yuan times its category multiplier, and the sum is
 * multiplied by the tier's and the promotion's multipliers. Rounding: once per sale, down to a
 * whole point, after every multiplier, so a member never gets a point not fully earned and
 * splitting a basket over lines loses nothing.
 *
 * @example pointsForSale({ pointsPerYuan: '1', excludedCategoryIds: [], categoryMultipliers: {} },
 *   { pointsMultiplier: '1.5' }, [{ categoryId: 'grocery', paidFen: 12345 }], 0) // 185 (123.45 × 1.5 = 185.175)
 */
export function pointsForSale(
  rules: EarnRules,
  tier: Pick<Tier, 'pointsMultiplier'> | null,
  lines: readonly EarnLine[],
  paidByPointsFen: number,
): number {
  for (const line of lines) {
    assertFen(line.paidFen, 'paidFen');
    if (line.paidFen < 0) throw new AppError('VALIDATION_FAILED', `A line's paid amount cannot be negative, got ${line.paidFen} fen.`);
  }
  assertFen(paidByPointsFen, 'paidByPointsFen');
  const paidFen = lines.reduce((sum, l) => sum + l.paidFen, 0);
  if (paidByPointsFen < 0 || paidByPointsFen > paidFen) {
    throw new AppError('VALIDATION_FAILED', `${paidByPointsFen} fen paid with points is outside the sale's 0–${paidFen} fen.`);
  }
  const byPoints = lines.length === 0 ? [] : allocateByLargestRemainder(paidByPointsFen, lines.map((l) => l.paidFen));
  const excluded = new Set(rules.excludedCategoryIds);
  let earnFen = new Big(0);
  lines.forEach((line, i) => {
    if (excluded.has(line.categoryId) || line.gift) return;
    const countedFen = line.paidFen - (byPoints[i] ?? 0);
    earnFen = earnFen.plus(new Big(countedFen).times(rules.categoryMultipliers[line.categoryId] ?? '1'));
  });
  const points = earnFen
    .times(rules.pointsPerYuan)
    .div(100)
    .times(tier?.pointsMultiplier ?? '1')
    .times(rules.promotionMultiplier ?? '1')
    .round(0, Big.roundDown);
  return Number(points.toFixed(0));
}

/**
 * The fen that `points` points are worth. Redemption goes in whole steps (with 100 points = ¥3
 * a step is 100 points = 300 fen; with 100 points = ¥1 it is 1 point = 1 fen), so the value is
 * exact; a count off the step throws VALIDATION_FAILED.
 *
 * @example fenForPoints({ rate: { points: 100, fen: 100 }, maxPercentOfSale: '50', minPoints: 0 }, 1234) // 1234
 */
export function fenForPoints(rules: RedeemRules, points: number): number {
  const step = stepOf(rules);
  assertCount(points, 'points');
  if (BigInt(points) % step.points !== 0n) {
    throw new AppError('VALIDATION_FAILED', `Points are redeemed in steps of ${step.points}; ${points} is not a multiple.`, {
      details: { field: 'points', step: Number(step.points) },
    });
  }
  return Number((BigInt(points) / step.points) * step.fen);
}

/**
 * The points that pay exactly `fen`; a fen amount off the step throws VALIDATION_FAILED.
 *
 * @example pointsForFen({ rate: { points: 100, fen: 100 }, maxPercentOfSale: '50', minPoints: 0 }, 500) // 500
 */
export function pointsForFen(rules: RedeemRules, fen: number): number {
  const step = stepOf(rules);
  assertCount(fen, 'fen');
  if (BigInt(fen) % step.fen !== 0n) {
    throw new AppError('VALIDATION_FAILED', `Points pay in steps of ${step.fen} fen; ${fen} fen is not a multiple.`, {
      details: { field: 'fen', step: Number(step.fen) },
    });
  }
  return Number((BigInt(fen) / step.fen) * step.points);
}

/** What the sale's cap counts against when several points tenders go on one sale. */
export interface RedeemContext {
  /** The sale total the percent cap applies to; defaults to `dueFen`. */
  saleTotalFen?: number;
  /** Fen already paid with points on this sale. */
  redeemedFen?: number;
}

/**
 * The most points a member may redeem now: limited by the balance, the amount still due, the
 * percent cap (rounded down to a fen) and whole redemption steps; none when that is under
 * `minPoints`.
 *
 * @example maxRedeemable(12_345, 10_000, { rate: { points: 100, fen: 100 }, maxPercentOfSale: '50', minPoints: 100 })
 *   // { points: 5000, fen: 5000 }
 */
export function maxRedeemable(balance: number, dueFen: number, rules: RedeemRules, context: RedeemContext = {}): { points: number; fen: number } {
  const limitFen = redeemLimitFen(dueFen, rules, context);
  const step = stepOf(rules);
  const byBalance = balance > 0 ? BigInt(balance) / step.points : 0n;
  const steps = byBalance < BigInt(limitFen) / step.fen ? byBalance : BigInt(limitFen) / step.fen;
  const points = Number(steps * step.points);
  if (points === 0 || points < rules.minPoints) return { points: 0, fen: 0 };
  return { points, fen: Number(steps * step.fen) };
}

export type RedeemCheck =
  | { ok: true; points: number; fen: number }
  | { ok: false; code: 'POINTS_INSUFFICIENT'; message: string; balance: number }
  | { ok: false; code: 'POINTS_BELOW_MINIMUM'; message: string; minPoints: number }
  | { ok: false; code: 'POINTS_OVER_LIMIT'; message: string; maxPoints: number }
  | { ok: false; code: 'POINTS_NOT_WHOLE_STEP'; message: string; step: number };

/**
 * Checks a redemption the cashier asked for. Business refusals are returned, not thrown, for
 * the till to show: not enough points, under the minimum, over what this sale allows, or not a
 * whole step. (Two tills redeeming the same points is settled by the ledger's transaction; this
 * only judges the balance it is given.)
 *
 * @example checkRedemption(80, 10_000, rules, 100) // { ok: false, code: 'POINTS_INSUFFICIENT', balance: 80, … }
 */
export function checkRedemption(balance: number, dueFen: number, rules: RedeemRules, points: number, context: RedeemContext = {}): RedeemCheck {
  assertCount(points, 'points');
  if (points > balance) {
    return { ok: false, code: 'POINTS_INSUFFICIENT', message: `The member has ${Math.max(0, balance)} points; ${points} were asked for.`, balance };
  }
  if (points === 0 || points < rules.minPoints) {
    const minPoints = Math.max(1, rules.minPoints);
    return { ok: false, code: 'POINTS_BELOW_MINIMUM', message: `At least ${minPoints} points must be redeemed at once.`, minPoints };
  }
  const step = stepOf(rules);
  if (BigInt(points) % step.points !== 0n) {
    return { ok: false, code: 'POINTS_NOT_WHOLE_STEP', message: `Redeem points in steps of ${step.points}.`, step: Number(step.points) };
  }
  const max = maxRedeemable(balance, dueFen, rules, context);
  if (points > max.points) {
    return {
      ok: false,
      code: 'POINTS_OVER_LIMIT',
      message: `This sale allows at most ${max.points} points (${rules.maxPercentOfSale} % of the sale, and no more than is due).`,
      maxPoints: max.points,
    };
  }
  return { ok: true, points, fen: fenForPoints(rules, points) };
}

export type PointsEntryKind = 'earn' | 'redeem' | 'redeem_gift' | 'redeem_coupon' | 'clawback' | 'expire' | 'refund' | 'adjust';

/** One points ledger entry: positive credits (earn, refund of redeemed points), negative debits. */
export interface PointsEntry {
  at: Date;
  points: number;
  kind: PointsEntryKind;
}

export type ExpiryRule = 'end_of_next_year';

export interface ExpiringPoints {
  /** The last local day the points can be used. */
  lastDay: string;
  points: number;
  /** The day has passed: the expiry job writes these off now. */
  due: boolean;
}

const SIGN: Record<PointsEntryKind, 1 | -1 | 0> = { earn: 1, refund: 1, redeem: -1, redeem_gift: -1, redeem_coupon: -1, clawback: -1, expire: -1, adjust: 0 };

/**
 * Which of a member's points expire on which day. Points credited in a local calendar year
 * stay usable to the end of the next year. Debits (redemptions, clawbacks, earlier expiries)
 * use the oldest points first, so what is left of each year's points is what expires; a debit
 * beyond the balance is settled by the next credits. Rows with `due` are past their last day
 * and are what the expiry job writes off; the others are for the "points about to expire"
 * message. Refunded points count as credited on the day of the refund.
 *
 * @example expiringPoints([{ at: new Date('2025-03-01T10:00:00+08:00'), points: 500, kind: 'earn' }],
 *   'end_of_next_year', new Date('2026-06-01T00:00:00+08:00')) // [{ lastDay: '2026-12-31', points: 500, due: false }]
 */
export function expiringPoints(
  ledger: readonly PointsEntry[],
  rule: ExpiryRule,
  now: Date,
  timeZone = 'Asia/Shanghai',
): ExpiringPoints[] {
  if (rule !== 'end_of_next_year') throw new AppError('VALIDATION_FAILED', `Unknown points expiry rule "${String(rule)}".`);
  const entries = ledger.map((entry, index) => ({ entry, index })).sort((a, b) => a.entry.at.getTime() - b.entry.at.getTime() || a.index - b.index);
  const lots: Array<{ lastDay: string; left: number }> = [];
  let oldest = 0;
  let deficit = 0;
  for (const { entry, index } of entries) {
    assertEntry(entry, index);
    if (entry.points > 0) {
      const settled = Math.min(deficit, entry.points);
      deficit -= settled;
      const year = Number(businessDate(entry.at, timeZone).slice(0, 4));
      if (entry.points > settled) lots.push({ lastDay: `${year + 1}-12-31`, left: entry.points - settled });
      continue;
    }
    let debit = -entry.points;
    while (debit > 0 && oldest < lots.length) {
      const lot = lots[oldest] as { lastDay: string; left: number };
      const used = Math.min(lot.left, debit);
      lot.left -= used;
      debit -= used;
      if (lot.left === 0) oldest += 1;
    }
    deficit += debit;
  }
  const today = businessDate(now, timeZone);
  const byDay = new Map<string, number>();
  for (const lot of lots.slice(oldest)) byDay.set(lot.lastDay, (byDay.get(lot.lastDay) ?? 0) + lot.left);
  return [...byDay]
    .filter(([, points]) => points > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([lastDay, points]) => ({ lastDay, points, due: today > lastDay }));
}

/**
 * Points to claw back for a return of `returnedFen` from a sale that paid `saleNetFen` and
 * earned `earnedPoints`, after `previouslyReturnedFen` was already returned from it. Computed
 * as the change in ⌈earned × returned-so-far ÷ net⌉, so the clawbacks of any series of partial
 * returns add up to exactly the points earned, and rounding up means a member never keeps a
 * point for goods given back.
 *
 * @example clawbackForReturn(100, 10_000, 2_550) // 26 (25.5 rounded up)
 * @example clawbackForReturn(100, 10_000, 7_450, 2_550) // 74 (together with the first return: 100)
 */
export function clawbackForReturn(earnedPoints: number, saleNetFen: number, returnedFen: number, previouslyReturnedFen = 0): number {
  assertCount(earnedPoints, 'earnedPoints');
  assertCount(saleNetFen, 'saleNetFen');
  assertCount(returnedFen, 'returnedFen');
  assertCount(previouslyReturnedFen, 'previouslyReturnedFen');
  const after = previouslyReturnedFen + returnedFen;
  if (after > saleNetFen) {
    throw new AppError('VALIDATION_FAILED', `Returns of ${after} fen exceed the sale's ${saleNetFen} fen.`, { details: { field: 'returnedFen' } });
  }
  if (saleNetFen === 0) return 0;
  const share = (returned: number) => ceilDiv(BigInt(earnedPoints) * BigInt(returned), BigInt(saleNetFen));
  return Number(share(after) - share(previouslyReturnedFen));
}

function redeemLimitFen(dueFen: number, rules: RedeemRules, context: RedeemContext): number {
  assertFen(dueFen, 'dueFen');
  const totalFen = context.saleTotalFen ?? dueFen;
  assertFen(totalFen, 'saleTotalFen');
  const capFen = Number(new Big(totalFen).times(rules.maxPercentOfSale).div(100).round(0, Big.roundDown).toFixed(0));
  return Math.max(0, Math.min(dueFen, capFen - (context.redeemedFen ?? 0)));
}

function stepOf(rules: RedeemRules): { points: bigint; fen: bigint } {
  const points = BigInt(rules.rate.points);
  const fen = BigInt(rules.rate.fen);
  const g = gcd(points, fen);
  return { points: points / g, fen: fen / g };
}

function gcd(a: bigint, b: bigint): bigint {
  return b === 0n ? a : gcd(b, a % b);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

function assertCount(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AppError('VALIDATION_FAILED', `${field} must be a whole number ≥ 0, got ${value}.`, { details: { field } });
  }
}

function assertEntry(entry: PointsEntry, index: number): void {
  const sign = SIGN[entry.kind];
  const ok = Number.isSafeInteger(entry.points) && entry.points !== 0 && (sign === 0 || Math.sign(entry.points) === sign);
  if (!ok) {
    throw new AppError('VALIDATION_FAILED', `Points ledger entry ${index + 1} (${entry.kind}) has ${entry.points} points, which that kind cannot have.`, {
      details: { index, kind: entry.kind },
    });
  }
}
