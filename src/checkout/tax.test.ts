// VAT per rate: the tax lines a receipt prints, checked by example and by the sums they must keep.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { taxBreakdown } from './tax';

describe('taxBreakdown', () => {
  it('takes 13 % VAT out of a VAT-inclusive ¥113.00', () => {
    expect(taxBreakdown([{ totalFen: 11300, vatRate: '0.13' }])).toEqual([{ rate: '0.13', grossFen: 11300, netFen: 10000, taxFen: 1300 }]);
  });

  it('groups by rate, highest first, and computes tax once per group', () => {
    const groups = taxBreakdown([
      { totalFen: 999, vatRate: '0' },
      { totalFen: 550, vatRate: '0.09' },
      { totalFen: 333, vatRate: '0.13' },
      { totalFen: 1060, vatRate: '0.06' },
      { totalFen: 333, vatRate: '0.130' },
      { totalFen: 540, vatRate: '0.09' },
    ]);
    expect(groups).toEqual([
      // 666 / 1.13 = 589.38… → 589; per line it would have been 2 × (333 − 295) = 76, not 77.
      { rate: '0.13', grossFen: 666, netFen: 589, taxFen: 77 },
      // 1090 / 1.09 = 1000 exactly.
      { rate: '0.09', grossFen: 1090, netFen: 1000, taxFen: 90 },
      { rate: '0.06', grossFen: 1060, netFen: 1000, taxFen: 60 },
      { rate: '0', grossFen: 999, netFen: 999, taxFen: 0 },
    ]);
  });

  it('handles a return (negative gross) symmetrically', () => {
    expect(taxBreakdown([{ totalFen: -11300, vatRate: '0.13' }])).toEqual([{ rate: '0.13', grossFen: -11300, netFen: -10000, taxFen: -1300 }]);
  });

  it('gives no groups for no lines', () => {
    expect(taxBreakdown([])).toEqual([]);
  });

  it('refuses a rate written as a percentage or not a number, naming the line', () => {
    expect(() => taxBreakdown([{ totalFen: 100, vatRate: '13' }])).toThrow(/VAT rate "13" on line 1 must be a fraction below 1/);
    expect(() => taxBreakdown([{ totalFen: 100, vatRate: '0.13' }, { totalFen: 100, vatRate: '13%' }])).toThrow(/on line 2/);
    expect(() => taxBreakdown([{ totalFen: 1.5, vatRate: '0.13' }])).toThrow(/whole number of fen/);
  });

  const line = fc.record({
    totalFen: fc.integer({ min: 0, max: 10_000_000 }),
    vatRate: fc.constantFrom('0.13', '0.09', '0.06', '0', '0.03'),
  });

  it('keeps gross = net + tax per group and the groups add up to the sale', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), (lines) => {
        const groups = taxBreakdown(lines);
        for (const g of groups) {
          expect(g.netFen + g.taxFen).toBe(g.grossFen);
          expect(g.taxFen).toBeGreaterThanOrEqual(0);
          // Tax is the rate's share of gross to within half a fen of rounding.
          expect(Math.abs(g.taxFen - (g.grossFen * Number(g.rate)) / (1 + Number(g.rate)))).toBeLessThanOrEqual(0.5 + 1e-6);
        }
        expect(groups.reduce((s, g) => s + g.grossFen, 0)).toBe(lines.reduce((s, l) => s + l.totalFen, 0));
        expect(new Set(groups.map((g) => g.rate)).size).toBe(groups.length);
        const rates = groups.map((g) => Number(g.rate));
        expect(rates).toEqual([...rates].sort((a, b) => b - a));
      }),
    );
  });

  it('does not depend on the order of the lines', () => {
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 20 }).chain((lines) => fc.tuple(fc.constant(lines), fc.shuffledSubarray(lines, { minLength: lines.length }))),
        ([lines, shuffled]) => {
          expect(taxBreakdown(shuffled)).toEqual(taxBreakdown(lines));
        },
      ),
    );
  });
});
