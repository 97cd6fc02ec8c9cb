// Money is integer fen. Yuan strings exist only at the edges and are parsed exactly;
// rates use decimal math and round half-even once.
import Big from 'big.js';
import { AppError } from './errors';

const YUAN = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/**
 * Parses a yuan amount ("12", "12.3", "-0.05") into fen without floating point.
 *
 * @example parseYuan('12.34') // 1234
 */
export function parseYuan(text: string, field = 'amount'): number {
  const m = YUAN.exec(text.trim());
  if (!m) {
    throw new AppError('VALIDATION_FAILED', `${field} "${text}" is not a yuan amount like 12.34 (at most two decimals).`, {
      details: { field, value: text },
    });
  }
  const fen = BigInt(m[2] ?? '0') * 100n + BigInt((m[3] ?? '').padEnd(2, '0'));
  const signed = m[1] ? -fen : fen;
  return toSafeNumber(signed, field);
}

/** Formats fen as a plain yuan string with two decimals: 1234 → "12.34", -5 → "-0.05". */
export function formatYuan(fen: number): string {
  assertFen(fen);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Formats fen for people: 1234 → "¥12.34", -5 → "-¥0.05". */
export function formatMoney(fen: number): string {
  const plain = formatYuan(fen);
  return plain.startsWith('-') ? `-¥${plain.slice(1)}` : `¥${plain}`;
}

export function assertFen(value: number, field = 'amount'): void {
  if (!Number.isSafeInteger(value)) {
    throw new AppError('VALIDATION_FAILED', `${field} must be a whole number of fen, got ${value}.`, { details: { field } });
  }
}

/** Rounds a decimal to a whole number, ties to even (banker's rounding). */
export function roundHalfEven(value: Big | string | number): number {
  const rounded = new Big(value).round(0, Big.roundHalfEven);
  return toSafeNumber(BigInt(rounded.toFixed(0)), 'amount');
}

/**
 * Applies a decimal rate to an amount in fen, rounding half-even once.
 *
 * @example applyRate(1999, '0.006') // 12 (11.994 → 12)
 */
export function applyRate(amountFen: number, rate: string | Big): number {
  assertFen(amountFen);
  return roundHalfEven(new Big(amountFen).times(rate));
}

/**
 * Splits `totalFen` over `weights` in proportion, by largest remainder, so the parts add up
 * exactly. Ties go to the earlier index, so the result is deterministic. All-zero weights split
 * evenly. A negative total is split as its absolute value and negated.
 *
 * @example allocateByLargestRemainder(1000, [1, 1, 1]) // [334, 333, 333]
 */
export function allocateByLargestRemainder(totalFen: number, weights: readonly number[]): number[] {
  assertFen(totalFen, 'total');
  if (weights.length === 0) {
    if (totalFen !== 0) throw new AppError('VALIDATION_FAILED', 'Cannot allocate a non-zero amount over no lines.');
    return [];
  }
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) {
      throw new AppError('VALIDATION_FAILED', `Allocation weights must be whole numbers ≥ 0, got ${w}.`);
    }
  }
  const sign = totalFen < 0 ? -1n : 1n;
  const total = BigInt(Math.abs(totalFen));
  const sumWeights = weights.reduce((s, w) => s + BigInt(w), 0n);
  const effective = sumWeights === 0n ? weights.map(() => 1n) : weights.map((w) => BigInt(w));
  const denominator = sumWeights === 0n ? BigInt(weights.length) : sumWeights;

  const parts = effective.map((w) => (total * w) / denominator);
  const remainders = effective.map((w, index) => ({ index, rem: (total * w) % denominator }));
  let left = total - parts.reduce((s, p) => s + p, 0n);
  remainders.sort((a, b) => (a.rem === b.rem ? a.index - b.index : a.rem > b.rem ? -1 : 1));
  for (const { index } of remainders) {
    if (left === 0n) break;
    parts[index] = (parts[index] ?? 0n) + 1n;
    left -= 1n;
  }
  return parts.map((p) => toSafeNumber(p * sign, 'allocation'));
}

function toSafeNumber(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new AppError('VALIDATION_FAILED', `${field} is too large to handle exactly.`, { details: { field } });
  }
  return Number(value);
}
