// Exact amount arithmetic for the hot loops of bill parsing and matching (a million lines a day):
// integers where the value fits, the decimal library only where it does not. Each function gives
// the same answer as platform/money's parseYuan / roundHalfEven / applyRate, which stay the
// reference (amounts.test.ts checks them against each other).
import Big from 'big.js';
import { applyRate, parseYuan, roundHalfEven } from '../platform/money';

const YUAN = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;
const DECIMAL = /^(-)?(\d+)(?:\.(\d*))?$/;
/** Up to 13 integer digits, yuan × 100 stays below 2^53; longer goes the exact slow way. */
const SHORT = 13;

/**
 * Fen of a yuan amount ("12.34", "-0.05", "7"), or null when the text is not one; as
 * `parseYuan` but without throwing, for a parser that reports its own line.
 *
 * @example yuanToFen('12.3') // 1230
 */
export function yuanToFen(text: string): number | null {
  const m = YUAN.exec(text.trim());
  if (!m) return null;
  const whole = m[2] ?? '';
  if (whole.length > SHORT) {
    try {
      return parseYuan(text);
    } catch {
      return null;
    }
  }
  const frac = m[3] ?? '';
  const fen = Number(whole) * 100 + (frac.length === 0 ? 0 : frac.length === 1 ? Number(frac) * 10 : Number(frac));
  return m[1] ? 0 - fen : fen;
}

/**
 * `n / d` rounded half to even (banker's rounding), for integers whose magnitude is below 2^53.
 *
 * @example divideHalfEven(25, 10) // 2; divideHalfEven(35, 10) // 4; divideHalfEven(-15, 10) // -2
 */
export function divideHalfEven(n: number, d: number): number {
  const a = Math.abs(n);
  let q = Math.floor(a / d);
  let r = a - q * d;
  // The float division can land one off for large a; the remainder says which way.
  if (r < 0) {
    q -= 1;
    r += d;
  } else if (r >= d) {
    q += 1;
    r -= d;
  }
  const twice = 2 * r;
  if (twice > d || (twice === d && q % 2 === 1)) q += 1;
  return n < 0 ? 0 - q : q;
}

/**
 * A decimal text (e.g. a 5-decimal WeChat fee "0.00600", an Alipay fee "-0.12") in whole units
 * of 10^-scale, or null when it has more decimals than `scale` or is too long for exact integer
 * arithmetic (then use Big). The text must already be known to be a decimal.
 *
 * @example decimalUnits('-0.00600', 5) // -600
 */
export function decimalUnits(text: string, scale: number): number | null {
  const m = DECIMAL.exec(text);
  if (!m) return null;
  const whole = m[2] ?? '';
  const frac = m[3] ?? '';
  if (frac.length > scale || whole.length + scale > 15) return null;
  const units = Number(whole) * 10 ** scale + (frac === '' ? 0 : Number(frac) * 10 ** (scale - frac.length));
  return m[1] ? 0 - units : units;
}

/**
 * Fen of a decimal yuan text rounded half-even, as `roundHalfEven(new Big(text).times(100))`.
 *
 * @example yuanToFenHalfEven('0.00600') // 1; yuanToFenHalfEven('-0.125') // -12
 */
export function yuanToFenHalfEven(text: string): number {
  const units = decimalUnits(text, 5);
  if (units === null) return roundHalfEven(new Big(text).times(100));
  return divideHalfEven(units, 1000) + 0;
}

/**
 * A contracted fee rate (e.g. "0.006") as a function of the gross in fen, rounded half-even:
 * the same as `applyRate(grossFen, rate)`, without a decimal object per line.
 *
 * @example feeAtRate('0.006')(1999) // 12
 */
export function feeAtRate(rate: string): (grossFen: number) => number {
  const m = DECIMAL.exec(rate.trim());
  const frac = m?.[3] ?? '';
  const scale = 10 ** frac.length;
  const numerator = m && !m[1] && frac.length <= 9 && (m[2] ?? '').length <= 3 ? Number(m[2] ?? '0') * scale + Number(frac || '0') : null;
  return (grossFen) => {
    if (numerator === null || !Number.isSafeInteger(grossFen * numerator)) return applyRate(grossFen, rate);
    return divideHalfEven(grossFen * numerator, scale) + 0;
  };
}

/**
 * A copy of `text` that does not hold on to the string it was cut from. V8 keeps a long substring
 * as a view into its parent, so ids cut from a 100 MB bill would keep the whole bill's text alive
 * after parsing; concatenating and slicing makes a small string of its own.
 *
 * @example ownCopy(line.slice(1, 29)) // the same characters, without the line behind them
 */
export function ownCopy(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}
