import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../platform/errors';
import { assertGtinCheckDigit, gtinCheckDigit, isValidGtin, normalizeGtin, symbologyOf, withCheckDigit } from './barcode';

describe('check digits', () => {
  it('computes the GS1 check digit of real EAN-13, EAN-8 and UPC-A codes', () => {
    expect(gtinCheckDigit('690123456789')).toBe(2);
    expect(gtinCheckDigit('400638133393')).toBe(1);
    expect(gtinCheckDigit('9638507')).toBe(4);
    expect(gtinCheckDigit('03600029145')).toBe(2);
    expect(withCheckDigit('9638507')).toBe('96385074');
  });

  it('refuses a body that is not digits', () => {
    expect(() => gtinCheckDigit('69012a')).toThrow(AppError);
    expect(() => gtinCheckDigit('')).toThrow(/digits only/);
  });

  it('accepts real codes and rejects wrong check digits', () => {
    for (const code of ['6901234567892', '4006381333931', '96385074', '036000291452']) {
      expect(isValidGtin(code)).toBe(true);
    }
    for (const code of ['6901234567890', '4006381333932', '96385070', '036000291453']) {
      expect(isValidGtin(code)).toBe(false);
    }
    expect(isValidGtin('12345')).toBe(false);
    expect(isValidGtin('690123456789X')).toBe(false);
  });

  it('names the expected digit when the check digit is wrong', () => {
    expect(() => assertGtinCheckDigit('6901234567892')).not.toThrow();
    let caught: unknown;
    try {
      assertGtinCheckDigit('6901234567890');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AppError);
    const error = caught as AppError;
    expect(error.code).toBe('BARCODE_CHECK_DIGIT');
    expect(error.message).toContain('6901234567890');
    expect(error.message).toContain('should be 2');
    expect(error.details).toEqual({ code: '6901234567890', expected: 2, found: 0 });
  });

  it('withCheckDigit is always valid and any single changed digit makes it invalid', () => {
    const body = fc.oneof(
      fc.stringMatching(/^\d{7}$/),
      fc.stringMatching(/^\d{11}$/),
      fc.stringMatching(/^\d{12}$/),
    );
    fc.assert(
      fc.property(body, fc.nat(), fc.integer({ min: 1, max: 9 }), (b, at, delta) => {
        const code = withCheckDigit(b);
        const i = at % code.length;
        const changed = `${code.slice(0, i)}${((Number(code[i]) + delta) % 10).toString()}${code.slice(i + 1)}`;
        return isValidGtin(code) && !isValidGtin(changed);
      }),
    );
  });
});

describe('symbology and lookup key', () => {
  it('tells the symbology by length', () => {
    expect(symbologyOf('6901234567892')).toBe('EAN-13');
    expect(symbologyOf('96385074')).toBe('EAN-8');
    expect(symbologyOf('036000291452')).toBe('UPC-A');
    expect(symbologyOf('1234567890')).toBeNull();
    expect(symbologyOf('9638507A')).toBeNull();
  });

  it('stores UPC-A under its EAN-13 form, which is still valid', () => {
    expect(normalizeGtin('036000291452')).toBe('0036000291452');
    expect(isValidGtin(normalizeGtin('036000291452'))).toBe(true);
    expect(normalizeGtin('6901234567892')).toBe('6901234567892');
    expect(normalizeGtin('96385074')).toBe('96385074');
    expect(() => normalizeGtin('12345')).toThrow(/not an EAN-13, EAN-8 or UPC-A/);
  });
});
