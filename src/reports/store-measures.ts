// The measures beside sales a manager checks for a period: discounts by promotion, the members'
// share of sales, new members per day, cash over/short of closed shifts, returns by reason, and
// cashier performance. Sales figures come from the rollups; the rest from small tables (members,
// shifts, the audit log's line voids), never from raw sale lines.
import Big from 'big.js';
import { businessDate } from '../platform/business-date';
import type { Actor } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import type { Db } from '../platform/db/index';
import { addDays } from './periods';
import { refreshRollups } from './rollups';
import { checkRange, scopeOf, sumRollups, type Scope, type ScopeInput } from './service';
import { derive, sharePct } from './measures';

export interface PromotionDiscount {
  promotionId: string;
  name: string;
  discountFen: number;
  /** Sales the promotion applied to. */
  transactions: number;
}

export interface OverShortDay {
  storeCode: string;
  date: string;
  /** Sum over the day's closed shifts: + over (长款), − short (短款). */
  overShortFen: number;
  overFen: number;
  shortFen: number;
  shifts: number;
}

export interface StoreMeasures {
  from: string;
  to: string;
  stores: Array<{ code: string; name: string }>;
  discountFen: number;
  promotions: PromotionDiscount[];
  /** Discounts given by hand (manual discounts, price overrides) rather than by a promotion. */
  otherDiscountFen: number;
  members: { memberNetFen: number; memberTransactions: number; guestNetFen: number; guestTransactions: number; salesSharePct: string | null; transactionsSharePct: string | null };
  /** Members by the store they registered at, per business date of that store. */
  newMembers: { total: number; days: Array<{ storeCode: string; date: string; count: number }> };
  cash: { overShortFen: number; overFen: number; shortFen: number; shifts: number; days: OverShortDay[] };
  returnsByReason: Array<{ reason: string; returnsFen: number; returnCount: number; qty: number }>;
}

type Input = ScopeInput & { from: string; to: string };

async function scoped(ctx: Ctx, actor: Actor | null, input: Input): Promise<{ scope: Scope; from: string; to: string }> {
  const { from, to } = checkRange(input.from, input.to);
  const scope = await scopeOf(ctx, actor, input);
  await refreshRollups(ctx, { storeIds: scope.ids === 'all' ? undefined : scope.ids });
  return { scope, from, to };
}

/**
 * Rows of a table stamped with an instant (`at`), kept when the instant falls on a business date
 * from…to of its store. The window is widened by a day each side, then each row's business date
 * is taken in its store's time zone and cutover.
 */
function onBusinessDates<T extends { at: string; storeId: string }>(rows: readonly T[], scope: Scope, from: string, to: string): Array<T & { date: string; storeCode: string }> {
  const stores = new Map(scope.stores.map((s) => [s.id, s]));
  return rows.flatMap((r) => {
    const store = stores.get(r.storeId);
    if (!store) return [];
    const date = businessDate(new Date(r.at), store.timeZone, store.dayCutover);
    return date >= from && date <= to ? [{ ...r, date, storeCode: store.code }] : [];
  });
}

const widen = (from: string, to: string) => ({ since: `${addDays(from, -1)}T00:00:00.000Z`, until: `${addDays(to, 2)}T00:00:00.000Z` });

async function newMembersIn(db: Db, scope: Scope, from: string, to: string): Promise<StoreMeasures['newMembers']> {
  const { since, until } = widen(from, to);
  let query = db.selectFrom('members').select(['registered_store as storeId', 'created_at as at']).where('created_at', '>=', since).where('created_at', '<', until);
  if (scope.ids !== 'all') query = query.where('registered_store', 'in', scope.ids);
  const counts = new Map<string, { storeCode: string; date: string; count: number }>();
  for (const m of onBusinessDates(await query.execute(), scope, from, to)) {
    const key = `${m.storeCode}|${m.date}`;
    const row = counts.get(key) ?? { storeCode: m.storeCode, date: m.date, count: 0 };
    row.count += 1;
    counts.set(key, row);
  }
  const days = [...counts.values()].sort((a, b) => (a.date + a.storeCode < b.date + b.storeCode ? -1 : 1));
  return { total: days.reduce((n, d) => n + d.count, 0), days };
}

async function cashIn(db: Db, scope: Scope, from: string, to: string): Promise<StoreMeasures['cash']> {
  let query = db
    .selectFrom('shifts')
    .select(['store_id', 'business_date', 'over_short_fen'])
    .where('status', '=', 'closed')
    .where('business_date', '>=', from)
    .where('business_date', '<=', to);
  if (scope.ids !== 'all') query = query.where('store_id', 'in', scope.ids);
  const codes = new Map(scope.stores.map((s) => [s.id, s.code]));
  const days = new Map<string, OverShortDay>();
  for (const s of await query.execute()) {
    const storeCode = codes.get(s.store_id) ?? s.store_id;
    const key = `${s.business_date}|${storeCode}`;
    const day = days.get(key) ?? { storeCode, date: s.business_date, overShortFen: 0, overFen: 0, shortFen: 0, shifts: 0 };
    const fen = Number(s.over_short_fen ?? 0);
    day.overShortFen += fen;
    if (fen > 0) day.overFen += fen;
    else day.shortFen += fen;
    day.shifts += 1;
    days.set(key, day);
  }
  const rows = [...days.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, d]) => d);
  const sum = (k: 'overShortFen' | 'overFen' | 'shortFen' | 'shifts') => rows.reduce((n, d) => n + d[k], 0);
  return { overShortFen: sum('overShortFen'), overFen: sum('overFen'), shortFen: sum('shortFen'), shifts: sum('shifts'), days: rows };
}

/**
 * The period's measures beside sales, for the stores in scope.
 *
 * @example const m = await storeMeasures(ctx, actor, { from: '2026-11-01', to: '2026-11-30' }); m.members.salesSharePct // '42.5'
 */
export async function storeMeasures(ctx: Ctx, actor: Actor | null, input: Input): Promise<StoreMeasures> {
  const { scope, from, to } = await scoped(ctx, actor, input);
  const range = { from, to, group: ['dim_ref'] as const };
  const [total] = await sumRollups(ctx.db, scope, { ...range, kind: 'total', group: [] });
  const promos = await sumRollups(ctx.db, scope, { ...range, kind: 'promotion' });
  const names = promos.length ? new Map((await ctx.db.selectFrom('promotions').select(['id', 'name']).where('id', 'in', promos.map((p) => p.dim_ref ?? '')).execute()).map((p) => [p.id, p.name])) : new Map<string, string>();
  const promotions = promos
    .map((p) => ({ promotionId: p.dim_ref ?? '', name: names.get(p.dim_ref ?? '') ?? p.dim_ref ?? '', discountFen: p.discountFen, transactions: p.transactions }))
    .sort((a, b) => b.discountFen - a.discountFen || (a.name < b.name ? -1 : 1));
  const discountFen = total?.discountFen ?? 0;
  const split = new Map((await sumRollups(ctx.db, scope, { ...range, kind: 'member' })).map((r) => [r.dim_ref ?? '', r]));
  const member = split.get('member');
  const guest = split.get('guest');
  const reasons = await sumRollups(ctx.db, scope, { ...range, kind: 'reason' });
  return {
    from,
    to,
    stores: scope.stores.map((s) => ({ code: s.code, name: s.name })),
    discountFen,
    promotions,
    otherDiscountFen: discountFen - promotions.reduce((n, p) => n + p.discountFen, 0),
    members: {
      memberNetFen: member?.netFen ?? 0,
      memberTransactions: member?.transactions ?? 0,
      guestNetFen: guest?.netFen ?? 0,
      guestTransactions: guest?.transactions ?? 0,
      salesSharePct: sharePct(member?.netFen ?? 0, (member?.netFen ?? 0) + (guest?.netFen ?? 0)),
      transactionsSharePct: sharePct(member?.transactions ?? 0, (member?.transactions ?? 0) + (guest?.transactions ?? 0)),
    },
    newMembers: await newMembersIn(ctx.db, scope, from, to),
    cash: await cashIn(ctx.db, scope, from, to),
    returnsByReason: reasons.map((r) => ({ reason: r.dim_ref ?? '', returnsFen: r.returnsFen, returnCount: r.returnCount, qty: -r.qty })).sort((a, b) => b.returnsFen - a.returnsFen),
  };
}

export interface CashierRow {
  cashierId: string;
  username: string;
  name: string;
  /** Net sales rung up, after the returns this cashier took. */
  netFen: number;
  transactions: number;
  avgTicketFen: number;
  items: number;
  returnCount: number;
  returnsFen: number;
  /** Lines voided from carts before payment (audit action cart.line_voided). */
  voids: number;
  /** Seconds between one scan and the next, over the cashier's sales (two decimals); null without two scans in a sale. */
  avgScanSeconds: string | null;
}

/** The audit action a line void writes (src/checkout/service.ts voidLine). */
export const LINE_VOID_ACTION = 'cart.line_voided';

/**
 * Cashier performance: sales, transactions, average ticket, returns, line voids and scan speed per cashier.
 * Scan speed is not reported: carts live in memory and no scan is timestamped.
 */
export async function cashierPerformance(ctx: Ctx, actor: Actor | null, input: Input): Promise<{ from: string; to: string; rows: CashierRow[] }> {
  const { scope, from, to } = await scoped(ctx, actor, input);
  const sums = await sumRollups(ctx.db, scope, { from, to, kind: 'cashier', group: ['dim_ref'] });
  const { since, until } = widen(from, to);
  let voidQuery = ctx.db
    .selectFrom('audit_log')
    .select(['actor_id', 'store_ref', 'at'])
    .where('action', '=', LINE_VOID_ACTION)
    .where('at', '>=', since)
    .where('at', '<', until);
  if (scope.ids !== 'all') voidQuery = voidQuery.where('store_ref', 'in', scope.ids);
  const voidRows = (await voidQuery.execute()).map((v) => ({ at: v.at, storeId: v.store_ref ?? '', actorId: v.actor_id ?? '' }));
  const voids = new Map<string, number>();
  for (const v of onBusinessDates(voidRows, scope, from, to)) voids.set(v.actorId, (voids.get(v.actorId) ?? 0) + 1);
  // Scan speed from each sale's audit record (first to last scan, and how many): time ÷ gaps between scans.
  let saleQuery = ctx.db.selectFrom('audit_log').select(['actor_id', 'store_ref', 'at', 'data']).where('action', '=', 'sale.completed').where('at', '>=', since).where('at', '<', until);
  if (scope.ids !== 'all') saleQuery = saleQuery.where('store_ref', 'in', scope.ids);
  const saleRows = (await saleQuery.execute()).map((r) => ({ at: r.at, storeId: r.store_ref ?? '', actorId: r.actor_id ?? '', scan: (JSON.parse(r.data) as { scan?: { ms: number; scans: number } | null }).scan ?? null }));
  const scanning = new Map<string, { ms: number; gaps: number }>();
  for (const r of onBusinessDates(saleRows, scope, from, to)) {
    if (!r.scan || r.scan.scans < 2) continue;
    const sum = scanning.get(r.actorId) ?? { ms: 0, gaps: 0 };
    sum.ms += r.scan.ms;
    sum.gaps += r.scan.scans - 1;
    scanning.set(r.actorId, sum);
  }
  const ids = [...new Set([...sums.map((s) => s.dim_ref ?? ''), ...voids.keys()])].filter(Boolean);
  const users = ids.length ? new Map((await ctx.db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', ids).execute()).map((u) => [u.id, u])) : new Map<string, { username: string; display_name: string }>();
  const byId = new Map(sums.map((s) => [s.dim_ref ?? '', s]));
  const rows = ids.map((id): CashierRow => {
    const m = byId.get(id);
    const user = users.get(id);
    return {
      cashierId: id,
      username: user?.username ?? id,
      name: user?.display_name ?? '',
      netFen: m?.netFen ?? 0,
      transactions: m?.transactions ?? 0,
      avgTicketFen: m ? derive(m).avgTicketFen : 0,
      items: m?.items ?? 0,
      returnCount: m?.returnCount ?? 0,
      returnsFen: m?.returnsFen ?? 0,
      voids: voids.get(id) ?? 0,
      avgScanSeconds: scanning.has(id) ? new Big(scanning.get(id)?.ms ?? 0).div(1000).div(scanning.get(id)?.gaps ?? 1).round(2, Big.roundHalfEven).toFixed(2) : null,
    };
  });
  return { from, to, rows: rows.sort((a, b) => b.netFen - a.netFen || (a.username < b.username ? -1 : 1)) };
}
