// The member portal's sign-in (on the member's own phone): a 6-digit code sent by SMS, valid 5
// minutes, 5 tries, one code a minute per number; then a signed token (HMAC of member and
// expiry with the node's member key) in an httpOnly cookie for 30 days. Whether a number is a
// member is never told to someone who does not hold the phone.
import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import type { Ctx } from '../platform/context';
import { deliverMessages } from './messages';
import { normalisePhone } from './phone';
import { blindIndex } from './pii';
import { keysOf } from './service';

const CODE_TTL_MS = 5 * 60_000;
const RESEND_AFTER_MS = 60_000;
const MAX_TRIES = 5;
export const MEMBER_TOKEN_TTL_MS = 30 * 86_400_000;

interface PendingCode {
  memberId: string;
  codeHash: string;
  issuedAt: number;
  tries: number;
}
/** Per node and phone index; a restart forgets them (the member asks again). */
const pending = new Map<string, PendingCode>();

const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

/** Sends a sign-in code to the number if it belongs to a member; says the same either way. */
export async function sendPortalCode(ctx: Ctx, phoneInput: string): Promise<{ sent: true; resendAfterSeconds: number }> {
  const phone = normalisePhone(phoneInput);
  const index = blindIndex(keysOf(ctx).ring, phone);
  const key = `${ctx.nodeId}|${index}`;
  const now = ctx.clock.now().getTime();
  const last = pending.get(key);
  if (last && now - last.issuedAt < RESEND_AFTER_MS) {
    throw new AppError('CODE_TOO_SOON', `A code was sent less than a minute ago. Wait ${Math.ceil((RESEND_AFTER_MS - (now - last.issuedAt)) / 1000)} s before asking again.`, { status: 429 });
  }
  const member = await ctx.db.selectFrom('members').select('id').where('phone_index', '=', index).where('status', '=', 'active').executeTakeFirst();
  if (member) {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    pending.set(key, { memberId: member.id, codeHash: hashCode(code), issuedAt: now, tries: 0 });
    const id = newId();
    const at = new Date(now).toISOString();
    await ctx.db
      .insertInto('member_messages')
      .values({ id, member_id: member.id, kind: 'login_code', channel: 'sms', body: `【Tillpoint】您的会员登录验证码为 ${code}，5分钟内有效。如非本人操作请忽略。`, status: 'pending', attempts: 0, next_attempt_at: at, last_error: null, created_at: at, sent_at: null })
      .execute();
    await deliverMessages(ctx, { ids: [id] });
  }
  return { sent: true, resendAfterSeconds: RESEND_AFTER_MS / 1000 };
}

function tokenMac(ctx: Ctx, memberId: string, expires: number): string {
  return createHmac('sha256', keysOf(ctx).qrSecret).update(`portal|${memberId}|${expires}`).digest('base64url');
}

/** Checks the code and answers a member token (for the cookie). */
export async function openPortalSession(ctx: Ctx, phoneInput: string, code: string): Promise<{ token: string; memberId: string; expiresAt: string }> {
  const index = blindIndex(keysOf(ctx).ring, normalisePhone(phoneInput));
  const key = `${ctx.nodeId}|${index}`;
  const entry = pending.get(key);
  const now = ctx.clock.now().getTime();
  const wrong = new AppError('CODE_INVALID', 'The code is wrong or has expired. Check the SMS, or ask for a new code.', { status: 401 });
  if (!entry || now - entry.issuedAt > CODE_TTL_MS) throw wrong;
  entry.tries += 1;
  const given = Buffer.from(hashCode(code.trim()));
  const ok = given.length === entry.codeHash.length && timingSafeEqual(given, Buffer.from(entry.codeHash));
  if (!ok) {
    if (entry.tries >= MAX_TRIES) pending.delete(key);
    throw wrong;
  }
  pending.delete(key);
  const expires = now + MEMBER_TOKEN_TTL_MS;
  return { token: `${entry.memberId}.${expires}.${tokenMac(ctx, entry.memberId, expires)}`, memberId: entry.memberId, expiresAt: new Date(expires).toISOString() };
}

/** The member a token belongs to, or UNAUTHENTICATED. */
export function memberOfToken(ctx: Ctx, token: string | undefined): string {
  const [memberId, expiresText, mac] = (token ?? '').split('.');
  const expires = Number(expiresText);
  const fail = new AppError('UNAUTHENTICATED', 'Sign in with your phone number first.');
  if (!memberId || !mac || !Number.isSafeInteger(expires) || expires < ctx.clock.now().getTime()) throw fail;
  const expected = Buffer.from(tokenMac(ctx, memberId, expires));
  const given = Buffer.from(mac);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw fail;
  return memberId;
}
