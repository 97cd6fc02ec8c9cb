// Capital-numeral amounts (大写金额): the PBOC examples, and properties over any amount in fen —
// read back to the same fen, never two 零 in a row, no 零 before a unit that closes a group.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountInCapitals } from './amount-in-capitals';

const DIGIT = new Map([...'零壹贰叁肆伍陆柒捌玖'].map((c, i) => [c, i]));
const PLACE = new Map([['拾', 10], ['佰', 100], ['仟', 1000]]);

/** Reads a capital-numeral amount back to fen (the test's own inverse, written independently). */
function readCapitals(text: string): number {
  let sign = 1;
  let rest = text;
  if (rest.startsWith('负')) {
    sign = -1;
    rest = rest.slice(1);
  }
  const [yuanPart, fenPart = ''] = rest.includes('元') ? (rest.split('元') as [string, string]) : ['', rest];
  let total = 0; // whole 亿 groups and above
  let section = 0; // below 亿
  let group = 0; // below 万
  let digit = 0;
  for (let i = 0; i < yuanPart.length; i++) {
    const c = yuanPart[i] as string;
    if (DIGIT.has(c)) digit = DIGIT.get(c) as number;
    else if (PLACE.has(c)) {
      group += digit * (PLACE.get(c) as number);
      digit = 0;
    } else if (c === '万' && yuanPart[i + 1] === '亿') {
      total += (section + group + digit) * 1e12;
      section = group = digit = 0;
      i++;
    } else if (c === '万') {
      section += (group + digit) * 1e4;
      group = digit = 0;
    } else if (c === '亿') {
      total += (section + group + digit) * 1e8;
      section = group = digit = 0;
    } else throw new Error(`unexpected ${c} in ${text}`);
  }
  const yuan = total + section + group + digit;
  const jiao = /(.)角/.exec(fenPart)?.[1];
  const fen = /(.)分/.exec(fenPart)?.[1];
  return sign * (yuan * 100 + (jiao ? (DIGIT.get(jiao) as number) * 10 : 0) + (fen ? (DIGIT.get(fen) as number) : 0));
}

describe('amountInCapitals', () => {
  it.each([
    [12345, '壹佰贰拾叁元肆角伍分'],
    [0, '零元整'],
    [5, '伍分'],
    [50, '伍角'],
    [100, '壹元整'],
    [1000, '壹拾元整'],
    [150, '壹元伍角'],
    [168_032, '壹仟陆佰捌拾元叁角贰分'],
    [1_640_902, '壹万陆仟肆佰零玖元零贰分'],
    [32_504, '叁佰贰拾伍元零肆分'],
    [10_700_053, '壹拾万柒仟元伍角叁分'],
    [10_050_000, '壹拾万零伍佰元整'],
    [100_000_000, '壹佰万元整'],
    [10_000_000_100, '壹亿零壹元整'],
    [10_001_000_000, '壹亿零壹万元整'],
    [20_000_000_000, '贰亿元整'],
    [-2_880, '负贰拾捌元捌角'],
  ])('%i fen → %s', (fen, text) => {
    expect(amountInCapitals(fen)).toBe(text);
  });

  it('refuses a fraction of a fen', () => {
    expect(() => amountInCapitals(1.5)).toThrow(/whole number of fen/);
  });

  it('reads back to the same fen, for any amount', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }), fc.maxSafeInteger(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })), (fen) => {
        expect(readCapitals(amountInCapitals(fen))).toBe(fen);
      }),
      { numRuns: 2000 },
    );
  });

  it('never writes 零 twice, before a group unit or 元, or at the start of a non-zero amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (fen) => {
        const text = amountInCapitals(fen);
        expect(text).toMatch(/^[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整]+$/);
        expect(text).not.toMatch(/零零|零[万亿元角]|^零/);
        expect(text).toMatch(/(元整|角|分)$/);
        // 整 only when there are no jiao or fen.
        expect(text.endsWith('整')).toBe(fen % 100 === 0);
      }),
      { numRuns: 2000 },
    );
  });
});
