// Mainland China mobile numbers: the one normal form members are registered and looked up by,
// and the masked form (138****5678) that screens and logs show.
import { AppError } from '../platform/errors';

/** A normalised mainland mobile number: 11 digits, 1 then 3–9 (MIIT number segments 13x–19x). */
export const MOBILE_RULE = /^1[3-9]\d{9}$/;

// Spaces, dashes, dots and brackets people and contact apps put between digit groups.
const SEPARATORS = /[\s\-.()]/g;

/**
 * True when `phone` is already in normal form (11 ASCII digits, `^1[3-9]\d{9}$`).
 *
 * @example isNormalisedPhone('13800138000') // true
 * @example isNormalisedPhone('+86 138 0013 8000') // false
 */
export function isNormalisedPhone(phone: string): boolean {
  return MOBILE_RULE.test(phone);
}

/**
 * Normalises a typed or pasted mainland mobile number to its 11 digits: full-width digits become
 * ASCII, separators go, and a +86 / 0086 / 86 country prefix is dropped. Throws PHONE_INVALID
 * saying what is wrong. The number itself is left out of the message and details, because
 * errors reach logs, which must not hold a phone number.
 *
 * @example normalisePhone('+86 138 0013 8000') // '13800138000'
 * @example normalisePhone('８６-１３８００１３８０００') // '13800138000'
 * @example normalisePhone('12345') // throws PHONE_INVALID: "… has 5 digits; a mainland mobile number has 11 …"
 */
export function normalisePhone(input: string): string {
  // NFKC turns full-width digits, ＋ and the ideographic space into their ASCII forms.
  const compact = input.normalize('NFKC').replace(SEPARATORS, '');
  if (compact === '') throw invalid('empty', 'No mobile number was given. Enter the 11-digit mobile number.');

  let digits = compact;
  if (digits.startsWith('+')) {
    digits = digits.slice(1);
    if (!digits.startsWith('86')) {
      throw invalid('not_mainland', 'Only mainland China (+86) mobile numbers can be registered. Enter an 11-digit number starting with 1.');
    }
    digits = digits.slice(2);
  } else if (digits.startsWith('0086')) {
    digits = digits.slice(4);
  } else if (digits.length === 13 && digits.startsWith('86')) {
    digits = digits.slice(2);
  }

  const stray = /[^0-9]/u.exec(digits);
  if (stray) {
    throw invalid('not_digits', `A mobile number has only digits, but this one contains "${stray[0]}". Enter the 11 digits.`);
  }
  if (digits.length !== 11) {
    throw invalid('length', `The mobile number has ${digits.length} digits; a mainland mobile number has 11. Check for a missing or extra digit.`, {
      digits: digits.length,
    });
  }
  if (!MOBILE_RULE.test(digits)) {
    throw invalid('prefix', 'A mainland mobile number starts with 13 to 19. Check the first two digits.');
  }
  return digits;
}

/**
 * The form screens, receipts and logs show: the first 3 and last 4 digits of an 11-digit number.
 * Any other text keeps at most its last 4 characters, so a masked value never reveals more
 * than a masked mobile number does.
 *
 * @example maskPhone('13812345678') // '138****5678'
 */
export function maskPhone(phone: string): string {
  if (phone.length === 11) return `${phone.slice(0, 3)}****${phone.slice(7)}`;
  const shown = phone.length > 4 ? 4 : 0;
  return `${'*'.repeat(phone.length - shown)}${phone.slice(phone.length - shown)}`;
}

function invalid(reason: string, message: string, extra: Record<string, unknown> = {}): AppError {
  return new AppError('PHONE_INVALID', message, { status: 400, details: { field: 'phone', reason, ...extra } });
}
