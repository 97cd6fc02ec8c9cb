// Member card numbers and dynamic member QR codes: check digits, expiry on an injected clock,
// forgeries refused, and no overlap with anything else the scan box reads.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MEMBER_CARD_PATTERN,
  MEMBER_QR_PATTERN,
  isMemberCardNo,
  makeMemberCardNo,
  memberQrToken,
  verifyMemberQrToken,
} from './member-code';

const SECRET = Buffer.alloc(32, 7);
// Step boundaries fall on multiples of 30 s since the epoch; this instant is one.
const T0 = new Date('2026-03-01T02:00:00Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

// DESIGN §7 payment-code routes and the GS1 lengths the scan box tests first.
const PAYMENT_CODES = [/^1[0-5]\d{16}$/, /^(2[5-9]|30)\d{14,22}$/, /^62\d{14,18}$/, /^01\d{17}$/];
const GTIN_LENGTHS = [8, 12, 13];

const seq = fc.integer({ min: 1, max: 9_999_999_999_999 });

describe('member card numbers', () => {
  it('is 88, the sequence in 13 digits and a Luhn digit', () => {
    expect(makeMemberCardNo(1)).toBe('8800000000000013');
    expect(makeMemberCardNo(123456789)).toBe('8800001234567892');
    expect(makeMemberCardNo(9_999_999_999_999)).toMatch(/^889{13}\d$/);
    expect(isMemberCardNo('8800000000000013')).toBe(true);
    expect(isMemberCardNo('8800000000000014')).toBe(false);
    expect(isMemberCardNo('880000000000001')).toBe(false);
    expect(isMemberCardNo('M0000000001')).toBe(false);
  });

  it.each([0, -1, 1.5, 10_000_000_000_000])('refuses sequence %s', (bad) => {
    expect(() => makeMemberCardNo(bad)).toThrow(/from 1 to 9999999999999/);
  });

  it('property: every made number is valid and any one changed digit is caught', () => {
    fc.assert(
      fc.property(seq, fc.nat({ max: 15 }), fc.integer({ min: 1, max: 9 }), (n, position, delta) => {
        const card = makeMemberCardNo(n);
        expect(isMemberCardNo(card)).toBe(true);
        const digit = (Number(card[position]) + delta) % 10;
        const typo = card.slice(0, position) + String(digit) + card.slice(position + 1);
        expect(isMemberCardNo(typo)).toBe(false);
      }),
    );
  });

  it('property: adjacent digits swapped are caught unless they are 0/9 or equal', () => {
    fc.assert(
      fc.property(seq, fc.integer({ min: 2, max: 14 }), (n, position) => {
        const card = makeMemberCardNo(n);
        const a = card[position] ?? '';
        const b = card[position + 1] ?? '';
        fc.pre(a !== b && `${a}${b}` !== '09' && `${a}${b}` !== '90');
        const swapped = card.slice(0, position) + b + a + card.slice(position + 2);
        expect(isMemberCardNo(swapped)).toBe(false);
      }),
    );
  });
});

describe('member QR codes', () => {
  const card = makeMemberCardNo(20_250_001);

  it('is 24 digits from 97 and reads back to the card within its step and the next', () => {
    const token = memberQrToken(SECRET, card, at(0));
    expect(token).toMatch(/^97\d{22}$/);
    expect(token).not.toContain(card.slice(2, 15));
    expect(verifyMemberQrToken(SECRET, token, at(0))).toBe(card);
    expect(verifyMemberQrToken(SECRET, token, at(29.999))).toBe(card);
    expect(verifyMemberQrToken(SECRET, token, at(59.999))).toBe(card);
    expect(verifyMemberQrToken(SECRET, token, at(60))).toBeNull();
    expect(verifyMemberQrToken(SECRET, token, at(3600))).toBeNull();
  });

  it('made late in a step it lasts a little over 30 s', () => {
    const token = memberQrToken(SECRET, card, at(29));
    expect(verifyMemberQrToken(SECRET, token, at(59))).toBe(card);
    expect(verifyMemberQrToken(SECRET, token, at(60))).toBeNull();
  });

  it('is read by a till whose clock is up to one step behind the portal', () => {
    const token = memberQrToken(SECRET, card, at(31));
    expect(verifyMemberQrToken(SECRET, token, at(29))).toBe(card);
    expect(verifyMemberQrToken(SECRET, token, at(-1))).toBeNull();
  });

  it('changes every step and differs between members', () => {
    expect(memberQrToken(SECRET, card, at(0))).toBe(memberQrToken(SECRET, card, at(29)));
    expect(memberQrToken(SECRET, card, at(0))).not.toBe(memberQrToken(SECRET, card, at(30)));
    expect(memberQrToken(SECRET, card, at(0))).not.toBe(memberQrToken(SECRET, makeMemberCardNo(20_250_002), at(0)));
  });

  it('refuses codes of the wrong shape, a code under another secret, and a short secret', () => {
    const token = memberQrToken(SECRET, card, at(0));
    expect(verifyMemberQrToken(SECRET, token.slice(1), at(0))).toBeNull();
    expect(verifyMemberQrToken(SECRET, `${token}0`, at(0))).toBeNull();
    expect(verifyMemberQrToken(SECRET, card, at(0))).toBeNull();
    expect(verifyMemberQrToken(Buffer.alloc(32, 8), token, at(0))).toBeNull();
    expect(() => memberQrToken(Buffer.alloc(8), card, at(0))).toThrow(/at least 16/);
    expect(() => memberQrToken(SECRET, '8800000000000014', at(0))).toThrow(/valid member card/);
  });

  it('property: round trip for any card and any instant within 30 s', () => {
    fc.assert(
      fc.property(seq, fc.integer({ min: 1_600_000_000_000, max: 2_500_000_000_000 }), fc.nat({ max: 29_999 }), (n, ms, later) => {
        const c = makeMemberCardNo(n);
        const token = memberQrToken(SECRET, c, new Date(ms));
        expect(verifyMemberQrToken(SECRET, token, new Date(ms + later))).toBe(c);
      }),
    );
  });

  it('property: any one changed digit is refused, never read as another member', () => {
    fc.assert(
      fc.property(seq, fc.integer({ min: 2, max: 23 }), fc.integer({ min: 1, max: 9 }), (n, position, delta) => {
        const c = makeMemberCardNo(n);
        const token = memberQrToken(SECRET, c, at(0));
        const digit = (Number(token[position]) + delta) % 10;
        const forged = token.slice(0, position) + String(digit) + token.slice(position + 1);
        expect(verifyMemberQrToken(SECRET, forged, at(0))).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('property: cards and QR codes are none of product barcode, scale label or payment code', () => {
    fc.assert(
      fc.property(seq, fc.integer({ min: 1_600_000_000_000, max: 2_500_000_000_000 }), (n, ms) => {
        const c = makeMemberCardNo(n);
        const token = memberQrToken(SECRET, c, new Date(ms));
        for (const code of [c, token]) {
          expect(GTIN_LENGTHS).not.toContain(code.length);
          for (const pattern of PAYMENT_CODES) expect(pattern.test(code)).toBe(false);
        }
        expect(new RegExp(MEMBER_CARD_PATTERN).test(c)).toBe(true);
        expect(new RegExp(MEMBER_QR_PATTERN).test(token)).toBe(true);
        expect(new RegExp(MEMBER_CARD_PATTERN).test(token)).toBe(false);
        expect(new RegExp(MEMBER_QR_PATTERN).test(c)).toBe(false);
      }),
    );
  });
});
