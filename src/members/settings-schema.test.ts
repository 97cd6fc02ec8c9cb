// Decimal settings fields and the error a bad setting gives.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { thrown } from '../platform/testing/thrown';
import { decimalText, parseSettings } from './settings-schema';

const percent = decimalText({ decimals: 2, max: 100, hint: 'a percent such as "5"' });

describe('decimalText', () => {
  it.each(['0', '5', '2.5', '99.99', '100', '100.00'])('accepts %s', (text) => {
    expect(percent.parse(text)).toBe(text);
  });

  it.each([
    ['100.01', 'must be at most 100'],
    ['5%', 'write a percent such as "5"'],
    ['-1', 'write a percent'],
    ['1.234', 'write a percent'],
    ['.5', 'write a percent'],
    ['1e2', 'write a percent'],
    ['', 'write a percent'],
  ])('refuses %j: %s', (text, message) => {
    const result = percent.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain(message);
  });

  it('property: accepts exactly the decimals from 0 to the maximum', () => {
    fc.assert(
      fc.property(fc.nat({ max: 20_000 }), (hundredths) => {
        const text = `${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}`;
        expect(percent.safeParse(text).success).toBe(hundredths <= 10_000);
      }),
    );
  });
});

describe('parseSettings', () => {
  const schema = z.object({ rules: z.array(z.object({ rate: percent })) });

  it('returns the parsed value', () => {
    expect(parseSettings(schema, { rules: [{ rate: '5' }] }, 'X_INVALID', (path) => ({ name: 'The rules', fieldPath: path }))).toEqual({
      rules: [{ rate: '5' }],
    });
  });

  it('throws the given code naming the field, status 400', () => {
    const e = thrown(() =>
      parseSettings(schema, { rules: [{ rate: '5' }, { rate: 'lots' }] }, 'X_INVALID', (path) => ({ name: `Rule ${String(path[1])}`, fieldPath: path.slice(2) })),
    );
    expect(e.code).toBe('X_INVALID');
    expect(e.status).toBe(400);
    expect(e.message).toBe('Rule 1 rate: write a percent such as "5".');
    expect(e.details).toEqual({ path: ['rules', 1, 'rate'] });
  });
});
