import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidGtin } from './barcode';
import { DEFAULT_SCALE_FORMATS, formatScaleLabel, parseScaleLabel, validateScaleFormats } from './scale-label';
import type { ScaleLabel, ScaleLabelFormat } from './scale-label';
import { thrown } from '../platform/testing/thrown';

const [PRICE, WEIGHT] = DEFAULT_SCALE_FORMATS as [ScaleLabelFormat, ScaleLabelFormat];

describe('parseScaleLabel', () => {
  it('reads the line price from a 20… label', () => {
    expect(parseScaleLabel('2000123012346', DEFAULT_SCALE_FORMATS)).toEqual({ kind: 'price', plu: '00123', priceFen: 1234, format: PRICE });
  });

  it('reads the weight in grams from a 22… label', () => {
    expect(parseScaleLabel('2200042012506', DEFAULT_SCALE_FORMATS)).toEqual({ kind: 'weight', plu: '00042', grams: 1250, format: WEIGHT });
  });

  it('leaves codes that are not scale labels to the caller', () => {
    expect(parseScaleLabel('6901234567892', DEFAULT_SCALE_FORMATS)).toBeNull();
    expect(parseScaleLabel('2100042012509', DEFAULT_SCALE_FORMATS)).toBeNull();
    expect(parseScaleLabel('96385074', DEFAULT_SCALE_FORMATS)).toBeNull();
    expect(parseScaleLabel('20001230123X6', DEFAULT_SCALE_FORMATS)).toBeNull();
  });

  it('tells the cashier to rescan when the check digit is wrong, naming the right digit', () => {
    const error = thrown(() => parseScaleLabel('2000123012345', DEFAULT_SCALE_FORMATS));
    expect(error.code).toBe('BARCODE_CHECK_DIGIT');
    expect(error.message).toMatch(/2000123012345.*should be 6.*Scan it again, or type/);
  });

  it('refuses a zero weight or price', () => {
    const zeroWeight = thrown(() => parseScaleLabel('2200042000008', DEFAULT_SCALE_FORMATS));
    expect(zeroWeight.code).toBe('SCALE_LABEL_INVALID');
    expect(zeroWeight.message).toContain('weight of 0 g');
    expect(thrown(() => parseScaleLabel('2000123000008', DEFAULT_SCALE_FORMATS)).code).toBe('SCALE_LABEL_INVALID');
  });

  it('follows a merchant format: prefix 28, 4-digit PLU, 6-digit price', () => {
    const format: ScaleLabelFormat = { prefix: '28', kind: 'price', pluDigits: 4, valueDigits: 6 };
    const code = formatScaleLabel({ kind: 'price', plu: '0815', priceFen: 125_800, format });
    expect(code).toBe('2808151258008');
    expect(parseScaleLabel(code, [format])).toEqual({ kind: 'price', plu: '0815', priceFen: 125_800, format });
  });
});

describe('formatScaleLabel', () => {
  it('prints the EAN-13 a scale would', () => {
    expect(formatScaleLabel({ kind: 'price', plu: '00123', priceFen: 1234, format: PRICE })).toBe('2000123012346');
    expect(formatScaleLabel({ kind: 'weight', plu: '00042', grams: 1250, format: WEIGHT })).toBe('2200042012506');
  });

  it('refuses what the label cannot carry', () => {
    expect(() => formatScaleLabel({ kind: 'price', plu: '123', priceFen: 100, format: PRICE })).toThrow(/exactly 5 digits/);
    expect(() => formatScaleLabel({ kind: 'price', plu: '00123', priceFen: 100_000, format: PRICE })).toThrow(/from 1 to 99999/);
    expect(() => formatScaleLabel({ kind: 'weight', plu: '00123', grams: 0, format: WEIGHT })).toThrow(/from 1 to 99999/);
    expect(() => formatScaleLabel({ kind: 'weight', plu: '00123', grams: 10, format: PRICE })).toThrow(/weight label cannot use the price format/);
  });

  it('parse ∘ format is the identity', () => {
    const label: fc.Arbitrary<ScaleLabel> = fc.oneof(
      fc.record({ plu: fc.stringMatching(/^\d{5}$/), priceFen: fc.integer({ min: 1, max: 99_999 }) }).map(
        ({ plu, priceFen }): ScaleLabel => ({ kind: 'price', plu, priceFen, format: PRICE }),
      ),
      fc.record({ plu: fc.stringMatching(/^\d{5}$/), grams: fc.integer({ min: 1, max: 99_999 }) }).map(
        ({ plu, grams }): ScaleLabel => ({ kind: 'weight', plu, grams, format: WEIGHT }),
      ),
    );
    fc.assert(
      fc.property(label, (l) => {
        const code = formatScaleLabel(l);
        expect(isValidGtin(code)).toBe(true);
        expect(parseScaleLabel(code, DEFAULT_SCALE_FORMATS)).toEqual(l);
      }),
    );
  });
});

describe('validateScaleFormats', () => {
  it('accepts the defaults', () => {
    expect(() => validateScaleFormats(DEFAULT_SCALE_FORMATS)).not.toThrow();
  });

  it('names the format whose digits do not add up to 12', () => {
    const error = thrown(() => validateScaleFormats([PRICE, { prefix: '23', kind: 'weight', pluDigits: 5, valueDigits: 4 }]));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/format 2 \(prefix 23, weight\).*add up to 11 digits, not 12/);
    expect(error.details).toEqual({ index: 1, prefix: '23' });
  });

  it('refuses duplicate and overlapping prefixes', () => {
    expect(() => validateScaleFormats([PRICE, { ...WEIGHT, prefix: '20' }])).toThrow(/format 2 has the same prefix/);
    expect(() => validateScaleFormats([PRICE, { prefix: '2', kind: 'weight', pluDigits: 6, valueDigits: 5 }])).toThrow(
      /format 1 \(prefix 20, price\): format 2's prefix 2 also matches/,
    );
  });

  it('refuses a prefix that is not digits', () => {
    expect(() => validateScaleFormats([{ ...PRICE, prefix: '2A' }])).toThrow(/format 1 \(prefix 2A, price\): the prefix must be 1 to 10 digits/);
    expect(() => validateScaleFormats([{ ...PRICE, prefix: '' }])).toThrow(/prefix \(empty\)/);
  });
});
