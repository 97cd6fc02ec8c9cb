// Points rewards besides the points tender: gifts (积分兑换礼品, a SKU for points, or points plus
// cash) and coupons bought with points (积分兑换优惠券). The chain's offer lists live in the
// members settings; these are their schemas and the pure rules for using them.
import { z } from 'zod';
import { businessDate } from '../platform/business-date';

export const giftSchema = z.object({
  skuId: z.string().min(1).max(64),
  /** Points the gift costs, e.g. 3000. */
  points: z.number().int().min(1).max(100_000_000),
  /** The cash part of a points + cash gift (e.g. 990 for ¥9.90); 0 for points only. */
  cashFen: z.number().int().min(0).max(100_000_000).default(0),
});
export type Gift = z.infer<typeof giftSchema>;

export const couponOfferSchema = z.object({
  /** Short code of the offer, e.g. "C10". */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'write letters, digits, - or _ (at most 32)'),
  name: z.string().min(1).max(40),
  points: z.number().int().min(1).max(100_000_000),
  valueFen: z.number().int().min(1).max(100_000_000),
  /** The purchase the coupon needs (after promotions and the tier discount), e.g. 5000 for ¥50. */
  minSpendFen: z.number().int().min(0).max(100_000_000),
  /** Usable through the local day this many days after the day it is issued. */
  validDays: z.number().int().min(1).max(3650),
});
export type CouponOffer = z.infer<typeof couponOfferSchema>;

const unique = <T>(key: (item: T) => string, what: string) => (items: readonly T[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [i], message: `${what} ${k} is listed twice` });
    seen.add(k);
  });
};

export const giftsSchema = z.array(giftSchema).max(200).superRefine(unique((g: Gift) => g.skuId, 'gift SKU'));
export const couponOffersSchema = z.array(couponOfferSchema).max(50).superRefine(unique((o: CouponOffer) => o.id, 'coupon offer'));

/**
 * The last local day a coupon issued at `issuedAt` can be used.
 *
 * @example couponLastDay(new Date('2026-11-30T02:00:00Z'), 30) // '2026-12-30'
 */
export function couponLastDay(issuedAt: Date, validDays: number, timeZone = 'Asia/Shanghai'): string {
  const issuedOn = businessDate(issuedAt, timeZone);
  return new Date(Date.parse(`${issuedOn}T00:00:00Z`) + validDays * 86_400_000).toISOString().slice(0, 10);
}

export type CouponState = 'issued' | 'used' | 'expired';

/**
 * What a coupon is now: used once a sale used it, expired once its last day has passed in the
 * store's time zone, else issued (usable).
 *
 * @example couponState({ status: 'issued', lastDay: '2026-12-30' }, new Date('2026-12-30T15:59:59Z')) // 'issued'
 */
export function couponState(coupon: { status: string; lastDay: string }, now: Date, timeZone = 'Asia/Shanghai'): CouponState {
  if (coupon.status === 'used') return 'used';
  return businessDate(now, timeZone) > coupon.lastDay ? 'expired' : 'issued';
}

export type GiftCheck = { ok: true } | { ok: false; code: 'POINTS_INSUFFICIENT'; message: string; balance: number };

/**
 * May a member with `available` points (balance less what the cart already spends) take `gift`?
 * Refusals are returned for the till to show.
 *
 * @example checkGift(3_500, { skuId: 'cup', points: 3_000, cashFen: 0 }) // { ok: true }
 */
export function checkGift(available: number, gift: Pick<Gift, 'points'>, name = 'This gift'): GiftCheck {
  if (gift.points <= available) return { ok: true };
  const balance = Math.max(0, available);
  return { ok: false, code: 'POINTS_INSUFFICIENT', message: `${name} needs ${gift.points} points; the member has ${balance} available.`, balance };
}

/**
 * Points to give back for returning `qty` of a gift line that sold `lineQty` for `linePoints`
 * points, after `returnedBefore` were returned: the change in ⌊points × returned-so-far ÷ qty⌋,
 * so a line returned in parts gives back exactly its points.
 *
 * @example giftPointsBack(3_000, 1, 1) // 3000
 */
export function giftPointsBack(linePoints: number, lineQty: number, qty: number, returnedBefore = 0): number {
  if (lineQty <= 0) return 0;
  const share = (n: number) => Math.floor((linePoints * Math.min(n, lineQty)) / lineQty);
  return share(returnedBefore + qty) - share(returnedBefore);
}
