import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocateByLargestRemainder, applyRate, formatMoney, formatYuan, parseYuan, roundHalfEven } from './money';

describe('parseYuan / formatYuan', () => {
  it('parses yuan strings exactly into fen', () => {
    expect(parseYuan('12.34')).toBe(1234);
    expect(parseYuan('0.1')).toBe(10);
    expect(parseYuan('-0.05')).toBe(-5);
    expect(parseYuan('100')).toBe(10000);
    // 0.1 + 0.2 in floating point is 0.30000000000000004; here it is simply 30 fen.
    expect(parseYuan('0.3')).toBe(parseYuan('0.1') + parseYuan('0.2'));
  });

  it('refuses what is not a yuan amount, naming the field', () => {
    expect(() => parseYuan('12.345', 'price')).toThrow(/price "12.345" is not a yuan amount/);
    expect(() => parseYuan('1e3')).toThrow(/not a yuan amount/);
    expect(() => parseYuan('')).toThrow(/not a yuan amount/);
    expect(() => parseYuan('¥5')).toThrow(/not a yuan amount/);
  });

  it('formats fen as yuan and as money with ¥', () => {
    expect(formatYuan(1234)).toBe('12.34');
    expect(formatYuan(-5)).toBe('-0.05');
    expect(formatYuan(0)).toBe('0.00');
    expect(formatMoney(199900)).toBe('¥1999.00');
    expect(formatMoney(-250)).toBe('-¥2.50');
  });

  it('parse ∘ format is the identity on fen', () => {
    fc.assert(fc.property(fc.integer({ min: -1e13, max: 1e13 }), (fen) => parseYuan(formatYuan(fen)) === fen));
  });
});

describe('rounding and rates', () => {
  it('rounds half to even', () => {
    expect(roundHalfEven('2.5')).toBe(2);
    expect(roundHalfEven('3.5')).toBe(4);
    expect(roundHalfEven('-2.5')).toBe(-2);
    expect(roundHalfEven('2.5000001')).toBe(3);
  });

  it('applies a fee rate once, half-even', () => {
    expect(applyRate(1999, '0.006')).toBe(12); // 11.994
    expect(applyRate(250, '0.006')).toBe(2); // 1.5 → 2 (even)
    expect(applyRate(750, '0.006')).toBe(4); // 4.5 → 4 (even)
  });
});

describe('allocateByLargestRemainder', () => {
  it('splits a discount so the parts add up exactly', () => {
    expect(allocateByLargestRemainder(1000, [1, 1, 1])).toEqual([334, 333, 333]);
    expect(allocateByLargestRemainder(2000, [5990, 3000, 1010])).toEqual([1198, 600, 202]);
    expect(allocateByLargestRemainder(-100, [1, 2])).toEqual([-33, -67]);
    expect(allocateByLargestRemainder(5, [0, 0])).toEqual([3, 2]);
  });

  it('always adds up, never goes negative, and is deterministic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 50 }), (total, weights) => {
        const parts = allocateByLargestRemainder(total, weights);
        expect(parts.reduce((s, p) => s + p, 0)).toBe(total);
        expect(parts.every((p) => p >= 0)).toBe(true);
        expect(allocateByLargestRemainder(total, weights)).toEqual(parts);
      }),
    );
  });

  it('gives each part within one fen of its exact share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e9 }), fc.array(fc.integer({ min: 1, max: 1e6 }), { minLength: 1, maxLength: 20 }), (total, weights) => {
        const sum = weights.reduce((s, w) => s + w, 0);
        const parts = allocateByLargestRemainder(total, weights);
        parts.forEach((p, i) => expect(Math.abs(p - (total * (weights[i] ?? 0)) / sum)).toBeLessThan(1));
      }),
    );
  });

  it('refuses negative weights and fractional totals', () => {
    expect(() => allocateByLargestRemainder(100, [1, -1])).toThrow(/weights/);
    expect(() => allocateByLargestRemainder(10.5, [1])).toThrow(/whole number of fen/);
  });
});
