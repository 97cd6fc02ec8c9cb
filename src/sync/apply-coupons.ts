// HQ's appliers for members' coupons: a coupon a store issued (its points debited in the member's
// ledger at HQ, in push order like a sale's), and a coupon a pushed sale used.
import type { Selectable } from 'kysely';
import { newId } from '../platform/ids';
import type { Ctx } from '../platform/context';
import type { Tx } from '../platform/db/index';
import type { MemberCouponsTable } from '../platform/db/schema';
import type { SaleRecord } from '../checkout/index';
import type { PushedEvent } from './apply';

export interface CouponIssuedEvent {
  storeId: string;
  /** The store's business date when the coupon was issued. */
  businessDate: string;
  coupon: Selectable<MemberCouponsTable>;
}

type Flag = (t: Ctx & { db: Tx }, storeId: string, code: string, doc: { type: string; id: string }, ref: string, detail: string) => Promise<void>;

/**
 * `member.coupon_issued`: the coupon row as the store wrote it, and its points out of the member's
 * balance at HQ. HQ never refuses what a store already did: a balance that goes negative (points
 * spent offline in two stores) is kept and flagged, an unknown member is flagged and not booked.
 */
export async function applyCouponsIssued(t: Ctx & { db: Tx }, storeId: string, events: PushedEvent[], flag: Flag): Promise<void> {
  for (const e of events) {
    const { coupon, businessDate: day } = e.payload as CouponIssuedEvent;
    const member = await t.db.selectFrom('members').select('id').where('id', '=', coupon.member_id).executeTakeFirst();
    if (!member) {
      await flag(t, storeId, 'MEMBER_UNKNOWN', { type: 'coupon', id: coupon.id }, coupon.member_id, `Member ${coupon.member_id} of coupon ${coupon.code} is unknown at HQ; its ${coupon.points} points are not booked.`);
      continue;
    }
    await t.db.insertInto('member_coupons').values(coupon).onConflict((oc) => oc.column('id').doNothing()).execute();
    await t.db
      .insertInto('member_points')
      .values({ store_id: storeId, id: newId(), member_id: coupon.member_id, kind: 'redeem_coupon', points: -coupon.points, doc_type: 'coupon', doc_id: coupon.id, business_date: day, created_at: coupon.issued_at })
      .execute();
    const after = await t.db
      .updateTable('members')
      .set((eb) => ({ points_balance: eb('points_balance', '-', coupon.points), updated_at: coupon.issued_at }))
      .where('id', '=', coupon.member_id)
      .returning('points_balance')
      .executeTakeFirstOrThrow();
    if (after.points_balance < 0) {
      await flag(t, storeId, 'POINTS_NEGATIVE', { type: 'coupon', id: coupon.id }, coupon.member_id, `Coupon ${coupon.code} took ${coupon.points} points; the member's balance at HQ is now ${after.points_balance}.`);
    }
  }
}

/**
 * The coupons pushed sales used, marked used at HQ. The first use pushed wins; a coupon two stores
 * both accepted while offline is flagged COUPON_USED_TWICE for HQ (the sale stands: it was made).
 */
export async function markCouponsUsed(t: Ctx & { db: Tx }, storeId: string, sales: readonly SaleRecord[], flag: Flag): Promise<void> {
  for (const s of sales) {
    const couponId = s.points?.couponId;
    if (!couponId) continue;
    const marked = await t.db
      .updateTable('member_coupons')
      .set({ status: 'used', used_store_ref: s.storeId, used_sale_id: s.id, used_at: s.createdAt })
      .where('id', '=', couponId)
      .where('status', '=', 'issued')
      .executeTakeFirst();
    if (Number(marked.numUpdatedRows) > 0) continue;
    const coupon = await t.db.selectFrom('member_coupons').select(['code', 'member_id', 'used_sale_id']).where('id', '=', couponId).executeTakeFirst();
    if (coupon?.used_sale_id && coupon.used_sale_id !== s.id) {
      await flag(t, storeId, 'COUPON_USED_TWICE', { type: 'sale', id: s.id }, coupon.member_id, `Coupon ${coupon.code} was used by sale ${coupon.used_sale_id} and again by sale ${s.receiptNo} (offline at two tills or stores).`);
    }
  }
}
