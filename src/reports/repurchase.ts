// Members' repurchase (issue 5 item 6): of the members who bought in a period, how many came back
// within 30, 60 and 90 days, by store and by tier; and the member list behind it, filtered by
// tier, last visit and 12-month spend. Lists show card numbers and tiers only: phones are sealed,
// and a list never opens them (one member's masked phone is the members service's business).
import { sql } from 'kysely';
import { AppError } from '../platform/errors';
import { businessDate } from '../platform/business-date';
import { can, type Actor } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import { membersConfig } from '../members/index';
import { addDays, dayCount } from './periods';
import { checkRange, scopeOf, type Scope, type ScopeInput } from './service';
import { sharePct } from './measures';

export const REPURCHASE_WINDOWS = [30, 60, 90] as const;

export interface RepurchaseWindow {
  days: number;
  /** Members whose window had closed by yesterday (the others cannot be judged yet). */
  eligible: number;
  /** Of those, members who bought again on a later business date within the window. */
  returned: number;
  ratePct: string | null;
}

export interface RepurchaseGroup {
  key: string;
  label: string;
  members: number;
  windows: RepurchaseWindow[];
}

export interface MemberActivityRow {
  memberId: string;
  cardNo: string;
  tier: string;
  tierName: string;
  registeredStore: string;
  lastVisit: string;
  /** Sales in the 12 months up to today, in the stores in scope. */
  visits12m: number;
  /** What those sales came to (returns left in, as the tier rules count spend). */
  spend12mFen: number;
}

export interface MembersReport {
  from: string;
  to: string;
  /** Today's business date; a window counts only once it has closed before it. */
  asOf: string;
  repurchase: { members: number; windows: RepurchaseWindow[]; byStore: RepurchaseGroup[]; byTier: RepurchaseGroup[] };
  /** Null unless the caller may manage members. */
  list: { total: number; rows: MemberActivityRow[] } | null;
}

export interface MembersReportInput extends ScopeInput {
  from: string;
  to: string;
  tier?: string;
  /** Last visit on or after / on or before (business dates). */
  lastVisitFrom?: string;
  lastVisitTo?: string;
  minSpendFen?: number;
  maxSpendFen?: number;
  limit?: number;
  offset?: number;
}

interface Cohort {
  memberId: string;
  first: string;
  storeId: string;
  /** Days from the first visit to the next one on a later date, if any. */
  gap: number | null;
}

/**
 * Pure: each member's first visit in from…to, its store, and the gap in days to the next visit.
 *
 * @example cohortOf([{ memberId: 'm', date: '2026-11-02', storeId: 's' }, { memberId: 'm', date: '2026-11-20', storeId: 's' }], '2026-11-01', '2026-11-30') // [{ …, gap: 18 }]
 */
export function cohortOf(visits: ReadonlyArray<{ memberId: string; date: string; storeId: string }>, from: string, to: string): Cohort[] {
  const byMember = new Map<string, Array<{ date: string; storeId: string }>>();
  for (const v of visits) byMember.set(v.memberId, [...(byMember.get(v.memberId) ?? []), v]);
  const out: Cohort[] = [];
  for (const [memberId, list] of byMember) {
    const sorted = list.sort((a, b) => (a.date + a.storeId < b.date + b.storeId ? -1 : 1));
    const first = sorted.find((v) => v.date >= from && v.date <= to);
    if (!first) continue;
    const next = sorted.find((v) => v.date > first.date);
    out.push({ memberId, first: first.date, storeId: first.storeId, gap: next ? dayCount(first.date, next.date) - 1 : null });
  }
  return out;
}

/** Pure: the 30/60/90-day repurchase of a cohort, judged on `asOf` (a window must end before it). */
export function repurchaseWindows(cohort: readonly Cohort[], asOf: string): RepurchaseWindow[] {
  return REPURCHASE_WINDOWS.map((days) => {
    const eligible = cohort.filter((c) => addDays(c.first, days) < asOf);
    const returned = eligible.filter((c) => c.gap !== null && c.gap <= days).length;
    return { days, eligible: eligible.length, returned, ratePct: sharePct(returned, eligible.length) };
  });
}

/**
 * Repurchase of the members who bought from…to in the stores in scope, and the member list.
 *
 * @example const r = await membersReport(ctx, actor, { from: '2026-08-01', to: '2026-08-31' }); r.repurchase.windows[0] // { days: 30, eligible, returned, ratePct }
 */
export async function membersReport(ctx: Ctx, actor: Actor | null, input: MembersReportInput): Promise<MembersReport> {
  const { from, to } = checkRange(input.from, input.to);
  const scope = await scopeOf(ctx, actor, input);
  const first = scope.stores[0];
  const asOf = businessDate(ctx.clock.now(), first?.timeZone, first?.dayCutover);
  const tiers = (await membersConfig(ctx)).tiers;
  const tierName = (code: string) => tiers.find((t) => t.code === code)?.name ?? code;
  if (input.tier && !tiers.some((t) => t.code === input.tier)) {
    throw new AppError('VALIDATION_FAILED', `There is no tier "${input.tier}"; the tiers are ${tiers.map((t) => t.code).join(', ')}.`, { status: 400, details: { field: 'tier' } });
  }

  let visitQuery = ctx.db
    .selectFrom('sales')
    .select(['member_id', 'business_date', 'store_id'])
    .distinct()
    .where('member_id', 'is not', null)
    .where('status', '=', 'completed')
    .where('business_date', '>=', from)
    .where('business_date', '<=', addDays(to, REPURCHASE_WINDOWS[REPURCHASE_WINDOWS.length - 1] ?? 90));
  if (scope.ids !== 'all') visitQuery = visitQuery.where('store_id', 'in', scope.ids);
  const visits = (await visitQuery.execute()).map((v) => ({ memberId: v.member_id ?? '', date: v.business_date, storeId: v.store_id }));
  const cohort = cohortOf(visits, from, to);
  const tierOf = new Map<string, string>();
  const ids = cohort.map((c) => c.memberId);
  for (let i = 0; i < ids.length; i += 500) {
    for (const m of await ctx.db.selectFrom('members').select(['id', 'tier_code']).where('id', 'in', ids.slice(i, i + 500)).execute()) tierOf.set(m.id, m.tier_code);
  }
  const groups = (keyOf: (c: Cohort) => string, labelOf: (key: string) => string, order: string[]): RepurchaseGroup[] => {
    const by = new Map<string, Cohort[]>();
    for (const c of cohort) by.set(keyOf(c), [...(by.get(keyOf(c)) ?? []), c]);
    return [...by.entries()]
      .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b) || (a < b ? -1 : 1))
      .map(([key, list]) => ({ key, label: labelOf(key), members: list.length, windows: repurchaseWindows(list, asOf) }));
  };
  const stores = new Map(scope.stores.map((s) => [s.id, s]));
  const repurchase = {
    members: cohort.length,
    windows: repurchaseWindows(cohort, asOf),
    byStore: groups(
      (c) => stores.get(c.storeId)?.code ?? c.storeId,
      (code) => scope.stores.find((s) => s.code === code)?.name ?? code,
      scope.stores.map((s) => s.code),
    ),
    byTier: groups(
      (c) => tierOf.get(c.memberId) ?? '',
      tierName,
      tiers.map((t) => t.code),
    ),
  };
  const mayList = actor === null || scope.stores.every((s) => can(actor, 'members.manage', { storeId: s.id, regionId: s.regionId }));
  return { from, to, asOf, repurchase, list: mayList ? await memberList(ctx, scope, input, asOf, tierName) : null };
}

async function memberList(ctx: Ctx, scope: Scope, input: MembersReportInput, asOf: string, tierName: (code: string) => string): Promise<{ total: number; rows: MemberActivityRow[] }> {
  const spend = sql<number>`sum(s.total_fen)`;
  const last = sql<string>`max(s.business_date)`;
  let query = ctx.db
    .selectFrom('sales as s')
    .innerJoin('members as m', 'm.id', 's.member_id')
    .select(['m.id as memberId', 'm.card_no as cardNo', 'm.tier_code as tier', 'm.registered_store as registeredStore'])
    .select([last.as('lastVisit'), sql<number>`count(*)`.as('visits12m'), spend.as('spend12mFen')])
    .where('s.status', '=', 'completed')
    .where('s.business_date', '>', addDays(asOf, -365))
    .where('s.business_date', '<=', asOf)
    .groupBy(['m.id', 'm.card_no', 'm.tier_code', 'm.registered_store']);
  if (scope.ids !== 'all') query = query.where('s.store_id', 'in', scope.ids);
  if (input.tier) query = query.where('m.tier_code', '=', input.tier);
  if (input.lastVisitFrom) query = query.having(last, '>=', input.lastVisitFrom);
  if (input.lastVisitTo) query = query.having(last, '<=', input.lastVisitTo);
  if (input.minSpendFen !== undefined) query = query.having(spend, '>=', input.minSpendFen);
  if (input.maxSpendFen !== undefined) query = query.having(spend, '<=', input.maxSpendFen);
  const counted = await ctx.db
    .selectFrom(query.as('x'))
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  const rows = await query
    .orderBy(spend, 'desc')
    .orderBy('m.card_no')
    .limit(Math.min(Math.max(input.limit ?? 50, 1), 500))
    .offset(Math.max(input.offset ?? 0, 0))
    .execute();
  const codes = new Map(scope.stores.map((s) => [s.id, s.code]));
  const storeCodes = scope.ids === 'all' ? codes : new Map((await ctx.db.selectFrom('stores').select(['id', 'code']).execute()).map((s) => [s.id, s.code]));
  return {
    total: Number(counted?.n ?? 0),
    rows: rows.map((r) => ({
      memberId: r.memberId,
      cardNo: r.cardNo,
      tier: r.tier,
      tierName: tierName(r.tier),
      registeredStore: storeCodes.get(r.registeredStore) ?? r.registeredStore,
      lastVisit: r.lastVisit,
      visits12m: Number(r.visits12m),
      spend12mFen: Number(r.spend12mFen),
    })),
  };
}
