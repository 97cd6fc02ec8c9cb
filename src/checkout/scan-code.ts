// The one scan box: tells what a scanned or typed code is (product barcode, scale label, payment
// code, member code, receipt number for a return, or an internal code) before anything is looked up.
import { AppError } from '../platform/errors';
import { assertGtinCheckDigit, normalizeGtin, symbologyOf } from '../catalog/barcode';
import type { GtinSymbology } from '../catalog/barcode';
import { DEFAULT_SCALE_FORMATS, parseScaleLabel } from '../catalog/scale-label';
import type { ScaleLabel, ScaleLabelFormat } from '../catalog/scale-label';

export type PaymentChannel = 'wechat' | 'alipay' | 'unionpay' | 'ecny';

/** What varies per merchant: scale formats, the payment-code routing table, member code shapes. */
export interface ScanConfig {
  scaleFormats: ScaleLabelFormat[];
  /** Tried in order; the first pattern that matches a digits-only code of 16+ digits wins. */
  paymentRoutes: Array<{ channel: PaymentChannel; pattern: string }>;
  memberPatterns: string[];
}

/** DESIGN §7 payment-code prefixes; member cards (88 + 14 digits, Luhn) and the portal's dynamic QR (97 + 22 digits). */
export const DEFAULT_SCAN_CONFIG: ScanConfig = {
  scaleFormats: DEFAULT_SCALE_FORMATS,
  paymentRoutes: [
    { channel: 'wechat', pattern: '^1[0-5]\\d{16}$' },
    { channel: 'alipay', pattern: '^(2[5-9]|30)\\d{14,22}$' },
    { channel: 'unionpay', pattern: '^62\\d{14,18}$' },
    { channel: 'ecny', pattern: '^01\\d{17}$' },
  ],
  memberPatterns: ['^88\\d{14}$', '^97\\d{22}$'],
};

export type ScanResult =
  /** `code` is the lookup key: a UPC-A scan comes back in its EAN-13 form. */
  | { kind: 'gtin'; code: string; symbology: GtinSymbology }
  | { kind: 'scale'; label: ScaleLabel }
  | { kind: 'payment'; channel: PaymentChannel; code: string }
  | { kind: 'member'; code: string }
  | { kind: 'receipt'; receiptNo: string }
  | { kind: 'internal'; code: string };

const MAX_LENGTH = 64;
const DIGITS = /^\d+$/;
const CONTROL = /\p{Cc}/u;
// {store}-{terminal}-{yyyymmdd}-{seq} (DESIGN §3); matched upper-cased so a typed one is found too.
const RECEIPT_NO = /^[A-Z0-9_]{1,16}-[A-Z0-9_]{1,16}-\d{4}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])-\d{1,9}$/;
const INTERNAL_CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/**
 * Classifies what came into the scan box. Keyboard-wedge scanners end with Enter, so surrounding
 * whitespace is dropped. Throws SCAN_CODE_INVALID for what is none of the kinds,
 * BARCODE_CHECK_DIGIT for a misread barcode and SCALE_LABEL_INVALID for a zero-value label.
 *
 * @example classifyScan('6901234567892\r\n') // { kind: 'gtin', code: '6901234567892', symbology: 'EAN-13' }
 * @example classifyScan('S001-T01-20261130-0042') // { kind: 'receipt', receiptNo: 'S001-T01-20261130-0042' }
 */
export function classifyScan(raw: string, config: ScanConfig = DEFAULT_SCAN_CONFIG): ScanResult {
  const code = raw.trim();
  if (code === '') throw invalid('Nothing was scanned. Scan the code again or type it.');
  if (code.length > MAX_LENGTH) {
    throw invalid(`The scanned code is ${code.length} characters long; no product, member, payment or receipt code is longer than ${MAX_LENGTH}. Scan again.`);
  }
  if (CONTROL.test(code)) {
    throw invalid('The scanned code contains control characters. Set the scanner to send plain text ending with Enter, then scan again.');
  }

  if (DIGITS.test(code)) {
    const symbology = symbologyOf(code);
    if (symbology !== null) {
      const label = symbology === 'EAN-13' ? parseScaleLabel(code, config.scaleFormats) : null;
      if (label) return { kind: 'scale', label };
      assertGtinCheckDigit(code);
      return { kind: 'gtin', code: normalizeGtin(code), symbology };
    }
    if (code.length >= 16) {
      const route = config.paymentRoutes.find((r) => compiled(r.pattern).test(code));
      if (route) return { kind: 'payment', channel: route.channel, code };
      // Member cards (88…, 16 digits) and the portal's QR codes (97…, 24 digits) are digits too.
      if (config.memberPatterns.some((p) => compiled(p).test(code))) return { kind: 'member', code };
      throw invalid(
        `This ${code.length}-digit code looks like a payment code but matches no channel (WeChat, Alipay, UnionPay, e-CNY). Ask the customer to refresh the payment code and scan again.`,
      );
    }
  }

  const upper = code.toUpperCase();
  if (RECEIPT_NO.test(upper)) return { kind: 'receipt', receiptNo: upper };
  if (config.memberPatterns.some((p) => compiled(p).test(code))) return { kind: 'member', code };
  if (INTERNAL_CODE.test(code)) return { kind: 'internal', code };
  throw invalid(`"${code}" is not a product barcode, item code, scale label, member code, payment code or receipt number. Check what was scanned or typed.`);
}

function invalid(message: string): AppError {
  return new AppError('SCAN_CODE_INVALID', message);
}

// Patterns come from configuration as strings; compiling them once keeps a scan in microseconds.
const compiledPatterns = new Map<string, RegExp>();

function compiled(pattern: string): RegExp {
  let regex = compiledPatterns.get(pattern);
  if (!regex) {
    try {
      regex = new RegExp(pattern);
    } catch (cause) {
      throw new AppError('VALIDATION_FAILED', `The scan pattern ${pattern} in the configuration is not a valid regular expression. Fix the settings.`, {
        cause,
        details: { pattern },
      });
    }
    compiledPatterns.set(pattern, regex);
  }
  return regex;
}
