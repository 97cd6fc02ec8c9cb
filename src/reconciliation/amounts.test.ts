import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import Big from 'big.js';
import { applyRate, parseYuan, roundHalfEven } from '../platform/money';
import { divideHalfEven, feeAtRate, yuanToFen, yuanToFenHalfEven } from './amounts';

const decimal = fc.tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 16n }), fc.integer({ min: 0, max: 7 })).map(([negative, digits, scale]) => {
  const text = digits.toString().padStart(scale + 1, '0');
  const whole = text.slice(0, text.length - scale);
  return `${negative ? '-' : ''}${whole}${scale ? `.${text.slice(text.length - scale)}` : ''}`;
});

/** The value, or 'throws' (an amount beyond 2^53 fen is refused by both). */
function outcome(f: () => number): number | 'throws' {
  try {
    return f();
  } catch {
    return 'throws';
  }
}

describe('amounts', () => {
  it('reads yuan as parseYuan does, and refuses what it refuses', () => {
    fc.assert(
      fc.property(fc.oneof(decimal, fc.constantFrom('', '1.', '.5', '1.234', ' 2.50 ', '--1', '1e3', '99999999999999.99', '90071992547409.91')), (text) => {
        let expected: number | null;
        try {
          expected = parseYuan(text);
        } catch {
          expected = null;
        }
        expect(yuanToFen(text)).toBe(expected);
      }),
    );
  });

  it('rounds fees half to even exactly as the decimal library', () => {
    fc.assert(
      fc.property(decimal, (text) => {
        expect(outcome(() => yuanToFenHalfEven(text))).toBe(outcome(() => roundHalfEven(new Big(text).times(100))));
      }),
    );
    expect([divideHalfEven(25, 10), divideHalfEven(35, 10), divideHalfEven(-15, 10), divideHalfEven(-14, 10)]).toEqual([2, 4, -2, -1]);
  });

  it('applies a contract rate as applyRate does', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.constantFrom('0.006', '0.0038', '0.6', '0', '1', '0.0025'), (fen, rate) => {
        expect(outcome(() => feeAtRate(rate)(fen))).toBe(outcome(() => applyRate(fen, rate)));
      }),
    );
  });
});
