// Labels printed by in-store scales (条码秤): an EAN-13 carrying a PLU and either the line price
// or the weight. The layout varies by merchant and scale brand, so formats are configuration.
import { AppError } from '../platform/errors';
import { assertGtinCheckDigit, withCheckDigit } from './barcode';

/** An EAN-13 laid out as prefix + PLU + value + check digit; the three parts fill 12 digits. */
export interface ScaleLabelFormat {
  prefix: string;
  /** 'price': the value is the line price in fen; 'weight': the value is grams. */
  kind: 'price' | 'weight';
  pluDigits: number;
  valueDigits: number;
}

export type ScaleLabel =
  | { kind: 'price'; plu: string; priceFen: number; format: ScaleLabelFormat }
  | { kind: 'weight'; plu: string; grams: number; format: ScaleLabelFormat };

/** DESIGN §6: `20 PPPPP VVVVV C` (price in fen) and `22 PPPPP WWWWW C` (grams). */
export const DEFAULT_SCALE_FORMATS: ScaleLabelFormat[] = [
  { prefix: '20', kind: 'price', pluDigits: 5, valueDigits: 5 },
  { prefix: '22', kind: 'weight', pluDigits: 5, valueDigits: 5 },
];

const EAN13 = /^\d{13}$/;

/**
 * Reads a scale label; null when the code is not 13 digits or no format's prefix matches, so the
 * caller can treat it as an ordinary barcode. Expects formats that pass validateScaleFormats.
 *
 * @example parseScaleLabel('2000123012346', DEFAULT_SCALE_FORMATS)
 * // { kind: 'price', plu: '00123', priceFen: 1234, format: DEFAULT_SCALE_FORMATS[0] }
 */
export function parseScaleLabel(code: string, formats: readonly ScaleLabelFormat[]): ScaleLabel | null {
  if (!EAN13.test(code)) return null;
  const format = formats.find((f) => code.startsWith(f.prefix));
  if (!format) return null;
  assertGtinCheckDigit(code);
  const pluEnd = format.prefix.length + format.pluDigits;
  const plu = code.slice(format.prefix.length, pluEnd);
  const value = Number(code.slice(pluEnd, pluEnd + format.valueDigits));
  if (value === 0) {
    const what = format.kind === 'price' ? 'a price of 0' : 'a weight of 0 g';
    throw new AppError(
      'SCALE_LABEL_INVALID',
      `Scale label ${code} shows ${what}: weigh the item again and print a new label, or key the item in by hand.`,
      { details: { code, plu, kind: format.kind } },
    );
  }
  return format.kind === 'price' ? { kind: 'price', plu, priceFen: value, format } : { kind: 'weight', plu, grams: value, format };
}

/**
 * Prints the EAN-13 for a label, as the scale would.
 *
 * @example formatScaleLabel({ kind: 'weight', plu: '00042', grams: 1250, format: DEFAULT_SCALE_FORMATS[1] })
 * // '2200042012506'
 */
export function formatScaleLabel(label: ScaleLabel): string {
  const { format, plu } = label;
  if (label.kind !== format.kind) {
    throw new AppError('VALIDATION_FAILED', `A ${label.kind} label cannot use the ${format.kind} format with prefix ${format.prefix}.`);
  }
  if (plu.length !== format.pluDigits || !/^\d+$/.test(plu)) {
    throw new AppError('VALIDATION_FAILED', `PLU "${plu}" must be exactly ${format.pluDigits} digits for labels with prefix ${format.prefix}.`, {
      details: { field: 'plu', value: plu },
    });
  }
  const value = label.kind === 'price' ? label.priceFen : label.grams;
  const max = 10 ** format.valueDigits - 1;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new AppError('VALIDATION_FAILED', `A label's ${label.kind} must be a whole number from 1 to ${max}, got ${value}.`, {
      details: { field: label.kind, value },
    });
  }
  return withCheckDigit(`${format.prefix}${plu}${String(value).padStart(format.valueDigits, '0')}`);
}

/**
 * Checks a merchant's formats before they are used: digit prefixes, parts filling the 12 digits
 * before the check digit, and no prefix that another one starts with (a code would match both).
 *
 * @example validateScaleFormats([{ prefix: '2', kind: 'price', pluDigits: 5, valueDigits: 5 }])
 * // throws VALIDATION_FAILED: "… prefix 2 (price): … add up to 11, not 12 …"
 */
export function validateScaleFormats(formats: readonly ScaleLabelFormat[]): void {
  formats.forEach((format, index) => {
    const name = `Scale label format ${index + 1} (prefix ${format.prefix || '(empty)'}, ${format.kind})`;
    const fail = (problem: string): never => {
      throw new AppError('VALIDATION_FAILED', `${name}: ${problem}`, { details: { index, prefix: format.prefix } });
    };
    if (!/^\d{1,10}$/.test(format.prefix)) fail('the prefix must be 1 to 10 digits.');
    if (format.kind !== 'price' && format.kind !== 'weight') fail(`the kind must be price or weight, not "${String(format.kind)}".`);
    if (!Number.isInteger(format.pluDigits) || format.pluDigits < 1) fail('the PLU needs at least 1 digit.');
    if (!Number.isInteger(format.valueDigits) || format.valueDigits < 1) fail('the value needs at least 1 digit.');
    const total = format.prefix.length + format.pluDigits + format.valueDigits;
    if (total !== 12) {
      fail(`prefix, PLU and value add up to ${total} digits, not 12 (13 with the check digit). Fix the digit counts.`);
    }
    const clash = formats.findIndex((other, i) => i !== index && format.prefix.startsWith(other.prefix));
    if (clash !== -1) {
      const other = formats[clash]?.prefix ?? '';
      fail(other === format.prefix ? `format ${clash + 1} has the same prefix.` : `format ${clash + 1}'s prefix ${other} also matches these codes.`);
    }
  });
}
