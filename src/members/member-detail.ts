// The back office's view of members: the member list, and one member's tier progress, points
// ledger (each entry with the sale or return it came from), purchases (only at stores the user
// may see) and the messages sent to them. Managers only (members.manage).
import { requirePermission, storeFilter, type Actor } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import { membersConfig } from './config';
import { memberRow, tierProgress, viewOf, type MemberView, type TierProgress } from './service';

export interface Page {
  limit: number;
  offset: number;
}

/** Members, newest first, shown masked. */
export async function listMembers(ctx: Ctx, actor: Actor, page: Page): Promise<{ total: number; members: MemberView[] }> {
  requirePermission(actor, 'members.manage');
  const [count, rows, config] = await Promise.all([
    ctx.db.selectFrom('members').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ctx.db.selectFrom('members').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
    membersConfig(ctx),
  ]);
  return { total: Number(count.n), members: rows.map((r) => viewOf(ctx, r, config.tiers, false)) };
}

/** The member's tier, since when, and how far the next tier is (last 12 months). */
export async function memberProgress(ctx: Ctx, actor: Actor, memberId: string): Promise<{ tierSince: string } & TierProgress> {
  requirePermission(actor, 'members.manage');
  const row = await memberRow(ctx, memberId);
  return { tierSince: row.tier_since, ...(await tierProgress(ctx, row, (await membersConfig(ctx)).tiers)) };
}

export interface LedgerEntry {
  id: string;
  kind: string;
  points: number;
  businessDate: string;
  at: string;
  docType: string;
  docId: string;
  /** The sale's (or the returned sale's) receipt number, and its e-receipt page for a sale. */
  receiptNo: string | null;
  receiptUrl: string | null;
  returnNo: string | null;
}

/** The points ledger, newest first, each entry with what caused it. */
export async function memberLedger(ctx: Ctx, actor: Actor, memberId: string, page: Page): Promise<{ total: number; balance: number; entries: LedgerEntry[] }> {
  requirePermission(actor, 'members.manage');
  const row = await memberRow(ctx, memberId);
  const base = ctx.db.selectFrom('member_points').where('member_points.member_id', '=', memberId);
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    base
      .leftJoin('sales', (j) => j.onRef('sales.id', '=', 'member_points.doc_id').on('member_points.doc_type', '=', 'sale'))
      .leftJoin('returns', (j) => j.onRef('returns.id', '=', 'member_points.doc_id').on('member_points.doc_type', '=', 'return'))
      .select([
        'member_points.id',
        'member_points.kind',
        'member_points.points',
        'member_points.business_date',
        'member_points.created_at',
        'member_points.doc_type',
        'member_points.doc_id',
        'sales.receipt_no as sale_receipt_no',
        'sales.receipt_token',
        'returns.return_no',
        'returns.receipt_no as return_receipt_no',
      ])
      .orderBy('member_points.created_at', 'desc')
      .orderBy('member_points.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
  ]);
  return {
    total: Number(count.n),
    balance: row.points_balance,
    entries: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      points: Number(r.points),
      businessDate: r.business_date,
      at: r.created_at,
      docType: r.doc_type,
      docId: r.doc_id,
      receiptNo: r.sale_receipt_no ?? r.return_receipt_no ?? null,
      receiptUrl: r.receipt_token ? `/r/${r.receipt_token}` : null,
      returnNo: r.return_no ?? null,
    })),
  };
}

/** The member's purchases at the stores the user may see, newest first. */
export async function memberSales(ctx: Ctx, actor: Actor, memberId: string, page: Page) {
  requirePermission(actor, 'members.manage');
  await memberRow(ctx, memberId);
  const stores = await ctx.db.selectFrom('stores').select(['id as storeId', 'region_id as regionId']).execute();
  const allowed = storeFilter(actor, 'store.view', stores);
  const ids = allowed === 'all' ? stores.map((s) => s.storeId) : allowed;
  if (ids.length === 0) return { total: 0, sales: [] };
  const base = ctx.db.selectFrom('sales').where('sales.member_id', '=', memberId).where('sales.store_id', 'in', ids);
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    base
      .innerJoin('stores', 'stores.id', 'sales.store_id')
      .select(['sales.id', 'sales.receipt_no', 'sales.business_date', 'sales.total_fen', 'sales.created_at', 'sales.receipt_token', 'stores.code', 'stores.name'])
      .orderBy('sales.created_at', 'desc')
      .orderBy('sales.id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
  ]);
  return {
    total: Number(count.n),
    sales: rows.map((r) => ({ id: r.id, receiptNo: r.receipt_no, businessDate: r.business_date, totalFen: Number(r.total_fen), createdAt: r.created_at, storeCode: r.code, storeName: r.name, receiptUrl: `/r/${r.receipt_token}` })),
  };
}

/** The messages sent (or still to send) to the member, newest first: channel, status, the last error. */
export async function memberMessages(ctx: Ctx, actor: Actor, memberId: string, page: Page) {
  requirePermission(actor, 'members.manage');
  await memberRow(ctx, memberId);
  const base = ctx.db.selectFrom('member_messages').where('member_id', '=', memberId);
  const [count, rows] = await Promise.all([
    base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    base
      .select(['id', 'kind', 'channel', 'status', 'attempts', 'body', 'last_error', 'created_at', 'sent_at'])
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
  ]);
  return {
    total: Number(count.n),
    messages: rows.map((r) => ({ id: r.id, kind: r.kind, channel: r.channel, status: r.status, attempts: r.attempts, body: r.body, lastError: r.last_error, createdAt: r.created_at, sentAt: r.sent_at })),
  };
}
