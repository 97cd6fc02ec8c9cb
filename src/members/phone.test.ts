// Mobile numbers as cashiers and members type them, and the masked form screens show.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { thrown } from '../platform/testing/thrown';
import { isNormalisedPhone, maskPhone, normalisePhone } from './phone';

const mobile = fc
  .tuple(fc.integer({ min: 3, max: 9 }), fc.stringMatching(/^\d{9}$/))
  .map(([second, rest]) => `1${second}${rest}`);

const toFullWidth = (text: string) => text.replace(/[0-9+]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

describe('normalisePhone', () => {
  it.each([
    ['13800138000', '13800138000'],
    ['+86 138 0013 8000', '13800138000'],
    ['86-13800138000', '13800138000'],
    ['8613800138000', '13800138000'],
    ['0086 138-0013-8000', '13800138000'],
    ['(+86) 138.0013.8000', '13800138000'],
    ['１３８００１３８０００', '13800138000'],
    ['＋８６\u3000１３８\u3000００１３\u3000８０００', '13800138000'],
    [' 19912345678\n', '19912345678'],
  ])('%j → %s', (input, expected) => {
    expect(normalisePhone(input)).toBe(expected);
  });

  it.each([
    ['', 'empty'],
    ['  - ', 'empty'],
    ['1380013800', 'length'],
    ['138001380001', 'length'],
    ['12800138000', 'prefix'],
    ['23800138000', 'prefix'],
    ['1380013800O', 'not_digits'],
    ['+852 9123 4567', 'not_mainland'],
    ['+1 415 555 0100', 'not_mainland'],
  ])('%j is refused (%s)', (input, reason) => {
    const error = thrown(() => normalisePhone(input));
    expect(error.code).toBe('PHONE_INVALID');
    expect(error.status).toBe(400);
    expect(error.details).toMatchObject({ field: 'phone', reason });
  });

  it('says how many digits were typed', () => {
    expect(thrown(() => normalisePhone('138 0013 800')).message).toContain('has 10 digits; a mainland mobile number has 11');
  });

  it('never puts the number into the error, which may be logged', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{9,13}$/), (digits) => {
        fc.pre(!isNormalisedPhone(digits) && !/^(86|0086)1[3-9]\d{9}$/.test(digits));
        const error = thrown(() => normalisePhone(digits));
        expect(error.message).not.toContain(digits);
        expect(JSON.stringify(error.details)).not.toContain(digits);
      }),
    );
  });

  it('property: every way of writing a valid number normalises to it, and normalising is idempotent', () => {
    const prefix = fc.constantFrom('', '+86', '+86 ', '86-', '0086 ', '86');
    fc.assert(
      fc.property(mobile, prefix, fc.boolean(), fc.boolean(), (phone, pre, spaced, fullWidth) => {
        let text = spaced ? `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}` : phone;
        text = `${pre}${text}`;
        if (fullWidth) text = toFullWidth(text);
        const normal = normalisePhone(text);
        expect(normal).toBe(phone);
        expect(isNormalisedPhone(normal)).toBe(true);
        expect(normalisePhone(normal)).toBe(normal);
      }),
    );
  });
});

describe('maskPhone', () => {
  it('shows the first 3 and last 4 digits', () => {
    expect(maskPhone('13812345678')).toBe('138****5678');
  });

  it('keeps at most the last 4 characters of anything else', () => {
    expect(maskPhone('123456')).toBe('**3456');
    expect(maskPhone('1234')).toBe('****');
    expect(maskPhone('')).toBe('');
  });

  it('property: keeps the length and hides the middle four digits', () => {
    fc.assert(
      fc.property(mobile, (phone) => {
        const masked = maskPhone(phone);
        expect(masked).toHaveLength(11);
        expect(masked.slice(3, 7)).toBe('****');
        expect(masked.replace(/\*/g, '')).toBe(phone.slice(0, 3) + phone.slice(7));
      }),
    );
  });
});
