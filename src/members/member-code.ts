// Member codes the scan box reads: the printed member card number, and the dynamic QR code the
// member portal shows, which changes every 30 s and names the card without showing its number.
//
// Shapes, chosen to collide with nothing else a till scans (DESIGN §6, §7):
// - card  `88` + 13-digit sequence + Luhn digit = 16 digits. Product barcodes are 8, 12 or 13
//   digits and scale labels 13; WeChat codes are 18 digits from 10–15, Alipay 16–24 from 25–30,
//   UnionPay 16–20 from 62, e-CNY 19 from 01. The Luhn digit catches a mistyped card number.
// - QR    `97` + 13-digit masked sequence + 9-digit HMAC = 24 digits. 24 digits from 97 is none of
//   the above either. 20 digits would leave only 5 for the HMAC, one forgery in 100,000 guesses;
//   9 digits make it one in a billion per guess.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../platform/errors';

/** A member card number as a scan-box pattern (for `ScanConfig.memberPatterns`). */
export const MEMBER_CARD_PATTERN = '^88\\d{14}$';
/** A dynamic member QR code as a scan-box pattern. */
export const MEMBER_QR_PATTERN = '^97\\d{22}$';
/** Length of one QR step; a code is accepted in its own step and the next, so 30–60 s. */
export const MEMBER_QR_STEP_SECONDS = 30;

const CARD = new RegExp(MEMBER_CARD_PATTERN);
const QR = new RegExp(MEMBER_QR_PATTERN);
const SEQ_DIGITS = 13;
const SEQ_SPACE = 10n ** BigInt(SEQ_DIGITS);
const MAC_DIGITS = 9;
const MAC_SPACE = 10n ** BigInt(MAC_DIGITS);
const MIN_SECRET_BYTES = 16;

/**
 * The member card number for a sequence number 1 … 9,999,999,999,999: `88`, the sequence in 13
 * digits, and a Luhn check digit.
 *
 * @example makeMemberCardNo(1) // '8800000000000013'
 */
export function makeMemberCardNo(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1 || BigInt(seq) >= SEQ_SPACE) {
    throw new AppError('VALIDATION_FAILED', `A member card sequence must be a whole number from 1 to ${SEQ_SPACE - 1n}, got ${seq}.`, {
      details: { field: 'seq' },
    });
  }
  const body = `88${String(seq).padStart(SEQ_DIGITS, '0')}`;
  return `${body}${luhnDigit(body)}`;
}

/**
 * True for a 16-digit member card number starting 88 whose last digit is its Luhn digit.
 *
 * @example isMemberCardNo('8800000000000013') // true
 * @example isMemberCardNo('8800000000000014') // false (a typo)
 */
export function isMemberCardNo(code: string): boolean {
  return CARD.test(code) && luhnDigit(code.slice(0, -1)) === code.charCodeAt(code.length - 1) - 48;
}

/**
 * The dynamic QR code for a member card at `now`: `97`, the card's sequence masked with a
 * per-step key stream (so a photographed code does not give away the card number), and an
 * HMAC-SHA256 of step and card truncated to 9 digits. `secret` is the chain's member-code
 * secret (at least 16 bytes), shared by the portal and every store node.
 *
 * @example memberQrToken(secret, '8800000000000013', new Date()) // '97' + 22 digits
 */
export function memberQrToken(secret: Buffer, cardNo: string, now: Date): string {
  assertSecret(secret);
  if (!isMemberCardNo(cardNo)) {
    throw new AppError('VALIDATION_FAILED', 'A member QR code is made for a valid member card number (16 digits starting 88).', {
      details: { field: 'cardNo' },
    });
  }
  const step = stepOf(now);
  const seq = BigInt(cardNo.slice(2, 2 + SEQ_DIGITS));
  const masked = (seq + pad(secret, step)) % SEQ_SPACE;
  return `97${masked.toString().padStart(SEQ_DIGITS, '0')}${mac(secret, step, cardNo)}`;
}

/**
 * The member card number a QR code stands for, or null when the code is forged, damaged or
 * expired: it is accepted in the 30-s step it was made in and the next one (so for 30–60 s),
 * and one step early, so a store node a few seconds behind the portal's clock still reads it.
 *
 * @example verifyMemberQrToken(secret, memberQrToken(secret, card, t), t) // card
 * @example verifyMemberQrToken(secret, memberQrToken(secret, card, t), new Date(t.getTime() + 61_000)) // null
 */
export function verifyMemberQrToken(secret: Buffer, token: string, now: Date): string | null {
  assertSecret(secret);
  if (!QR.test(token)) return null;
  const masked = BigInt(token.slice(2, 2 + SEQ_DIGITS));
  const given = Buffer.from(token.slice(2 + SEQ_DIGITS), 'latin1');
  const current = stepOf(now);
  for (const step of [current, current - 1, current + 1]) {
    const seq = (masked - pad(secret, step) + SEQ_SPACE) % SEQ_SPACE;
    if (seq === 0n) continue;
    const cardNo = makeMemberCardNo(Number(seq));
    if (timingSafeEqual(given, Buffer.from(mac(secret, step, cardNo), 'latin1'))) return cardNo;
  }
  return null;
}

function stepOf(now: Date): number {
  const ms = now.getTime();
  if (!Number.isFinite(ms)) throw new AppError('VALIDATION_FAILED', 'The clock gave an invalid date.');
  return Math.floor(ms / (MEMBER_QR_STEP_SECONDS * 1000));
}

// Two labelled HMACs from one secret: the mask and the MAC never share an input.
function pad(secret: Buffer, step: number): bigint {
  return truncate(createHmac('sha256', secret).update(`tillpoint-member-qr:mask:${step}`).digest()) % SEQ_SPACE;
}

function mac(secret: Buffer, step: number, cardNo: string): string {
  const digest = createHmac('sha256', secret).update(`tillpoint-member-qr:mac:${step}:${cardNo}`).digest();
  return (truncate(digest) % MAC_SPACE).toString().padStart(MAC_DIGITS, '0');
}

/** The first 8 bytes as an unsigned number; reduced mod 10^13 the bias is below 10^-6. */
function truncate(digest: Buffer): bigint {
  return digest.readBigUInt64BE(0);
}

function luhnDigit(body: string): number {
  let sum = 0;
  // From the right, the digit next to the check digit is doubled, then every second one.
  for (let i = body.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = body.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

function assertSecret(secret: Buffer): void {
  if (secret.length < MIN_SECRET_BYTES) {
    throw new AppError('CONFIG_INVALID', `The member QR secret is ${secret.length} bytes; use at least ${MIN_SECRET_BYTES} random bytes.`, {
      status: 500,
    });
  }
}
