// The signature most Chinese payment aggregators and SMS gateways use on flat JSON bodies:
// HMAC-SHA256 over the sorted non-empty fields (`k=v&…&key=SECRET`), uppercase hex.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignedFields = Record<string, string>;

/**
 * @example signFields({ to: '13800138000', nonce: 'ab' }, 'secret') // 'E3…' (64 hex digits)
 */
export function signFields(fields: SignedFields, secret: string): string {
  const text = Object.keys(fields)
    .filter((k) => k !== 'sign' && fields[k] !== undefined && fields[k] !== '')
    .sort()
    .map((k) => `${k}=${fields[k] ?? ''}`)
    .join('&');
  return createHmac('sha256', secret).update(`${text}&key=${secret}`, 'utf8').digest('hex').toUpperCase();
}

/** Whether `fields.sign` is right, compared in constant time. */
export function verifyFields(fields: SignedFields, secret: string): boolean {
  const given = Buffer.from(fields.sign ?? '');
  const expected = Buffer.from(signFields(fields, secret));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
