// Points to the point: earning with exclusions and multipliers, redemption limits as the till
// shows them, expiry by year with oldest-first use, and clawbacks that add up exactly.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { thrown } from '../platform/testing/thrown';
import {
  checkRedemption,
  clawbackForReturn,
  expiringPoints,
  fenForPoints,
  maxRedeemable,
  parseEarnRules,
  parseRedeemRules,
  pointsForFen,
  pointsForSale,
  type PointsEntry,
} from './points';

const EARN = parseEarnRules({
  pointsPerYuan: '1',
  excludedCategoryIds: ['tobacco'],
  categoryMultipliers: { fresh: '2' },
});
const REDEEM = parseRedeemRules({ rate: { points: 100, fen: 100 }, maxPercentOfSale: '50', minPoints: 100 });
const GOLD = { pointsMultiplier: '1.5' };

const shanghai = (local: string) => new Date(`${local}+08:00`);

describe('rules', () => {
  it('fills defaults and refuses bad settings naming the field', () => {
    expect(parseEarnRules({ pointsPerYuan: '0.5' })).toEqual({ pointsPerYuan: '0.5', excludedCategoryIds: [], categoryMultipliers: {} });
    const error = thrown(() => parseEarnRules({ pointsPerYuan: '1', categoryMultipliers: { fresh: 'two' } }));
    expect(error.code).toBe('POINTS_RULES_INVALID');
    expect(error.message).toBe('The earn rules categoryMultipliers.fresh: write a multiplier such as "1" or "1.5".');
    expect(thrown(() => parseRedeemRules({ rate: { points: 0, fen: 100 }, maxPercentOfSale: '50', minPoints: 0 })).message).toContain(
      'The redemption rules rate.points:',
    );
    expect(thrown(() => parseRedeemRules({ rate: { points: 100, fen: 100 }, maxPercentOfSale: '150', minPoints: 0 })).message).toContain(
      'maxPercentOfSale: must be at most 100',
    );
  });
});

describe('pointsForSale', () => {
  it('earns a point per yuan, nothing on excluded categories, double on fresh, ×1.5 for gold, rounded down once', () => {
    const lines = [
      { categoryId: 'grocery', paidFen: 5_990 }, // 59.90
      { categoryId: 'fresh', paidFen: 1_234 }, // 12.34 × 2 = 24.68
      { categoryId: 'tobacco', paidFen: 2_500 }, // excluded
    ];
    expect(pointsForSale(EARN, null, lines, 0)).toBe(84); // 84.58
    expect(pointsForSale(EARN, GOLD, lines, 0)).toBe(126); // 126.87
    expect(pointsForSale({ ...EARN, promotionMultiplier: '2' }, GOLD, lines, 0)).toBe(253); // 253.74
  });

  it('earns nothing on what was paid with points, taken from every line in proportion', () => {
    // ¥97.24 paid, ¥20.00 of it with points: grocery 5990 − 1232, fresh 1234 − 254, tobacco 2500 − 514 (excluded)
    const lines = [
      { categoryId: 'grocery', paidFen: 5_990 },
      { categoryId: 'fresh', paidFen: 1_234 },
      { categoryId: 'tobacco', paidFen: 2_500 },
    ];
    expect(pointsForSale(EARN, null, lines, 2_000)).toBe(67); // 47.58 + 9.80 × 2 = 67.18
    expect(pointsForSale(EARN, null, lines, 9_724)).toBe(0);
  });

  it('handles fractions of a point per yuan exactly and an empty sale', () => {
    expect(pointsForSale({ ...EARN, pointsPerYuan: '0.1' }, null, [{ categoryId: 'g', paidFen: 99_999 }], 0)).toBe(99);
    expect(pointsForSale(EARN, GOLD, [], 0)).toBe(0);
  });

  it('refuses amounts that cannot be', () => {
    expect(thrown(() => pointsForSale(EARN, null, [{ categoryId: 'g', paidFen: 100 }], 101)).code).toBe('VALIDATION_FAILED');
    expect(thrown(() => pointsForSale(EARN, null, [{ categoryId: 'g', paidFen: -1 }], 0)).code).toBe('VALIDATION_FAILED');
    expect(thrown(() => pointsForSale(EARN, null, [{ categoryId: 'g', paidFen: 1.5 }], 0)).code).toBe('VALIDATION_FAILED');
  });

  it('property: one line earns what the same total split over lines earns, never more than the unrounded amount', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 1, maxLength: 8 }), (amounts) => {
        const total = amounts.reduce((s, a) => s + a, 0);
        const split = pointsForSale(EARN, GOLD, amounts.map((paidFen) => ({ categoryId: 'grocery', paidFen })), 0);
        expect(split).toBe(pointsForSale(EARN, GOLD, [{ categoryId: 'grocery', paidFen: total }], 0));
        expect(split).toBe(Math.floor((total * 3) / 200));
      }),
    );
  });

  it('property: paying more with points never earns more', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ categoryId: fc.constantFrom('grocery', 'fresh', 'tobacco'), paidFen: fc.nat({ max: 100_000 }) }), { minLength: 1, maxLength: 6 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (lines, a, b) => {
          const total = lines.reduce((s, l) => s + l.paidFen, 0);
          const [low, high] = [Math.floor(total * Math.min(a, b)), Math.floor(total * Math.max(a, b))];
          expect(pointsForSale(EARN, GOLD, lines, high)).toBeLessThanOrEqual(pointsForSale(EARN, GOLD, lines, low));
        },
      ),
    );
  });
});

describe('redemption', () => {
  it('converts exactly at 100 points = ¥1', () => {
    expect(fenForPoints(REDEEM, 1_234)).toBe(1_234);
    expect(pointsForFen(REDEEM, 500)).toBe(500);
  });

  it('converts in whole steps when a point is not a whole fen', () => {
    const rules = { ...REDEEM, rate: { points: 200, fen: 100 } }; // 2 points a fen
    expect(fenForPoints(rules, 1_000)).toBe(500);
    expect(pointsForFen(rules, 333)).toBe(666);
    expect(thrown(() => fenForPoints(rules, 999)).message).toBe('Points are redeemed in steps of 2; 999 is not a multiple.');
    const thirds = { ...REDEEM, rate: { points: 100, fen: 300 } }; // 1 point = 3 fen
    expect(thrown(() => pointsForFen(thirds, 100)).message).toBe('Points pay in steps of 3 fen; 100 fen is not a multiple.');
  });

  it('property: pointsForFen and fenForPoints are inverse on whole steps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1000 }), fc.nat({ max: 100_000 }), (p, f, steps) => {
        const rules = { ...REDEEM, rate: { points: p, fen: f } };
        const g = gcdOf(p, f);
        const points = (steps * p) / g;
        const fen = fenForPoints(rules, points);
        expect(fen).toBe((steps * f) / g);
        expect(pointsForFen(rules, fen)).toBe(points);
      }),
    );
  });

  it('caps at 50 % of the sale, rounded down, at the balance and at what is due', () => {
    expect(maxRedeemable(12_345, 10_000, REDEEM)).toEqual({ points: 5_000, fen: 5_000 });
    expect(maxRedeemable(12_345, 9_999, REDEEM)).toEqual({ points: 4_999, fen: 4_999 });
    expect(maxRedeemable(3_210, 10_000, REDEEM)).toEqual({ points: 3_210, fen: 3_210 });
    // Second points tender on a ¥100 sale, ¥30 already paid with points, ¥40 still due: ¥20 of cap left.
    expect(maxRedeemable(12_345, 4_000, REDEEM, { saleTotalFen: 10_000, redeemedFen: 3_000 })).toEqual({ points: 2_000, fen: 2_000 });
    expect(maxRedeemable(12_345, 4_000, REDEEM, { saleTotalFen: 10_000, redeemedFen: 5_000 })).toEqual({ points: 0, fen: 0 });
  });

  it('offers nothing under the minimum, and whole steps only', () => {
    expect(maxRedeemable(99, 10_000, REDEEM)).toEqual({ points: 0, fen: 0 });
    expect(maxRedeemable(150, 150, REDEEM)).toEqual({ points: 0, fen: 0 }); // cap 75 < 100 points
    expect(maxRedeemable(12_345, 10_000, { ...REDEEM, rate: { points: 100, fen: 300 } })).toEqual({ points: 1_666, fen: 4_998 });
    expect(maxRedeemable(-50, 10_000, REDEEM)).toEqual({ points: 0, fen: 0 });
  });

  it('returns a refusal the till can show, not an exception', () => {
    expect(checkRedemption(5_000, 10_000, REDEEM, 3_000)).toEqual({ ok: true, points: 3_000, fen: 3_000 });
    expect(checkRedemption(80, 10_000, REDEEM, 100)).toEqual({
      ok: false,
      code: 'POINTS_INSUFFICIENT',
      message: 'The member has 80 points; 100 were asked for.',
      balance: 80,
    });
    expect(checkRedemption(5_000, 10_000, REDEEM, 50)).toMatchObject({ ok: false, code: 'POINTS_BELOW_MINIMUM', minPoints: 100 });
    expect(checkRedemption(5_000, 10_000, REDEEM, 0)).toMatchObject({ ok: false, code: 'POINTS_BELOW_MINIMUM' });
    expect(checkRedemption(9_000, 10_000, REDEEM, 6_000)).toMatchObject({ ok: false, code: 'POINTS_OVER_LIMIT', maxPoints: 5_000 });
    expect(checkRedemption(9_000, 10_000, { ...REDEEM, rate: { points: 200, fen: 100 } }, 101)).toMatchObject({
      ok: false,
      code: 'POINTS_NOT_WHOLE_STEP',
      step: 2,
    });
  });

  it('property: what maxRedeemable offers always passes checkRedemption, and one step more does not', () => {
    fc.assert(
      fc.property(fc.nat({ max: 50_000 }), fc.nat({ max: 50_000 }), fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 500 }), (balance, due, p, f) => {
        const rules = { ...REDEEM, rate: { points: p, fen: f } };
        const offer = maxRedeemable(balance, due, rules);
        expect(offer.fen).toBeLessThanOrEqual(Math.floor(due / 2));
        expect(offer.points).toBeLessThanOrEqual(balance);
        if (offer.points > 0) expect(checkRedemption(balance, due, rules, offer.points)).toEqual({ ok: true, ...offer });
        const step = p / gcdOf(p, f);
        expect(checkRedemption(balance, due, rules, offer.points + step).ok).toBe(false);
      }),
    );
  });
});

describe('expiringPoints', () => {
  const earn = (local: string, points: number): PointsEntry => ({ at: shanghai(local), points, kind: 'earn' });
  const redeem = (local: string, points: number): PointsEntry => ({ at: shanghai(local), points: -points, kind: 'redeem' });

  it('points of a year last to the end of the next year, in the store’s time zone', () => {
    const ledger = [
      earn('2024-05-01T10:00:00', 300),
      earn('2024-12-31T23:30:00', 200), // 2024 in Shanghai, already 2024-12-31T15:30Z
      earn('2025-01-01T00:10:00', 400), // 2025 in Shanghai, still 2024-12-31 in UTC
    ];
    expect(expiringPoints(ledger, 'end_of_next_year', shanghai('2025-06-01T00:00:00'))).toEqual([
      { lastDay: '2025-12-31', points: 500, due: false },
      { lastDay: '2026-12-31', points: 400, due: false },
    ]);
    expect(expiringPoints(ledger, 'end_of_next_year', shanghai('2025-12-31T23:59:59'))[0]?.due).toBe(false);
    expect(expiringPoints(ledger, 'end_of_next_year', shanghai('2026-01-01T00:00:00'))[0]).toEqual({ lastDay: '2025-12-31', points: 500, due: true });
    // In UTC all three fall in 2024.
    expect(expiringPoints(ledger, 'end_of_next_year', shanghai('2026-01-01T08:00:00'), 'UTC')).toEqual([{ lastDay: '2025-12-31', points: 900, due: true }]);
  });

  it('redemptions use the oldest points first', () => {
    const ledger = [earn('2024-03-01T10:00:00', 300), earn('2025-03-01T10:00:00', 500), redeem('2025-04-01T10:00:00', 350)];
    expect(expiringPoints(ledger, 'end_of_next_year', shanghai('2025-06-01T00:00:00'))).toEqual([{ lastDay: '2026-12-31', points: 450, due: false }]);
  });

  it('what the expiry job wrote off is gone; a clawback beyond the balance is settled by the next points', () => {
    const ledger: PointsEntry[] = [
      earn('2024-03-01T10:00:00', 300),
      earn('2025-03-01T10:00:00', 500),
      { at: shanghai('2026-01-01T02:00:00'), points: -300, kind: 'expire' },
      { at: shanghai('2026-02-01T10:00:00'), points: -700, kind: 'clawback' },
      earn('2026-03-01T10:00:00', 1_000),
    ];
    expect(expiringPoints(ledger, 'end_of_next_year', shanghai('2026-06-01T00:00:00'))).toEqual([{ lastDay: '2027-12-31', points: 800, due: false }]);
  });

  it('orders the ledger by time, input order on ties', () => {
    const ledger = [redeem('2025-04-01T10:00:00', 100), earn('2024-03-01T10:00:00', 300), earn('2025-03-01T10:00:00', 200)];
    expect(expiringPoints(ledger, 'end_of_next_year', shanghai('2025-06-01T00:00:00'))).toEqual([
      { lastDay: '2025-12-31', points: 200, due: false },
      { lastDay: '2026-12-31', points: 200, due: false },
    ]);
  });

  it('refuses an entry whose sign its kind cannot have', () => {
    const error = thrown(() => expiringPoints([earn('2025-01-01T00:00:00', -5)], 'end_of_next_year', new Date()));
    expect(error.message).toBe('Points ledger entry 1 (earn) has -5 points, which that kind cannot have.');
  });

  it('property: the points listed add up to the balance when it is positive, and are never negative', () => {
    const entry = fc.oneof(
      fc.record({ day: fc.nat({ max: 1500 }), points: fc.integer({ min: 1, max: 1000 }), kind: fc.constant('earn' as const) }),
      fc.record({ day: fc.nat({ max: 1500 }), points: fc.integer({ min: -1000, max: -1 }), kind: fc.constantFrom('redeem' as const, 'clawback' as const) }),
    );
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 30 }), (raw) => {
        const ledger = raw.map((e) => ({ at: new Date(Date.UTC(2023, 0, 1 + e.day)), points: e.points, kind: e.kind }));
        const balance = ledger.reduce((s, e) => s + e.points, 0);
        const rows = expiringPoints(ledger, 'end_of_next_year', new Date(Date.UTC(2027, 0, 1)));
        expect(rows.reduce((s, r) => s + r.points, 0)).toBe(Math.max(0, balance));
        for (const row of rows) expect(row.points).toBeGreaterThan(0);
      }),
    );
  });
});

describe('clawbackForReturn', () => {
  it('claws back in proportion, rounding up, and the parts add up to what was earned', () => {
    expect(clawbackForReturn(100, 10_000, 2_550)).toBe(26);
    expect(clawbackForReturn(100, 10_000, 7_450, 2_550)).toBe(74);
    expect(clawbackForReturn(85, 9_724, 1)).toBe(1);
    expect(clawbackForReturn(85, 9_724, 9_724)).toBe(85);
    expect(clawbackForReturn(0, 9_724, 5_000)).toBe(0);
    expect(clawbackForReturn(0, 0, 0)).toBe(0);
  });

  it('refuses returning more than the sale', () => {
    expect(thrown(() => clawbackForReturn(100, 10_000, 5_000, 5_001)).message).toBe("Returns of 10001 fen exceed the sale's 10000 fen.");
  });

  it('property: the clawbacks of any partition of the sale add up to exactly the points earned', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 12 }), (earned, parts) => {
        const saleNetFen = parts.reduce((s, p) => s + p, 0);
        let returned = 0;
        let clawed = 0;
        for (const part of parts) {
          const points = clawbackForReturn(earned, saleNetFen, part, returned);
          expect(points).toBeGreaterThanOrEqual(0);
          returned += part;
          clawed += points;
          // After each return at least the exact share of the goods given back is clawed back.
          expect(clawed * saleNetFen).toBeGreaterThanOrEqual(earned * returned);
        }
        expect(clawed).toBe(earned);
      }),
    );
  });

  it('property: after any returns the member keeps no more than the share of goods still held', () => {
    fc.assert(
      fc.property(fc.nat({ max: 100_000 }), fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (earned, net, fraction) => {
        const returned = Math.floor(net * fraction);
        const kept = earned - clawbackForReturn(earned, net, returned);
        expect(kept * net).toBeLessThanOrEqual(earned * (net - returned));
      }),
    );
  });
});

function gcdOf(a: number, b: number): number {
  return b === 0 ? a : gcdOf(b, a % b);
}
