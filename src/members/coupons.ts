// Coupons members buy with points (积分兑换优惠券) and the gifts on offer: issuing a coupon debits
// the points in the same transaction; a sale uses a coupon once (the first till to commit wins);
// returning the whole sale makes it usable again while it is still valid.
import { randomInt } from 'node:crypto';
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { businessDate } from '../platform/business-date';
import { appendOutbox } from '../platform/outbox';
import type { Ctx } from '../platform/context';
import type { Selectable } from 'kysely';
import type { MemberCouponsTable } from '../platform/db/schema';
import { appendAudit } from '../audit/index';
import { catalogIndex } from '../catalog/index';
import { membersConfig } from './config';
import { couponLastDay, couponState, type CouponState } from './rewards';
import { debitPoints } from './service';

export interface CouponView {
  id: string;
  code: string;
  offerId: string;
  name: string;
  valueFen: number;
  minSpendFen: number;
  points: number;
  state: CouponState;
  issuedAt: string;
  /** The last local day it can be used. */
  lastDay: string;
  usedAt: string | null;
}

export interface GiftView {
  skuId: string;
  code: string;
  name: string;
  /** The SKU's list price, for the till to show what the member saves. */
  priceFen: number;
  points: number;
  cashFen: number;
}

/** The chain's gifts (with their SKUs' names) and coupon offers; gifts whose SKU is gone or inactive are left out. */
export async function rewardOffers(ctx: Ctx) {
  const config = await membersConfig(ctx);
  const index = await catalogIndex(ctx);
  const gifts: GiftView[] = config.gifts.flatMap((g) => {
    const sku = index.sku(g.skuId);
    return sku && sku.active ? [{ skuId: g.skuId, code: sku.code, name: sku.name, priceFen: sku.priceFen, points: g.points, cashFen: g.cashFen }] : [];
  });
  return { gifts, couponOffers: config.couponOffers };
}

function viewOf(row: Selectable<MemberCouponsTable>, now: Date, timeZone: string): CouponView {
  return {
    id: row.id,
    code: row.code,
    offerId: row.offer_id,
    name: row.name,
    valueFen: row.value_fen,
    minSpendFen: row.min_spend_fen,
    points: row.points,
    state: couponState({ status: row.status, lastDay: row.last_day }, now, timeZone),
    issuedAt: row.issued_at,
    lastDay: row.last_day,
    usedAt: row.used_at,
  };
}

// Unambiguous letters and digits (no 0/O, 1/I/L), 10 of them: about 2^48 codes.
const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
function couponCode(): string {
  return `Q${Array.from({ length: 10 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('')}`;
}

/**
 * Converts a member's points into a coupon of `offerId`, in one transaction: the points are
 * debited (refused with POINTS_INSUFFICIENT when the balance no longer covers them, whatever
 * another till did meanwhile), the coupon is written with its last day from the clock, the
 * ledger entry, the audit record and the outbox event. `storeId` is the store the points are
 * booked at (the till's, or the member's home store from the portal).
 */
export async function issueCoupon(ctx: Ctx, input: { memberId: string; offerId: string; storeId: string; timeZone?: string; actorId?: string | null }): Promise<CouponView> {
  const { couponOffers } = await membersConfig(ctx);
  const offer = couponOffers.find((o) => o.id === input.offerId);
  if (!offer) throw new AppError('COUPON_OFFER_NOT_FOUND', `There is no coupon offer "${input.offerId}". Pick one of the offers listed.`, { status: 404, details: { field: 'offerId' } });
  const member = await ctx.db.selectFrom('members').select(['status']).where('id', '=', input.memberId).executeTakeFirst();
  if (!member || member.status !== 'active') throw new AppError('MEMBER_NOT_FOUND', 'No such member.', { status: 404 });
  const timeZone = input.timeZone ?? 'Asia/Shanghai';
  const now = ctx.clock.now();
  const at = now.toISOString();
  const id = newId();
  const day = businessDate(now, timeZone);
  const row: Selectable<MemberCouponsTable> = {
    id,
    code: couponCode(),
    member_id: input.memberId,
    offer_id: offer.id,
    name: offer.name,
    value_fen: offer.valueFen,
    min_spend_fen: offer.minSpendFen,
    points: offer.points,
    status: 'issued',
    issued_at: at,
    last_day: couponLastDay(now, offer.validDays, timeZone),
    issued_store_ref: input.storeId,
    used_store_ref: null,
    used_sale_id: null,
    used_at: null,
  };
  await ctx.db.transaction().execute(async (tx) => {
    const t = { ...ctx, db: tx };
    await debitPoints(t, input.memberId, offer.points, at, `${offer.name} needs ${offer.points} points, more than the member has. Pick a smaller offer.`);
    await tx.insertInto('member_coupons').values(row).execute();
    await tx
      .insertInto('member_points')
      .values({ store_id: input.storeId, id: newId(), member_id: input.memberId, kind: 'redeem_coupon', points: -offer.points, doc_type: 'coupon', doc_id: id, business_date: day, created_at: at })
      .execute();
    await appendAudit(t, { action: 'member.coupon_issued', actorId: input.actorId ?? null, docType: 'coupon', docId: id, storeId: input.storeId, data: { memberId: input.memberId, offerId: offer.id, points: offer.points, valueFen: offer.valueFen, lastDay: row.last_day } });
    await appendOutbox(t, { type: 'member.coupon_issued', documentId: id, payload: { storeId: input.storeId, businessDate: day, coupon: row } });
  });
  return viewOf(row, now, timeZone);
}

/** A member's coupons, newest first, each with its state as of now. */
export async function memberCoupons(ctx: Ctx, memberId: string, timeZone = 'Asia/Shanghai'): Promise<CouponView[]> {
  const rows = await ctx.db.selectFrom('member_coupons').selectAll().where('member_id', '=', memberId).orderBy('issued_at', 'desc').orderBy('id', 'desc').limit(100).execute();
  const now = ctx.clock.now();
  return rows.map((r) => viewOf(r, now, timeZone));
}

/**
 * The member's coupon with this code (or id), if it can be used today: refused with
 * COUPON_NOT_FOUND, COUPON_USED or COUPON_EXPIRED (naming its last day).
 */
export async function usableCoupon(ctx: Ctx, memberId: string, code: string, timeZone = 'Asia/Shanghai'): Promise<CouponView> {
  const key = code.trim().toUpperCase();
  const row = await ctx.db
    .selectFrom('member_coupons')
    .selectAll()
    .where('member_id', '=', memberId)
    .where((eb) => eb.or([eb('code', '=', key), eb('id', '=', code.trim())]))
    .executeTakeFirst();
  if (!row) throw new AppError('COUPON_NOT_FOUND', `The member has no coupon ${key}. Check the code on the member's phone.`, { status: 404, details: { field: 'code' } });
  const coupon = viewOf(row, ctx.clock.now(), timeZone);
  if (coupon.state === 'used') throw new AppError('COUPON_USED', `Coupon ${coupon.code} was already used${coupon.usedAt ? ` (${coupon.usedAt.slice(0, 10)})` : ''}.`, { status: 409 });
  if (coupon.state === 'expired') throw new AppError('COUPON_EXPIRED', `Coupon ${coupon.code} expired: it was valid until ${coupon.lastDay}.`, { status: 409, details: { lastDay: coupon.lastDay } });
  return coupon;
}

/**
 * Marks the coupon used by a sale, inside the sale's transaction. The update only takes a
 * coupon still issued and valid today, so of two tills using it at once one commits and the
 * other gets COUPON_USED with nothing written.
 */
export async function useCoupon(ctx: Ctx, input: { couponId: string; saleId: string; storeId: string; at: string; today: string }): Promise<void> {
  const taken = await ctx.db
    .updateTable('member_coupons')
    .set({ status: 'used', used_sale_id: input.saleId, used_store_ref: input.storeId, used_at: input.at })
    .where('id', '=', input.couponId)
    .where('status', '=', 'issued')
    .where('last_day', '>=', input.today)
    .executeTakeFirst();
  if (Number(taken.numUpdatedRows) === 1) return;
  const row = await ctx.db.selectFrom('member_coupons').select(['code', 'status', 'last_day']).where('id', '=', input.couponId).executeTakeFirst();
  if (row && row.status === 'issued') throw new AppError('COUPON_EXPIRED', `Coupon ${row.code} expired: it was valid until ${row.last_day}. Remove it from the cart.`, { status: 409, details: { lastDay: row.last_day } });
  throw new AppError('COUPON_USED', `Coupon ${row?.code ?? ''} was just used on another sale. Remove it from the cart and take payment for the rest.`, { status: 409 });
}

/**
 * After the whole of a sale is returned: its coupon becomes usable again while still within its
 * days ('restored'), else stays used ('expired'); null when the sale used none.
 */
export async function restoreSaleCoupon(ctx: Ctx, saleId: string, today: string): Promise<{ code: string; outcome: 'restored' | 'expired'; lastDay: string; valueFen: number } | null> {
  const row = await ctx.db.selectFrom('member_coupons').select(['id', 'code', 'last_day', 'value_fen']).where('used_sale_id', '=', saleId).where('status', '=', 'used').executeTakeFirst();
  if (!row) return null;
  if (row.last_day < today) return { code: row.code, outcome: 'expired', lastDay: row.last_day, valueFen: row.value_fen };
  await ctx.db.updateTable('member_coupons').set({ status: 'issued', used_sale_id: null, used_store_ref: null, used_at: null }).where('id', '=', row.id).execute();
  return { code: row.code, outcome: 'restored', lastDay: row.last_day, valueFen: row.value_fen };
}

