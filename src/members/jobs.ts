// The members' scheduled jobs: points past their last day are written off (and members whose
// points lapse within 30 days are told once), and the yearly tier review sets each member to
// the tier the last 12 months earn — which may be lower. Both are idempotent: running twice on
// a day changes nothing more.
import { newId } from '../platform/ids';
import { businessDate } from '../platform/business-date';
import type { Ctx } from '../platform/context';
import { appendAudit } from '../audit/index';
import { membersConfig } from './config';
import { expiringPoints, type PointsEntryKind } from './points';
import { yearlyReview } from './tiers';
import { needsRotation, resealPii } from './pii';
import { keysOf, queueMessage } from './service';

const REMIND_DAYS = 30;
const TIME_ZONE = 'Asia/Shanghai';

/** Writes off expired points (booked at the member's home store); queues a reminder for points lapsing within 30 days. */
export async function expireMemberPoints(ctx: Ctx): Promise<{ expired: number; reminded: number }> {
  const now = ctx.clock.now();
  const today = businessDate(now, TIME_ZONE, '00:00');
  const soon = businessDate(new Date(now.getTime() + REMIND_DAYS * 86_400_000), TIME_ZONE, '00:00');
  const members = await ctx.db.selectFrom('members').select(['id', 'registered_store', 'wechat_openid_sealed']).where('status', '=', 'active').where('points_balance', '>', 0).execute();
  let expired = 0;
  let reminded = 0;
  for (const m of members) {
    const ledger = await ctx.db.selectFrom('member_points').select(['created_at', 'points', 'kind']).where('member_id', '=', m.id).orderBy('created_at').execute();
    const lots = expiringPoints(
      ledger.map((e) => ({ at: new Date(e.created_at), points: e.points, kind: e.kind as PointsEntryKind })),
      'end_of_next_year',
      now,
      TIME_ZONE,
    );
    const due = lots.filter((l) => l.due).reduce((s, l) => s + l.points, 0);
    const at = now.toISOString();
    if (due > 0) {
      await ctx.db.transaction().execute(async (tx) => {
        await tx.insertInto('member_points').values({ store_id: m.registered_store, id: newId(), member_id: m.id, kind: 'expire', points: -due, doc_type: 'expiry', doc_id: today, business_date: today, created_at: at }).execute();
        await tx.updateTable('members').set((eb) => ({ points_balance: eb('points_balance', '-', due), updated_at: at })).where('id', '=', m.id).execute();
      });
      expired += due;
    }
    const lapsing = lots.find((l) => !l.due && l.lastDay <= soon && l.points > 0);
    if (lapsing) {
      const already = await ctx.db.selectFrom('member_messages').select('id').where('member_id', '=', m.id).where('kind', '=', `points_expiring:${lapsing.lastDay}`).executeTakeFirst();
      if (!already) {
        await queueMessage(ctx, m, `points_expiring:${lapsing.lastDay}`, `【Tillpoint】您有 ${lapsing.points} 积分将于 ${lapsing.lastDay} 过期，请尽快使用。`, { at, storeId: m.registered_store, points: lapsing.points, lastDay: lapsing.lastDay });
        reminded += 1;
      }
    }
  }
  return { expired, reminded };
}

/** Sets every member to the tier the last 12 months of sales earn (the yearly review); audited per change. */
export async function reviewMemberTiers(ctx: Ctx): Promise<{ upgraded: number; downgraded: number }> {
  const { tiers } = await membersConfig(ctx);
  const now = ctx.clock.now();
  const since = new Date(now.getTime() - 365 * 86_400_000).toISOString();
  const members = await ctx.db.selectFrom('members').select(['id', 'tier_code', 'card_no']).where('status', '=', 'active').execute();
  const counts = { upgraded: 0, downgraded: 0 };
  for (const m of members) {
    const activity = await ctx.db
      .selectFrom('sales')
      .select((eb) => [eb.fn.sum<number>('total_fen').as('spend'), eb.fn.countAll<number>().as('visits')])
      .where('member_id', '=', m.id)
      .where('created_at', '>=', since)
      .executeTakeFirst();
    const review = yearlyReview(m.tier_code, tiers, { spendFen: Number(activity?.spend ?? 0), visits: Number(activity?.visits ?? 0) });
    if (review.change === 'unchanged') continue;
    counts[review.change] += 1;
    await ctx.db.transaction().execute(async (tx) => {
      await tx.updateTable('members').set({ tier_code: review.tier.code, tier_since: now.toISOString(), updated_at: now.toISOString() }).where('id', '=', m.id).execute();
      await appendAudit({ ...ctx, db: tx }, { action: `member.tier_${review.change}`, docType: 'member', docId: m.id, storeId: null, data: { cardNo: m.card_no, from: m.tier_code, to: review.tier.code } });
    });
  }
  return counts;
}

/**
 * Re-seals every member's personal data under the ring's current key (after a rotation).
 * Lookups keep working throughout: the blind index does not change with the data key.
 */
export async function resealMembers(ctx: Ctx): Promise<number> {
  const { ring } = keysOf(ctx);
  const rows = await ctx.db.selectFrom('members').select(['id', 'phone_sealed', 'name_sealed', 'birthday_sealed', 'wechat_openid_sealed']).execute();
  let resealed = 0;
  for (const r of rows) {
    const fields = { phone_sealed: r.phone_sealed, name_sealed: r.name_sealed, birthday_sealed: r.birthday_sealed, wechat_openid_sealed: r.wechat_openid_sealed };
    const stale = Object.values(fields).some((v) => v !== null && needsRotation(ring, v));
    if (!stale) continue;
    const again = (v: string | null) => (v !== null && needsRotation(ring, v) ? resealPii(ring, v) : v);
    await ctx.db
      .updateTable('members')
      .set({ phone_sealed: again(r.phone_sealed), name_sealed: again(r.name_sealed), birthday_sealed: again(r.birthday_sealed), wechat_openid_sealed: again(r.wechat_openid_sealed) })
      .where('id', '=', r.id)
      .execute();
    resealed += 1;
  }
  return resealed;
}
