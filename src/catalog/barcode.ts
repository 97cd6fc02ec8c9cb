// GS1 product barcodes (EAN-13, EAN-8, UPC-A): check digits, validity and the key a barcode is
// looked up by, so a UPC-A scan finds the product stored under its EAN-13 form.
import { AppError } from '../platform/errors';

export type GtinSymbology = 'EAN-13' | 'EAN-8' | 'UPC-A';

const DIGITS = /^\d+$/;

/**
 * The GS1 mod-10 check digit of a digit string given without its check digit. Weights run
 * 3, 1, 3, … from the rightmost digit, so one function serves EAN-8, UPC-A and EAN-13 bodies.
 *
 * @example gtinCheckDigit('690123456789') // 2
 */
export function gtinCheckDigit(body: string): number {
  if (!DIGITS.test(body)) {
    throw new AppError('VALIDATION_FAILED', `A barcode body must be digits only, got "${body}".`, {
      details: { field: 'barcode', value: body },
    });
  }
  let sum = 0;
  for (let i = body.length - 1, weight = 3; i >= 0; i--, weight = 4 - weight) {
    sum += (body.charCodeAt(i) - 48) * weight;
  }
  return (10 - (sum % 10)) % 10;
}

/**
 * Appends the check digit to a barcode body.
 *
 * @example withCheckDigit('9638507') // '96385074'
 */
export function withCheckDigit(body: string): string {
  return `${body}${gtinCheckDigit(body)}`;
}

/**
 * The symbology a digit string would be by its length, without checking the check digit.
 *
 * @example symbologyOf('036000291452') // 'UPC-A'
 */
export function symbologyOf(code: string): GtinSymbology | null {
  if (!DIGITS.test(code)) return null;
  switch (code.length) {
    case 13:
      return 'EAN-13';
    case 12:
      return 'UPC-A';
    case 8:
      return 'EAN-8';
    default:
      return null;
  }
}

/**
 * True for an 8-, 12- or 13-digit code whose last digit is its check digit.
 *
 * @example isValidGtin('6901234567892') // true
 */
export function isValidGtin(code: string): boolean {
  return symbologyOf(code) !== null && gtinCheckDigit(code.slice(0, -1)) === code.charCodeAt(code.length - 1) - 48;
}

/**
 * Throws BARCODE_CHECK_DIGIT, naming the digit the label should end with, unless the code's last
 * digit is its check digit. A wrong digit is almost always a misread, so the cashier rescans.
 *
 * @example assertGtinCheckDigit('6901234567890') // throws: "… should end in 2 …"
 */
export function assertGtinCheckDigit(code: string): void {
  const expected = gtinCheckDigit(code.slice(0, -1));
  const found = code.slice(-1);
  if (String(expected) !== found) {
    throw new AppError(
      'BARCODE_CHECK_DIGIT',
      `Barcode ${code} ends in ${found} but its check digit should be ${expected}: the scan was misread. Scan it again, or type the code printed under the bars.`,
      { details: { code, expected, found: Number(found) } },
    );
  }
}

/**
 * The key a barcode is stored and looked up by: a UPC-A code becomes its EAN-13 form (a leading
 * 0, which keeps the check digit valid); EAN-13 and EAN-8 are unchanged.
 *
 * @example normalizeGtin('036000291452') // '0036000291452'
 */
export function normalizeGtin(code: string): string {
  const symbology = symbologyOf(code);
  if (symbology === null) {
    throw new AppError('VALIDATION_FAILED', `"${code}" is not an EAN-13, EAN-8 or UPC-A barcode (13, 8 or 12 digits).`, {
      details: { field: 'barcode', value: code },
    });
  }
  return symbology === 'UPC-A' ? `0${code}` : code;
}
