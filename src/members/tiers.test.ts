// Tiers: the ladder's validation, the rolling window, the upgrade on the crossing sale to the
// fen, and the yearly review that may demote several levels.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { thrown } from '../platform/testing/thrown';
import { parseTiers, rollingActivity, tierFor, upgradeOnSale, yearlyReview, type Tier, type TierActivity } from './tiers';

const TIERS = parseTiers([
  { code: 'normal', name: '普通', rule: 'spend', discountPercent: '0', pointsMultiplier: '1' },
  { code: 'silver', name: '银卡', rule: 'spend', minSpendFen: 200_000, discountPercent: '2', pointsMultiplier: '1.2' },
  { code: 'gold', name: '金卡', rule: 'spend_or_visits', minSpendFen: 1_000_000, minVisits: 50, discountPercent: '5', pointsMultiplier: '1.5' },
  {
    code: 'diamond',
    name: '钻石',
    rule: 'spend_and_visits',
    minSpendFen: 5_000_000,
    minVisits: 100,
    discountPercent: '8.5',
    pointsMultiplier: '2',
  },
]);

const codeOf = (activity: TierActivity) => tierFor(TIERS, activity).code;

const base = { name: 'x', discountPercent: '0', pointsMultiplier: '1' };
const entry = { ...base, code: 'normal', name: '普通', rule: 'spend' };

describe('parseTiers', () => {
  it('accepts the four-tier ladder', () => {
    expect(TIERS.map((t) => t.code)).toEqual(['normal', 'silver', 'gold', 'diamond']);
  });

  it.each([
    [[], 'The tier list: configure at least the entry tier'],
    [[{ ...entry, minSpendFen: 100 }], 'Tier 普通 minSpendFen: the first tier is where every member starts'],
    [[entry, { ...base, code: 'silver', name: '银卡', rule: 'spend' }], 'Tier 银卡 minSpendFen: rule "spend" needs minSpendFen'],
    [[entry, { ...base, code: 's', name: '银卡', rule: 'spend', minSpendFen: 100, minVisits: 3 }], 'Tier 银卡 minVisits: rule "spend" does not use minVisits'],
    [
      [entry, { ...base, code: 's', name: '银卡', rule: 'spend', minSpendFen: 5000 }, { ...base, code: 'g', name: '金卡', rule: 'spend', minSpendFen: 5000 }],
      'Tier 金卡 minSpendFen: must be above 5000',
    ],
    [
      [entry, { ...base, code: 's', name: '银卡', rule: 'visits', minVisits: 10 }, { ...base, code: 'g', name: '金卡', rule: 'spend_and_visits', minSpendFen: 1, minVisits: 9 }],
      'Tier 金卡 minVisits: must be above 10',
    ],
    [[entry, { ...base, code: 'normal', name: '银卡', rule: 'visits', minVisits: 10 }], 'Tier 银卡 code: the code "normal" is used by an earlier tier'],
    [[{ ...entry, discountPercent: '101' }], 'Tier 普通 discountPercent: must be at most 100'],
    [[{ ...entry, discountPercent: '5%' }], 'Tier 普通 discountPercent: write a percent'],
    [[{ ...entry, pointsMultiplier: '-1' }], 'Tier 普通 pointsMultiplier: write a multiplier'],
    [[{ ...entry, minSpendFen: 1.5 }], 'Tier 普通 minSpendFen'],
  ])('refuses %j', (input, message) => {
    const error = thrown(() => parseTiers(input));
    expect(error.code).toBe('TIERS_INVALID');
    expect(error.message).toContain(message);
  });
});

describe('tierFor', () => {
  it.each([
    [{ spendFen: 0, visits: 0 }, 'normal'],
    [{ spendFen: 199_999, visits: 49 }, 'normal'],
    [{ spendFen: 200_000, visits: 0 }, 'silver'],
    [{ spendFen: 999_999, visits: 49 }, 'silver'],
    [{ spendFen: 1_000_000, visits: 0 }, 'gold'],
    [{ spendFen: 0, visits: 50 }, 'gold'],
    [{ spendFen: 5_000_000, visits: 99 }, 'gold'],
    [{ spendFen: 4_999_999, visits: 100 }, 'gold'],
    [{ spendFen: 5_000_000, visits: 100 }, 'diamond'],
  ])('%j → %s', (activity, code) => {
    expect(codeOf(activity)).toBe(code);
  });

  it('property: more spend or more visits never gives a lower tier', () => {
    const activity = fc.record({ spendFen: fc.nat({ max: 10_000_000 }), visits: fc.nat({ max: 200 }) });
    fc.assert(
      fc.property(activity, fc.nat({ max: 10_000_000 }), fc.nat({ max: 200 }), (a, moreFen, moreVisits) => {
        const before = TIERS.indexOf(tierFor(TIERS, a));
        const after = TIERS.indexOf(tierFor(TIERS, { spendFen: a.spendFen + moreFen, visits: a.visits + moreVisits }));
        expect(after).toBeGreaterThanOrEqual(before);
      }),
    );
  });
});

describe('rollingActivity', () => {
  const now = new Date('2026-06-15T12:00:00+08:00');

  it('counts the last 12 months: net of returns, visits from sales only', () => {
    const activity = rollingActivity(
      [
        { at: new Date('2025-06-15T12:00:00+08:00'), netFen: 90_000 }, // exactly 12 months ago: out
        { at: new Date('2025-06-15T12:00:01+08:00'), netFen: 10_000 },
        { at: new Date('2026-01-01T09:00:00+08:00'), netFen: 25_050 },
        { at: new Date('2026-01-03T09:00:00+08:00'), netFen: -5_050 },
        { at: now, netFen: 100 },
        { at: new Date('2026-06-15T12:00:01+08:00'), netFen: 70_000 }, // after now: out
      ],
      now,
    );
    expect(activity).toEqual({ spendFen: 30_100, visits: 3 });
  });

  it('takes other windows, clamps a short month, and never goes below zero spend', () => {
    const leap = new Date('2024-02-29T00:00:00Z');
    expect(rollingActivity([{ at: new Date('2023-02-28T00:00:01Z'), netFen: 1 }], leap).spendFen).toBe(1);
    expect(rollingActivity([{ at: new Date('2026-03-20T00:00:00Z'), netFen: 1 }], now, 3).visits).toBe(1);
    expect(rollingActivity([{ at: new Date('2026-03-10T00:00:00Z'), netFen: 1 }], now, 3).visits).toBe(0);
    expect(rollingActivity([{ at: now, netFen: -500 }], now)).toEqual({ spendFen: 0, visits: 0 });
  });
});

describe('upgradeOnSale', () => {
  const before = { spendFen: 190_000, visits: 12 };

  it('a sale reaching ¥2,000.00 exactly upgrades to 银卡 at once', () => {
    const result = upgradeOnSale('normal', TIERS, before, { netFen: 10_000 });
    expect(result.upgraded).toBe(true);
    expect(result.tier.code).toBe('silver');
    expect(result.tier.discountPercent).toBe('2');
  });

  it('one fen below does not', () => {
    expect(upgradeOnSale('normal', TIERS, before, { netFen: 9_999 })).toEqual({ tier: TIERS[0], upgraded: false });
  });

  it('a visit can be the crossing: the 50th purchase makes 金卡', () => {
    expect(upgradeOnSale('silver', TIERS, { spendFen: 300_000, visits: 49 }, { netFen: 1 }).tier.code).toBe('gold');
    expect(upgradeOnSale('silver', TIERS, { spendFen: 300_000, visits: 49 }, { netFen: -1 }).tier.code).toBe('silver');
  });

  it('a big sale jumps several tiers', () => {
    expect(upgradeOnSale('normal', TIERS, { spendFen: 0, visits: 99 }, { netFen: 5_000_000 })).toMatchObject({
      tier: { code: 'diamond' },
      upgraded: true,
    });
  });

  it('never lowers the tier, whatever the sale', () => {
    expect(upgradeOnSale('gold', TIERS, { spendFen: 0, visits: 0 }, { netFen: 100 })).toEqual({ tier: TIERS[2], upgraded: false });
  });

  it('property: the tier after a sale is the higher of the current tier and the tier earned', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TIERS.map((t) => t.code)),
        fc.record({ spendFen: fc.nat({ max: 6_000_000 }), visits: fc.nat({ max: 120 }) }),
        fc.integer({ min: -100_000, max: 2_000_000 }),
        (code, activity, netFen) => {
          const current = TIERS.findIndex((t) => t.code === code);
          const { tier, upgraded } = upgradeOnSale(code, TIERS, activity, { netFen });
          const rank = TIERS.indexOf(tier);
          expect(rank).toBeGreaterThanOrEqual(current);
          expect(upgraded).toBe(rank > current);
        },
      ),
    );
  });

  it('refuses a tier that is no longer configured', () => {
    expect(() => upgradeOnSale('platinum', TIERS, before, { netFen: 1 })).toThrow(/"platinum" is not in the tier configuration/);
  });
});

describe('yearlyReview', () => {
  it('demotes by as many levels as the year earns', () => {
    expect(yearlyReview('diamond', TIERS, { spendFen: 250_000, visits: 10 })).toMatchObject({
      tier: { code: 'silver' },
      change: 'downgraded',
      levels: -2,
    });
    expect(yearlyReview('gold', TIERS, { spendFen: 0, visits: 0 })).toMatchObject({ tier: { code: 'normal' }, levels: -2 });
  });

  it('keeps a tier still earned', () => {
    expect(yearlyReview('gold', TIERS, { spendFen: 0, visits: 50 })).toMatchObject({ tier: { code: 'gold' }, change: 'unchanged', levels: 0 });
  });

  it('property: the review gives exactly the tier the activity earns', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TIERS.map((t) => t.code)),
        fc.record({ spendFen: fc.nat({ max: 6_000_000 }), visits: fc.nat({ max: 120 }) }),
        (code, activity) => {
          const review = yearlyReview(code, TIERS, activity);
          const earned: Tier = tierFor(TIERS, activity);
          expect(review.tier).toBe(earned);
          expect(review.levels).toBe(TIERS.indexOf(earned) - TIERS.findIndex((t) => t.code === code));
        },
      ),
    );
  });
});
