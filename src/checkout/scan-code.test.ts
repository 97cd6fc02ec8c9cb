import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../platform/errors';
import { DEFAULT_SCALE_FORMATS } from '../catalog/scale-label';
import { DEFAULT_SCAN_CONFIG, classifyScan } from './scan-code';
import type { ScanConfig } from './scan-code';
import { thrown } from '../platform/testing/thrown';

describe('classifyScan: product barcodes and scale labels', () => {
  it('reads EAN-13, EAN-8 and UPC-A, dropping the Enter a scanner sends', () => {
    expect(classifyScan('6901234567892\r\n')).toEqual({ kind: 'gtin', code: '6901234567892', symbology: 'EAN-13' });
    expect(classifyScan(' 96385074\n')).toEqual({ kind: 'gtin', code: '96385074', symbology: 'EAN-8' });
    expect(classifyScan('036000291452')).toEqual({ kind: 'gtin', code: '0036000291452', symbology: 'UPC-A' });
  });

  it('names the right check digit when a barcode is misread', () => {
    const error = thrown(() => classifyScan('6901234567890'));
    expect(error.code).toBe('BARCODE_CHECK_DIGIT');
    expect(error.message).toBe(
      'Barcode 6901234567890 ends in 0 but its check digit should be 2: the scan was misread. Scan it again, or type the code printed under the bars.',
    );
    expect(thrown(() => classifyScan('036000291453')).code).toBe('BARCODE_CHECK_DIGIT');
  });

  it('reads price and weight scale labels', () => {
    expect(classifyScan('2000123012346')).toEqual({
      kind: 'scale',
      label: { kind: 'price', plu: '00123', priceFen: 1234, format: DEFAULT_SCALE_FORMATS[0] },
    });
    expect(classifyScan('2200042012506')).toEqual({
      kind: 'scale',
      label: { kind: 'weight', plu: '00042', grams: 1250, format: DEFAULT_SCALE_FORMATS[1] },
    });
    expect(thrown(() => classifyScan('2200042012507')).code).toBe('BARCODE_CHECK_DIGIT');
    expect(thrown(() => classifyScan('2200042000008')).code).toBe('SCALE_LABEL_INVALID');
  });

  it('treats a 13-digit code with another prefix as a product barcode', () => {
    expect(classifyScan('2100042012509')).toEqual({ kind: 'gtin', code: '2100042012509', symbology: 'EAN-13' });
  });
});

describe('classifyScan: payment, member, receipt and internal codes', () => {
  it('routes payment codes by prefix', () => {
    expect(classifyScan('134567890123456789')).toEqual({ kind: 'payment', channel: 'wechat', code: '134567890123456789' });
    expect(classifyScan('287654321098765432')).toEqual({ kind: 'payment', channel: 'alipay', code: '287654321098765432' });
    expect(classifyScan('6212345678901234567')).toEqual({ kind: 'payment', channel: 'unionpay', code: '6212345678901234567' });
    expect(classifyScan('0123456789012345678')).toEqual({ kind: 'payment', channel: 'ecny', code: '0123456789012345678' });
  });

  it('refuses a long digit code that matches no payment channel', () => {
    const error = thrown(() => classifyScan('9912345678901234567'));
    expect(error.code).toBe('SCAN_CODE_INVALID');
    expect(error.message).toMatch(/looks like a payment code but matches no channel/);
  });

  it('uses the merchant routing table in order', () => {
    const config: ScanConfig = { ...DEFAULT_SCAN_CONFIG, paymentRoutes: [{ channel: 'unionpay', pattern: '^\\d{16,24}$' }] };
    expect(classifyScan('134567890123456789', config)).toEqual({ kind: 'payment', channel: 'unionpay', code: '134567890123456789' });
  });

  it('recognises member cards and the portal QR, though both are digits like payment codes', () => {
    expect(classifyScan('8800000000000013')).toEqual({ kind: 'member', code: '8800000000000013' });
    const qr = '970123456789012345678901';
    expect(classifyScan(qr)).toEqual({ kind: 'member', code: qr });
    // 16+ digits matching neither a wallet nor a member shape is still a bad payment code.
    expect(thrown(() => classifyScan('9912345678901234'))).toMatchObject({ code: 'SCAN_CODE_INVALID' });
  });

  it('recognises receipt numbers, typed in any case', () => {
    expect(classifyScan('S001-T01-20261130-0042')).toEqual({ kind: 'receipt', receiptNo: 'S001-T01-20261130-0042' });
    expect(classifyScan('s001-t01-20261130-0042')).toEqual({ kind: 'receipt', receiptNo: 'S001-T01-20261130-0042' });
    // Not a date, so it is an internal code rather than a receipt.
    expect(classifyScan('S001-T01-20261330-0042')).toEqual({ kind: 'internal', code: 'S001-T01-20261330-0042' });
  });

  it('keeps SKU codes and other digit lengths as internal codes, as typed', () => {
    expect(classifyScan('P000123')).toEqual({ kind: 'internal', code: 'P000123' });
    expect(classifyScan('sku_apple-1')).toEqual({ kind: 'internal', code: 'sku_apple-1' });
    expect(classifyScan('1234567890')).toEqual({ kind: 'internal', code: '1234567890' });
    expect(classifyScan('00042')).toEqual({ kind: 'internal', code: '00042' });
  });

  it('refuses empty, overlong, control-character and injection input', () => {
    for (const raw of ['', '  \r\n', 'A'.repeat(65), 'ABC\u0007DEF', 'AB\tCD', "' OR 1=1 --", '<script>', '苹果', '-P1', 'A'.repeat(33)]) {
      expect(thrown(() => classifyScan(raw)).code, raw).toBe('SCAN_CODE_INVALID');
    }
    expect(thrown(() => classifyScan('')).message).toMatch(/Nothing was scanned/);
    expect(thrown(() => classifyScan("' OR 1=1 --")).message).toMatch(/is not a product barcode/);
  });

  it('throws nothing but AppError, whatever comes in', () => {
    const input = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.stringMatching(/^\d{1,30}$/),
      fc.stringMatching(/^[A-Za-z0-9_.-]{1,40}$/),
    );
    fc.assert(
      fc.property(input, (raw) => {
        try {
          classifyScan(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
