// Sales reports read from the rollups only (never raw lines): by period, region, store, category
// (a parent rolls up its children), product, cashier, payment method or hour, filtered by region,
// store and category for drill-down, with comparisons, rankings and the manager's dashboard; and
// `verifyRollups`, which recomputes rollups from raw lines and compares.
import { AppError } from '../platform/errors';
import { businessDate } from '../platform/business-date';
import { can, storeFilter, type Actor } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import type { Db } from '../platform/db/index';
import { taxBreakdown, type TaxGroup } from '../checkout/index';
import { addDays, assertDate, datesBetween, dayCount, isoWeek, monthOf, previousPeriod, sameLastYear, type Bucket } from './periods';
import { addMeasures, changePct, derive, MEASURE_KEYS, sharePct, zeroMeasures, type Derived, type Measures } from './measures';
import { recomputeRollups, refreshRollups } from './rollups';
import { rollupKey, type DimKind, type RollupRow } from './rollup-calc';
import { loadCategoryTree, type CategoryTree } from './category-tree';

export const REPORT_BYS = ['day', 'week', 'month', 'region', 'store', 'category', 'product', 'cashier', 'payment', 'hour'] as const;
export type ReportBy = (typeof REPORT_BYS)[number];
/** The longest range one report may cover (a year and a day, so a leap year fits). */
export const MAX_RANGE_DAYS = 366;

export interface ReportStore {
  id: string;
  code: string;
  name: string;
  regionId: string | null;
  timeZone: string;
  dayCutover: string;
}

export interface ReportLine extends Measures, Derived {
  key: string;
  label: string;
  /** The bucket's first and last date, for day, week and month rows. */
  from?: string;
  to?: string;
  /** This row's share of the total net, %. */
  sharePct: string | null;
  /** What opening this row shows: the next level of the drill-down with the filter it adds. */
  drill?: Drill;
}

/** region → store → category (down its tree) → product. */
export interface Drill {
  by: 'store' | 'category' | 'product';
  region?: string;
  store?: string;
  category?: string;
}

export interface Changes {
  netFen: string | null;
  transactions: string | null;
  avgTicketFen: string | null;
  marginFen: string | null;
}

export interface Comparison {
  from: string;
  to: string;
  totals: ReportLine;
  changePct: Changes;
}

export interface PaymentShare {
  method: string;
  netFen: number;
  transactions: number;
  sharePct: string | null;
}

export interface SalesReport {
  from: string;
  to: string;
  by: ReportBy;
  stores: Array<Pick<ReportStore, 'id' | 'code' | 'name'>>;
  /** The filters applied, with names (for the breadcrumb). */
  filters: { region?: Named; store?: Named; category?: Named & { parentCode: string | null } };
  rows: ReportLine[];
  totals: ReportLine;
  /** With a category filter, tax per rate uses each category's current rate. */
  taxByRate: TaxGroup[];
  /** Empty with a category filter: a payment is not split by category. */
  paymentMix: PaymentShare[];
  comparison: { previous: Comparison; lastYear: Comparison };
}

interface Named {
  code: string;
  name: string;
}

export interface ScopeInput {
  /** Limit to these stores (each must be in the actor's scope); all in scope by default. */
  storeIds?: readonly string[];
  /** Limit to the stores of this region (code). */
  regionCode?: string;
}

export interface SalesReportInput extends ScopeInput {
  from: string;
  to: string;
  by: ReportBy;
  /**
   * Only this category and those below it (code). Money and quantities are exact; a basket with
   * lines in two categories of the subtree counts as a transaction in each (rollups keep
   * transactions per category), so the filtered transaction count can exceed the baskets.
   */
  categoryCode?: string;
}

/** The report dimensions a category filter can cut (the others' rollups know no category). */
const CATEGORY_FILTER_BYS: readonly ReportBy[] = ['day', 'week', 'month', 'region', 'store', 'category', 'product'];

export interface Scope {
  stores: ReportStore[];
  /** 'all' when no store filter is needed (every store, whole chain). */
  ids: string[] | 'all';
}

/** The stores `actor` may report on (a null actor is the system: every store). */
export async function reportScope(ctx: Ctx, actor: Actor | null, storeIds?: readonly string[]): Promise<Scope> {
  const all = await ctx.db.selectFrom('stores').select(['id', 'code', 'name', 'region_id as regionId', 'time_zone as timeZone', 'day_cutover as dayCutover']).orderBy('code').execute();
  if (storeIds) {
    const unknown = storeIds.find((id) => !all.some((s) => s.id === id));
    if (unknown) throw new AppError('NOT_FOUND', 'That store does not exist. Check the store code.');
  }
  const wanted = storeIds ? all.filter((s) => storeIds.includes(s.id)) : all;
  if (!actor) return { stores: wanted, ids: storeIds ? wanted.map((s) => s.id) : 'all' };
  const allowed = storeFilter(actor, 'reports.view', all.map((s) => ({ storeId: s.id, regionId: s.regionId })));
  if (allowed !== 'all') {
    const outside = wanted.find((s) => !allowed.includes(s.id));
    if (storeIds && outside) {
      if (!can(actor, 'reports.view')) throw new AppError('PERMISSION_DENIED', 'Your role does not allow this (needs reports.view). Ask a manager.', { details: { permission: 'reports.view' } });
      throw new AppError('STORE_OUT_OF_SCOPE', `You may not see the numbers of store ${outside.code}. Ask an administrator to extend your scope.`, { details: { permission: 'reports.view' } });
    }
    const stores = wanted.filter((s) => allowed.includes(s.id));
    if (stores.length === 0) throw new AppError('PERMISSION_DENIED', 'Your role does not allow this (needs reports.view). Ask a manager.', { details: { permission: 'reports.view' } });
    return { stores, ids: stores.map((s) => s.id) };
  }
  return { stores: wanted, ids: storeIds ? wanted.map((s) => s.id) : 'all' };
}

/** The scope of `reportScope`, first narrowed to a region's stores when a region code is given. */
export async function scopeOf(ctx: Ctx, actor: Actor | null, input: ScopeInput): Promise<Scope & { region?: Named }> {
  if (!input.regionCode) return reportScope(ctx, actor, input.storeIds);
  const region = await ctx.db.selectFrom('regions').select(['id', 'code', 'name']).where('code', '=', input.regionCode).executeTakeFirst();
  if (!region) throw new AppError('NOT_FOUND', `There is no region ${input.regionCode}. Check the region code.`);
  const inRegion = (await ctx.db.selectFrom('stores').select('id').where('region_id', '=', region.id).execute()).map((r) => r.id);
  const storeIds = input.storeIds ? input.storeIds.filter((id) => inRegion.includes(id)) : inRegion;
  if (storeIds.length === 0) throw new AppError('NOT_FOUND', `Region ${region.code} has no such store.`, { details: { region: region.code } });
  return { ...(await reportScope(ctx, actor, storeIds)), region: { code: region.code, name: region.name } };
}

/** Checks a report range: real dates, not inverted, at most MAX_RANGE_DAYS. */
export function checkRange(from: string, to: string): { from: string; to: string } {
  assertDate(from, 'from');
  assertDate(to, 'to');
  if (from > to) throw new AppError('RANGE_INVERTED', `The range ends (${to}) before it starts (${from}); swap from and to.`, { status: 400, details: { from, to } });
  const days = dayCount(from, to);
  if (days > MAX_RANGE_DAYS) {
    throw new AppError('RANGE_TOO_LONG', `A report covers at most ${MAX_RANGE_DAYS} days; ${from} to ${to} is ${days}. Split it into years.`, { status: 400, details: { days, maxDays: MAX_RANGE_DAYS } });
  }
  return { from, to };
}

type GroupColumn = 'store_id' | 'business_date' | 'dim_ref';
type SumRow = Measures & Partial<Record<GroupColumn, string>>;

/**
 * Sums rollup measures of one dimension over a date range, grouped by `group`. With
 * `categoryIds`, totals come from the category rows of those categories and products are the
 * SKUs now filed under them.
 */
export async function sumRollups(db: Db, scope: Scope, q: { from: string; to: string; kind: DimKind; group: readonly GroupColumn[]; categoryIds?: readonly string[] }): Promise<SumRow[]> {
  const kind = q.categoryIds && q.kind === 'total' ? 'category' : q.kind;
  let query = db
    .selectFrom('report_sales_daily')
    .where('dim_kind', '=', kind)
    .where('business_date', '>=', q.from)
    .where('business_date', '<=', q.to)
    .select((eb) => [
      eb.fn.sum<number>('gross_fen').as('grossFen'),
      eb.fn.sum<number>('discount_fen').as('discountFen'),
      eb.fn.sum<number>('returns_fen').as('returnsFen'),
      eb.fn.sum<number>('net_fen').as('netFen'),
      eb.fn.sum<number>('cost_fen').as('costFen'),
      eb.fn.sum<number>('qty').as('qty'),
      eb.fn.sum<number>('items').as('items'),
      eb.fn.sum<number>('transactions').as('transactions'),
      eb.fn.sum<number>('return_count').as('returnCount'),
    ]);
  if (scope.ids !== 'all') query = query.where('store_id', 'in', scope.ids);
  if (q.categoryIds && kind === 'category') query = query.where('dim_ref', 'in', q.categoryIds);
  if (q.categoryIds && kind === 'product') query = query.where('dim_ref', 'in', db.selectFrom('skus').select('id').where('category_id', 'in', q.categoryIds));
  for (const column of q.group) query = query.select(column).groupBy(column);
  const rows = (await query.execute()) as unknown as SumRow[];
  // An empty range sums to NULL; every measure is a whole number either way.
  return rows.map((r) => {
    for (const k of MEASURE_KEYS) r[k] = Number(r[k] ?? 0);
    return r;
  });
}

function lineOf(key: string, label: string, m: Measures, totalNetFen: number, bucket?: Bucket): ReportLine {
  const measures: Measures = zeroMeasures();
  for (const k of MEASURE_KEYS) measures[k] = m[k];
  return { key, label, ...(bucket ? { from: bucket.from, to: bucket.to } : {}), ...measures, ...derive(measures), sharePct: sharePct(m.netFen, totalNetFen) };
}

function changes(current: ReportLine, before: ReportLine): Changes {
  return {
    netFen: changePct(current.netFen, before.netFen),
    transactions: changePct(current.transactions, before.transactions),
    avgTicketFen: changePct(current.avgTicketFen, before.avgTicketFen),
    marginFen: changePct(current.marginFen, before.marginFen),
  };
}

async function totalsOf(db: Db, scope: Scope, from: string, to: string, categoryIds?: readonly string[]): Promise<ReportLine> {
  const [row] = await sumRollups(db, scope, { from, to, kind: 'total', group: [], categoryIds });
  return lineOf('total', 'total', row ?? zeroMeasures(), row?.netFen ?? 0);
}

const KIND_OF: Record<Exclude<ReportBy, 'day' | 'week' | 'month' | 'region' | 'store' | 'category'>, DimKind> = { product: 'product', cashier: 'cashier', payment: 'tender', hour: 'hour' };

async function labelsOf(db: Db, by: ReportBy, refs: string[]): Promise<Map<string, { key: string; label: string }>> {
  if (refs.length === 0) return new Map();
  if (by === 'product') {
    const rows = await db.selectFrom('skus').select(['id', 'code', 'name']).where('id', 'in', refs).execute();
    return new Map(rows.map((r) => [r.id, { key: r.code, label: r.name }]));
  }
  if (by === 'cashier') {
    const rows = await db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', refs).execute();
    return new Map(rows.map((r) => [r.id, { key: r.username, label: r.display_name }]));
  }
  return new Map(refs.map((r) => [r, { key: r, label: by === 'hour' ? `${r}:00` : r }]));
}

interface RowsQuery {
  from: string;
  to: string;
  by: ReportBy;
  tree: CategoryTree;
  /** The category filter (id) and its subtree. */
  category?: { id: string; ids: string[] };
}

const byNet = (a: ReportLine, b: ReportLine) => b.netFen - a.netFen || (a.key < b.key ? -1 : 1);

/** Rows per region (stores without one under key ''), each drilling into its stores. */
async function regionRows(db: Db, scope: Scope, q: RowsQuery, totalNetFen: number): Promise<ReportLine[]> {
  const sums = await sumRollups(db, scope, { from: q.from, to: q.to, kind: 'total', group: ['store_id'], categoryIds: q.category?.ids });
  const regions = new Map((await db.selectFrom('regions').select(['id', 'code', 'name']).execute()).map((r) => [r.id, r]));
  const byStore = new Map(sums.map((s) => [s.store_id ?? '', s]));
  const rows = new Map<string, { key: string; label: string; m: Measures }>();
  for (const store of scope.stores) {
    const region = store.regionId ? regions.get(store.regionId) : undefined;
    const key = region?.code ?? '';
    const row = rows.get(key) ?? { key, label: region?.name ?? '', m: zeroMeasures() };
    addMeasures(row.m, byStore.get(store.id) ?? zeroMeasures());
    rows.set(key, row);
  }
  return [...rows.values()].map((r) => ({ ...lineOf(r.key, r.label, r.m, totalNetFen), ...(r.key ? { drill: { by: 'store' as const, region: r.key } } : {}) })).sort(byNet);
}

/** Rows per child of the filtered category (the roots without a filter), each rolling up its subtree. */
async function categoryRows(db: Db, scope: Scope, q: RowsQuery, totalNetFen: number): Promise<ReportLine[]> {
  const sums = await sumRollups(db, scope, { from: q.from, to: q.to, kind: 'category', group: ['dim_ref'], categoryIds: q.category?.ids });
  let heads = q.tree.children(q.category?.id ?? null);
  if (heads.length === 0 && q.category) heads = [q.tree.byId.get(q.category.id) as NonNullable<ReturnType<CategoryTree['byId']['get']>>];
  const headIds = new Set(heads.map((h) => h.id));
  const rows = new Map(heads.map((h) => [h.id, { key: h.code, label: h.name, m: zeroMeasures(), leaf: q.tree.children(h.id).length === 0 }]));
  for (const s of sums) {
    const ref = s.dim_ref ?? '';
    const head = q.tree.headOf(ref, headIds);
    // A category deleted since its sales keeps its own row, so the rows still add up.
    const row = head ? rows.get(head) : (rows.get(ref) ?? rows.set(ref, { key: ref, label: ref, m: zeroMeasures(), leaf: true }).get(ref));
    if (row) addMeasures(row.m, s);
  }
  return [...rows.values()]
    .filter((r) => r.m.transactions !== 0 || r.m.returnCount !== 0)
    .map((r) => ({ ...lineOf(r.key, r.label, r.m, totalNetFen), drill: { by: r.leaf ? ('product' as const) : ('category' as const), category: r.key } }))
    .sort(byNet);
}

async function rowsOf(db: Db, scope: Scope, q: RowsQuery, totalNetFen: number): Promise<ReportLine[]> {
  const { from, to, by } = q;
  const categoryIds = q.category?.ids;
  if (by === 'day' || by === 'week' || by === 'month') {
    const sums = await sumRollups(db, scope, { from, to, kind: 'total', group: ['business_date'], categoryIds });
    const byDate = new Map(sums.map((s) => [s.business_date ?? '', s]));
    const buckets = new Map<string, { bucket: Bucket; m: Measures }>();
    // Every date of the range gets its bucket, so a chart shows the quiet days too.
    for (const date of datesBetween(from, to)) {
      const bucket = by === 'day' ? { key: date, from: date, to: date } : by === 'week' ? isoWeek(date) : monthOf(date);
      const entry = buckets.get(bucket.key) ?? { bucket, m: zeroMeasures() };
      const day = byDate.get(date);
      if (day) addMeasures(entry.m, day);
      buckets.set(bucket.key, entry);
    }
    return [...buckets.values()].map(({ bucket, m }) => lineOf(bucket.key, bucket.key, m, totalNetFen, bucket));
  }
  if (by === 'region') return regionRows(db, scope, q, totalNetFen);
  if (by === 'category') return categoryRows(db, scope, q, totalNetFen);
  if (by === 'store') {
    const sums = await sumRollups(db, scope, { from, to, kind: 'total', group: ['store_id'], categoryIds });
    const byStore = new Map(sums.map((s) => [s.store_id ?? '', s]));
    return scope.stores.map((s) => ({ ...lineOf(s.code, s.name, byStore.get(s.id) ?? zeroMeasures(), totalNetFen), drill: { by: 'category' as const, store: s.code } }));
  }
  const sums = await sumRollups(db, scope, { from, to, kind: KIND_OF[by], group: ['dim_ref'], categoryIds });
  const labels = await labelsOf(db, by, sums.map((s) => s.dim_ref ?? ''));
  const rows = sums.map((s) => {
    const ref = s.dim_ref ?? '';
    const l = labels.get(ref) ?? { key: ref, label: ref };
    const line = lineOf(l.key, l.label, s, totalNetFen);
    // Money taken by a payment method carries no cost price: it has no margin.
    return by === 'payment' ? { ...line, marginFen: 0, marginPct: null } : line;
  });
  return by === 'hour' ? rows.sort((a, b) => (a.key < b.key ? -1 : 1)) : rows.sort(byNet);
}

async function paymentMixOf(db: Db, scope: Scope, from: string, to: string): Promise<PaymentShare[]> {
  const sums = await sumRollups(db, scope, { from, to, kind: 'tender', group: ['dim_ref'] });
  const whole = sums.reduce((s, r) => s + r.netFen, 0);
  return sums.map((r) => ({ method: r.dim_ref ?? '', netFen: r.netFen, transactions: r.transactions, sharePct: sharePct(r.netFen, whole) })).sort((a, b) => b.netFen - a.netFen);
}

/**
 * A sales report over `from`…`to` (business dates, both included) grouped `by` a period or a
 * dimension, with totals, tax per rate, payment mix, and the change against the previous
 * period and the same period last year.
 *
 * @example await salesReport(ctx, actor, { from: '2026-11-01', to: '2026-11-30', by: 'category' })
 */
export async function salesReport(ctx: Ctx, actor: Actor | null, input: SalesReportInput): Promise<SalesReport> {
  const { from, to } = checkRange(input.from, input.to);
  if (!(REPORT_BYS as readonly string[]).includes(input.by)) {
    throw new AppError('VALIDATION_FAILED', `A report goes by ${REPORT_BYS.join(', ')}; not "${String(input.by)}".`, { details: { field: 'by' } });
  }
  if (input.categoryCode && !CATEGORY_FILTER_BYS.includes(input.by)) {
    throw new AppError('FILTER_NOT_SUPPORTED', `A category filter works with by=${CATEGORY_FILTER_BYS.join('|')}; the ${input.by} figures are not kept per category. Remove the category or pick another grouping.`, {
      status: 400,
      details: { field: 'category' },
    });
  }
  const scope = await scopeOf(ctx, actor, input);
  const tree = await loadCategoryTree(ctx.db);
  const categoryNode = input.categoryCode ? tree.byCode.get(input.categoryCode) : undefined;
  if (input.categoryCode && !categoryNode) throw new AppError('NOT_FOUND', `There is no category ${input.categoryCode}. Check the category code.`, { details: { field: 'category' } });
  const category = categoryNode ? { id: categoryNode.id, ids: tree.subtree(categoryNode.id) } : undefined;
  await refreshRollups(ctx, { storeIds: scope.ids === 'all' ? undefined : scope.ids });
  const totals = await totalsOf(ctx.db, scope, from, to, category?.ids);
  const rows = await rowsOf(ctx.db, scope, { from, to, by: input.by, tree, category }, totals.netFen);
  const rates = category
    ? (await sumRollups(ctx.db, scope, { from, to, kind: 'category', group: ['dim_ref'], categoryIds: category.ids })).map((r) => ({ netFen: r.netFen, dim_ref: tree.byId.get(r.dim_ref ?? '')?.vatRate ?? '0' }))
    : await sumRollups(ctx.db, scope, { from, to, kind: 'rate', group: ['dim_ref'] });
  const prev = previousPeriod(from, to);
  const lastYear = sameLastYear(from, to);
  const prevTotals = await totalsOf(ctx.db, scope, prev.from, prev.to, category?.ids);
  const lastYearTotals = await totalsOf(ctx.db, scope, lastYear.from, lastYear.to, category?.ids);
  const onlyStore = input.storeIds?.length === 1 ? scope.stores[0] : undefined;
  const parent = categoryNode?.parentId ? tree.byId.get(categoryNode.parentId) : undefined;
  return {
    from,
    to,
    by: input.by,
    stores: scope.stores.map((s) => ({ id: s.id, code: s.code, name: s.name })),
    filters: {
      ...(scope.region ? { region: scope.region } : {}),
      ...(onlyStore ? { store: { code: onlyStore.code, name: onlyStore.name } } : {}),
      ...(categoryNode ? { category: { code: categoryNode.code, name: categoryNode.name, parentCode: parent?.code ?? null } } : {}),
    },
    rows,
    totals,
    // Tax is taken out of each rate's net once, as on receipts (prices include VAT).
    taxByRate: taxBreakdown(rates.map((r) => ({ totalFen: r.netFen, vatRate: r.dim_ref ?? '0' }))),
    paymentMix: category ? [] : await paymentMixOf(ctx.db, scope, from, to),
    comparison: {
      previous: { ...prev, totals: prevTotals, changePct: changes(totals, prevTotals) },
      lastYear: { ...lastYear, totals: lastYearTotals, changePct: changes(totals, lastYearTotals) },
    },
  };
}

export interface SellerRow {
  skuId: string;
  code: string;
  name: string;
  unit: string;
  /** Units sold net of returns (pieces, or grams for kg items). */
  qty: number;
  netFen: number;
  /** Stock on hand now, summed over the stores in scope (slow sellers only). */
  onHand?: number;
}

export interface Sellers {
  byUnits: SellerRow[];
  byRevenue: SellerRow[];
  /** On hand (> 0) but selling least in the period: no sales first, then the fewest units. */
  slow: SellerRow[];
}

/** Best sellers (by units and by revenue) and slow sellers over a period. */
export async function sellers(ctx: Ctx, actor: Actor | null, input: { from: string; to: string; storeIds?: readonly string[]; limit?: number }): Promise<Sellers> {
  const { from, to } = checkRange(input.from, input.to);
  const limit = Math.min(Math.max(input.limit ?? 10, 1), 100);
  const scope = await reportScope(ctx, actor, input.storeIds);
  await refreshRollups(ctx, { storeIds: scope.ids === 'all' ? undefined : scope.ids });
  return sellersIn(ctx.db, scope, from, to, limit);
}

async function sellersIn(db: Db, scope: Scope, from: string, to: string, limit: number): Promise<Sellers> {
  const sold = await sumRollups(db, scope, { from, to, kind: 'product', group: ['dim_ref'] });
  const soldBySku = new Map(sold.map((s) => [s.dim_ref ?? '', s]));
  let stock = db.selectFrom('stock_balances').select(['sku_id', (eb) => eb.fn.sum<number>('qty').as('onHand')]).where('qty', '>', 0).groupBy('sku_id');
  if (scope.ids !== 'all') stock = stock.where('store_id', 'in', scope.ids);
  const onHand = (await stock.execute()).map((r) => ({ skuId: r.sku_id, onHand: Number(r.onHand) }));
  const ranked = (rows: SellerRow[], by: (a: SellerRow, b: SellerRow) => number) => rows.sort((a, b) => by(a, b) || (a.code < b.code ? -1 : 1)).slice(0, limit);
  const best = sold.map((s) => ({ skuId: s.dim_ref ?? '', qty: s.qty, netFen: s.netFen }));
  const slowCandidates = onHand.map((o) => ({ skuId: o.skuId, qty: soldBySku.get(o.skuId)?.qty ?? 0, netFen: soldBySku.get(o.skuId)?.netFen ?? 0, onHand: o.onHand }));
  const ids = [...new Set([...best.map((b) => b.skuId), ...slowCandidates.map((s) => s.skuId)])];
  const skus = new Map<string, { code: string; name: string; unit: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const r of await db.selectFrom('skus').select(['id', 'code', 'name', 'unit']).where('id', 'in', ids.slice(i, i + 500)).execute()) skus.set(r.id, r);
  }
  const named = <T extends { skuId: string }>(r: T): T & { code: string; name: string; unit: string } => ({ ...r, code: '', name: '', unit: 'piece', ...skus.get(r.skuId) });
  return {
    byUnits: ranked(best.map(named), (a, b) => b.qty - a.qty),
    byRevenue: ranked(best.map(named), (a, b) => b.netFen - a.netFen),
    slow: ranked(slowCandidates.map(named), (a, b) => a.qty - b.qty || a.netFen - b.netFen),
  };
}

export interface HeatCell {
  date: string;
  hour: string;
  netFen: number;
  transactions: number;
}

/** Net sales per business date × hour, for the heat map. */
export async function salesHeatmap(ctx: Ctx, actor: Actor | null, input: { from: string; to: string; storeIds?: readonly string[] }): Promise<HeatCell[]> {
  const { from, to } = checkRange(input.from, input.to);
  const scope = await reportScope(ctx, actor, input.storeIds);
  await refreshRollups(ctx, { storeIds: scope.ids === 'all' ? undefined : scope.ids });
  const sums = await sumRollups(ctx.db, scope, { from, to, kind: 'hour', group: ['business_date', 'dim_ref'] });
  return sums.map((s) => ({ date: s.business_date ?? '', hour: s.dim_ref ?? '', netFen: s.netFen, transactions: s.transactions })).sort((a, b) => (a.date + a.hour < b.date + b.hour ? -1 : 1));
}

export interface Dashboard {
  /** Today's business date and the same weekday last week. */
  date: string;
  compareDate: string;
  stores: Array<Pick<ReportStore, 'id' | 'code' | 'name'>>;
  today: ReportLine;
  lastWeek: ReportLine;
  changePct: Changes;
  hours: Array<{ hour: string; netFen: number; transactions: number; lastWeekNetFen: number; lastWeekTransactions: number }>;
  top: SellerRow[];
  /** Over the last 30 days. */
  slow: SellerRow[];
  paymentMix: PaymentShare[];
  /** Reconciliation exceptions still open or assigned, for the stores in scope (HQ also sees those of no store). */
  openExceptions: number;
}

async function openExceptionsIn(db: Db, scope: Scope): Promise<number> {
  let query = db.selectFrom('recon_exceptions').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['open', 'assigned']);
  if (scope.ids !== 'all') query = query.where('store_ref', 'in', scope.ids);
  return Number((await query.executeTakeFirst())?.n ?? 0);
}

/** The manager's home: today so far against the same weekday last week, by hour. */
export async function salesDashboard(ctx: Ctx, actor: Actor | null, input: { storeIds?: readonly string[] } = {}): Promise<Dashboard> {
  const scope = await reportScope(ctx, actor, input.storeIds);
  await refreshRollups(ctx, { storeIds: scope.ids === 'all' ? undefined : scope.ids });
  const first = scope.stores[0];
  const date = businessDate(ctx.clock.now(), first?.timeZone, first?.dayCutover);
  const compareDate = addDays(date, -7);
  const today = await totalsOf(ctx.db, scope, date, date);
  const lastWeek = await totalsOf(ctx.db, scope, compareDate, compareDate);
  const hourly = async (d: string) => new Map((await sumRollups(ctx.db, scope, { from: d, to: d, kind: 'hour', group: ['dim_ref'] })).map((r) => [r.dim_ref ?? '', r]));
  const [now, before] = [await hourly(date), await hourly(compareDate)];
  const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')).map((hour) => ({
    hour,
    netFen: now.get(hour)?.netFen ?? 0,
    transactions: now.get(hour)?.transactions ?? 0,
    lastWeekNetFen: before.get(hour)?.netFen ?? 0,
    lastWeekTransactions: before.get(hour)?.transactions ?? 0,
  }));
  const todaySellers = await sellersIn(ctx.db, scope, date, date, 5);
  const monthSellers = await sellersIn(ctx.db, scope, addDays(date, -29), date, 5);
  return {
    date,
    compareDate,
    stores: scope.stores.map((s) => ({ id: s.id, code: s.code, name: s.name })),
    today,
    lastWeek,
    changePct: changes(today, lastWeek),
    hours,
    top: todaySellers.byRevenue,
    slow: monthSellers.slow,
    paymentMix: await paymentMixOf(ctx.db, scope, date, date),
    openExceptions: await openExceptionsIn(ctx.db, scope),
  };
}

export interface RollupDifference {
  storeCode: string;
  businessDate: string;
  dimKind: string;
  dimRef: string;
  measure: string;
  rollup: number;
  recomputed: number;
}

export interface VerifyResult {
  from: string;
  to: string;
  stores: number;
  rowsChecked: number;
  differences: number;
  first: RollupDifference | null;
}

const COLUMN_OF: Record<(typeof MEASURE_KEYS)[number], keyof RollupRowColumns> = {
  grossFen: 'gross_fen',
  discountFen: 'discount_fen',
  returnsFen: 'returns_fen',
  netFen: 'net_fen',
  costFen: 'cost_fen',
  qty: 'qty',
  items: 'items',
  transactions: 'transactions',
  returnCount: 'return_count',
};
interface RollupRowColumns {
  gross_fen: number;
  discount_fen: number;
  returns_fen: number;
  net_fen: number;
  cost_fen: number;
  qty: number;
  items: number;
  transactions: number;
  return_count: number;
}

/**
 * Brings the rollups up to date, then recomputes every store's rollups for `from`…`to` from raw
 * sale and return lines and compares them measure by measure.
 *
 * @example const { differences, first } = await verifyRollups(ctx, { from: '2026-11-01', to: '2026-11-30' });
 */
export async function verifyRollups(ctx: Ctx, input: { from: string; to: string }): Promise<VerifyResult> {
  const { from, to } = checkRange(input.from, input.to);
  await refreshRollups(ctx);
  const stores = await ctx.db.selectFrom('stores').select(['id', 'code', 'time_zone']).orderBy('code').execute();
  let rowsChecked = 0;
  let differences = 0;
  let first: RollupDifference | null = null;
  for (const store of stores) {
    const expected = await recomputeRollups(ctx.db, store.id, store.time_zone, from, to);
    const stored = await ctx.db.selectFrom('report_sales_daily').selectAll().where('store_id', '=', store.id).where('business_date', '>=', from).where('business_date', '<=', to).execute();
    const keys = new Set([...expected.keys(), ...stored.map((r) => rollupKey(r.store_id, r.business_date, r.dim_kind, r.dim_ref))]);
    const storedByKey = new Map(stored.map((r) => [rollupKey(r.store_id, r.business_date, r.dim_kind, r.dim_ref), r]));
    for (const key of [...keys].sort()) {
      rowsChecked++;
      const want: Partial<RollupRow> = expected.get(key) ?? {};
      const have = storedByKey.get(key);
      const [, businessDate = '', dimKind = '', dimRef = ''] = key.split('|');
      for (const measure of MEASURE_KEYS) {
        const recomputed = want[measure] ?? 0;
        const rollup = have ? have[COLUMN_OF[measure]] : 0;
        if (recomputed === rollup) continue;
        differences++;
        first ??= { storeCode: store.code, businessDate, dimKind, dimRef, measure, rollup, recomputed };
      }
    }
  }
  return { from, to, stores: stores.length, rowsChecked, differences, first };
}
