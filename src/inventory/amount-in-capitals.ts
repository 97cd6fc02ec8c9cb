// An amount in Chinese capital numerals (大写金额) as printed on purchase orders and vouchers, so a
// figure cannot be altered by adding a stroke. Follows the People's Bank of China rules for
// filling in vouchers (正确填写票据和结算凭证的基本规定).
import { assertFen } from '../platform/money';

const DIGITS = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'] as const;
const PLACES = ['', '拾', '佰', '仟'] as const;
// Four-digit groups: units, 万, 亿, 万亿 (a safe integer of fen stays below 10^16 yuan).
const GROUPS = ['', '万', '亿', '万亿'] as const;

/** One group of up to four digits (0–9999), zeros inside collapsed to one 零, trailing zeros dropped. */
function groupText(n: number): string {
  let out = '';
  let zero = false;
  for (let place = 3; place >= 0; place--) {
    const d = Math.trunc(n / 10 ** place) % 10;
    if (d === 0) {
      zero = out !== '';
      continue;
    }
    if (zero) out += '零';
    zero = false;
    out += (DIGITS[d] as string) + (PLACES[place] as string);
  }
  return out;
}

/** The yuan part: groups joined with 万/亿, a 零 wherever zeros stand between non-zero digits. */
function yuanText(yuan: number): string {
  const groups: number[] = [];
  for (let rest = yuan; rest > 0; rest = Math.trunc(rest / 10_000)) groups.push(rest % 10_000);
  let out = '';
  let pendingZero = false;
  for (let i = groups.length - 1; i >= 0; i--) {
    const g = groups[i] as number;
    if (g === 0) {
      pendingZero = out !== '';
      continue;
    }
    // A group under 1000 after a higher one has a zero before it (10,0500 → 拾万零伍佰).
    if (out !== '' && (pendingZero || g < 1000)) out += '零';
    pendingZero = false;
    out += groupText(g) + (GROUPS[i] as string);
  }
  return out;
}

/**
 * Formats fen as the capital-numeral amount: 元 and 整 when there are no jiao or fen, 零 before
 * the fen when the jiao are zero, 壹拾 for the tens (the rules ask for it), 负 for a negative.
 *
 * @example amountInCapitals(12345) // '壹佰贰拾叁元肆角伍分'
 * @example amountInCapitals(100_000) // '壹仟元整'
 * @example amountInCapitals(1_640_902) // '壹万陆仟肆佰零玖元零贰分'
 */
export function amountInCapitals(fen: number): string {
  assertFen(fen);
  if (fen === 0) return '零元整';
  const sign = fen < 0 ? '负' : '';
  const abs = Math.abs(fen);
  const yuan = Math.trunc(abs / 100);
  const jiao = Math.trunc(abs / 10) % 10;
  const fenDigit = abs % 10;
  let out = yuan > 0 ? `${yuanText(yuan)}元` : '';
  if (jiao === 0 && fenDigit === 0) return `${sign}${out}整`;
  if (jiao > 0) out += `${DIGITS[jiao] as string}角`;
  else if (yuan > 0) out += '零';
  if (fenDigit > 0) out += `${DIGITS[fenDigit] as string}分`;
  return sign + out;
}
