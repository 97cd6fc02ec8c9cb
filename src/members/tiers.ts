// Member tiers (会员等级): the configured ladder, a member's rolling spend and visits, the tier
// those earn, the upgrade on the sale that crosses a line, and the yearly review that may demote.
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { decimalText, parseSettings } from './settings-schema';

export const TIER_RULES = ['spend', 'visits', 'spend_or_visits', 'spend_and_visits'] as const;
export type TierRule = (typeof TIER_RULES)[number];

export const tierSchema = z.object({
  code: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'use 1–32 letters, digits, "_" or "-"'),
  name: z.string().trim().min(1).max(32),
  minSpendFen: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  minVisits: z.number().int().min(0).max(1_000_000).optional(),
  rule: z.enum(TIER_RULES),
  /** Percent off the member's eligible lines, e.g. "5" for 5 % (95折). */
  discountPercent: decimalText({ decimals: 2, max: 100, hint: 'a percent such as "5" or "2.5"' }),
  /** Multiplies the points a sale earns, e.g. "1.5". */
  pointsMultiplier: decimalText({ decimals: 4, max: 100, hint: 'a multiplier such as "1" or "1.5"' }),
});

export type Tier = z.infer<typeof tierSchema>;

/** The ladder, lowest first; see `parseTiers` for the rules it must follow. */
export const tiersSchema = z.array(tierSchema).min(1, 'configure at least the entry tier').superRefine(checkLadder);

/** A member's activity over the rolling window: net spend and the number of purchases. */
export interface TierActivity {
  spendFen: number;
  visits: number;
}

/** One sale (netFen > 0) or return (netFen < 0) in a member's history. */
export interface ActivityEntry {
  at: Date;
  netFen: number;
}

/**
 * Validates a tier ladder, lowest first. The first tier is the entry tier every member starts
 * in (no thresholds). Each later tier gives the thresholds its rule uses and no others, and
 * each threshold rises strictly over the tiers below that use it. Throws TIERS_INVALID naming
 * the tier and field.
 *
 * @example parseTiers([{ code: 'normal', name: '普通', rule: 'spend', discountPercent: '0', pointsMultiplier: '1' },
 *   { code: 'silver', name: '银卡', rule: 'spend', minSpendFen: 200000, discountPercent: '2', pointsMultiplier: '1.2' }])
 */
export function parseTiers(input: unknown): Tier[] {
  return parseSettings(tiersSchema, input, 'TIERS_INVALID', (path) => {
    const index = path[0];
    if (typeof index !== 'number') return { name: 'The tier list', fieldPath: path };
    const tier = (input as Array<{ name?: unknown; code?: unknown } | undefined>)[index];
    return { name: `Tier ${String(tier?.name ?? tier?.code ?? index + 1)}`, fieldPath: path.slice(1) };
  });
}

/**
 * Net spend and visits in the `months` before `now` (after the same instant `months` earlier,
 * up to and including `now`; a day missing from a short month is clamped to its last day).
 * Returns count against spend; only sales count as visits. Spend never goes below zero, even
 * when an older sale is returned inside the window.
 *
 * @example rollingActivity([{ at: new Date('2026-01-05T10:00:00+08:00'), netFen: 12000 }], new Date('2026-06-01T00:00:00+08:00'))
 *   // { spendFen: 12000, visits: 1 }
 */
export function rollingActivity(entries: readonly ActivityEntry[], now: Date, months = 12): TierActivity {
  if (!Number.isInteger(months) || months < 1) throw new AppError('VALIDATION_FAILED', `The tier window must be a whole number of months ≥ 1, got ${months}.`);
  const from = monthsBefore(now, months).getTime();
  const to = now.getTime();
  let spendFen = 0;
  let visits = 0;
  for (const entry of entries) {
    if (!Number.isSafeInteger(entry.netFen)) throw new AppError('VALIDATION_FAILED', `An activity amount must be whole fen, got ${entry.netFen}.`);
    const t = entry.at.getTime();
    if (t <= from || t > to) continue;
    spendFen += entry.netFen;
    if (entry.netFen > 0) visits += 1;
  }
  return { spendFen: Math.max(0, spendFen), visits };
}

/**
 * The highest tier whose rule `activity` meets; the entry tier when none above is met.
 * `tiers` as `parseTiers` returns them.
 *
 * @example tierFor(tiers, { spendFen: 200000, visits: 3 }).code // 'silver' when silver starts at ¥2,000
 */
export function tierFor(tiers: readonly Tier[], activity: TierActivity): Tier {
  for (let i = tiers.length - 1; i > 0; i--) {
    const tier = tiers[i];
    if (tier && meets(tier, activity)) return tier;
  }
  const entry = tiers[0];
  if (!entry) throw new AppError('TIERS_INVALID', 'No tiers are configured. Add at least the entry tier.');
  return entry;
}

/**
 * The member's tier after a sale: upgraded at once when the sale carries the rolling activity
 * across a higher tier's line, never lowered (demotion is the yearly review's job). The sale
 * itself was priced at the old tier; the new tier's benefits apply from the next sale.
 *
 * @example upgradeOnSale('normal', tiers, { spendFen: 199000, visits: 4 }, { netFen: 1000 })
 *   // { tier: silver, upgraded: true } when silver starts at ¥2,000
 */
export function upgradeOnSale(
  currentCode: string,
  tiers: readonly Tier[],
  activityBefore: TierActivity,
  sale: Pick<ActivityEntry, 'netFen'>,
): { tier: Tier; upgraded: boolean } {
  const current = rankOf(tiers, currentCode);
  const after: TierActivity = {
    spendFen: Math.max(0, activityBefore.spendFen + sale.netFen),
    visits: activityBefore.visits + (sale.netFen > 0 ? 1 : 0),
  };
  const earned = tierFor(tiers, after);
  const earnedRank = tiers.indexOf(earned);
  if (earnedRank > current) return { tier: earned, upgraded: true };
  return { tier: tiers[current] as Tier, upgraded: false };
}

/**
 * The yearly (or otherwise scheduled) review: the member gets exactly the tier the window's
 * activity earns, which may be several levels down. `levels` is the signed change in rank.
 *
 * @example yearlyReview('gold', tiers, { spendFen: 0, visits: 0 }) // { tier: normal, change: 'downgraded', levels: -2 }
 */
export function yearlyReview(
  currentCode: string,
  tiers: readonly Tier[],
  activity: TierActivity,
): { tier: Tier; change: 'upgraded' | 'downgraded' | 'unchanged'; levels: number } {
  const current = rankOf(tiers, currentCode);
  const tier = tierFor(tiers, activity);
  const levels = tiers.indexOf(tier) - current;
  return { tier, change: levels > 0 ? 'upgraded' : levels < 0 ? 'downgraded' : 'unchanged', levels };
}

function meets(tier: Tier, activity: TierActivity): boolean {
  const spend = activity.spendFen >= (tier.minSpendFen ?? 0);
  const visits = activity.visits >= (tier.minVisits ?? 0);
  switch (tier.rule) {
    case 'spend':
      return spend;
    case 'visits':
      return visits;
    case 'spend_or_visits':
      return spend || visits;
    case 'spend_and_visits':
      return spend && visits;
  }
}

function rankOf(tiers: readonly Tier[], code: string): number {
  const rank = tiers.findIndex((t) => t.code === code);
  if (rank < 0) {
    throw new AppError('TIER_NOT_FOUND', `The member's tier "${code}" is not in the tier configuration. Restore it, or move its members to another tier first.`, {
      details: { code },
    });
  }
  return rank;
}

function usesSpend(rule: TierRule): boolean {
  return rule !== 'visits';
}

function usesVisits(rule: TierRule): boolean {
  return rule !== 'spend';
}

function checkLadder(tiers: Tier[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  let lastSpend = 0;
  let lastVisits = 0;
  tiers.forEach((tier, i) => {
    const fail = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [i, field], message });
    if (seen.has(tier.code)) fail('code', `the code "${tier.code}" is used by an earlier tier; codes must be unique`);
    seen.add(tier.code);
    if (i === 0) {
      if (tier.minSpendFen || tier.minVisits) fail('minSpendFen', 'the first tier is where every member starts; leave its thresholds out');
      return;
    }
    for (const [field, used, value, last] of [
      ['minSpendFen', usesSpend(tier.rule), tier.minSpendFen, lastSpend],
      ['minVisits', usesVisits(tier.rule), tier.minVisits, lastVisits],
    ] as const) {
      if (used && value === undefined) fail(field, `rule "${tier.rule}" needs ${field}`);
      else if (!used && value !== undefined) fail(field, `rule "${tier.rule}" does not use ${field}; remove it or change the rule`);
      else if (used && value !== undefined && value <= last) fail(field, `must be above ${last}, the tier below's, so tiers rise`);
    }
    if (usesSpend(tier.rule)) lastSpend = tier.minSpendFen ?? lastSpend;
    if (usesVisits(tier.rule)) lastVisits = tier.minVisits ?? lastVisits;
  });
}

function monthsBefore(now: Date, months: number): Date {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const d = new Date(now.getTime());
  d.setUTCFullYear(year, month, Math.min(now.getUTCDate(), lastDay));
  return d;
}
