// HQ applies a store node's pushed outbox: one batch in one transaction, each event once (unique
// node × seq and unique document), in seq order, refusing gaps and other stores' documents.
import { z } from 'zod';
import { AppError } from '../platform/errors';
import { eventStoreId } from '../platform/outbox';
import { newId } from '../platform/ids';
import type { Ctx } from '../platform/context';
import type { Tx } from '../platform/db/index';
import { insertSales, type SaleRecord } from '../checkout/index';
import { recordStockMoves, type StockMoveInput } from '../inventory/index';
import type { ReturnCompletedEvent } from '../returns/index';
import type { Selectable } from 'kysely';
import type { GoodsReceiptsTable, MembersTable, PurchaseOrderLinesTable, PurchaseOrdersTable, StockCostsTable, StockCountLinesTable, StockCountsTable, SuppliersTable, TransferLinesTable, TransfersTable } from '../platform/db/schema';
import { upsertRows } from './pull';
import type { SyncNode } from './nodes';
import { applyPriceOverrides } from './apply-price-overrides';
import { applyCouponsIssued, markCouponsUsed } from './apply-coupons';

export const pushBodySchema = z.object({
  outboxNodeId: z.string().min(1),
  /** How far the node found its clock off HQ's and corrects for when signing (recorded, flagged). */
  clockSkewMs: z.number().int().optional(),
  events: z
    .array(z.object({ seq: z.number().int().positive(), eventId: z.string(), type: z.string().min(1), documentId: z.string().min(1), createdAt: z.string(), payload: z.unknown() }))
    .max(5000),
});
export type PushBody = z.infer<typeof pushBodySchema>;
export type PushedEvent = PushBody['events'][number];

export interface PushAck {
  /** Highest seq HQ has applied from this node: the next batch starts after it. */
  ackedSeq: number;
  applied: number;
  /** Events HQ already had (a retry, a duplicate batch, or a document it received before). */
  skipped: number;
}

type Applier = (t: Ctx & { db: Tx }, storeId: string, events: PushedEvent[]) => Promise<void>;

/** Event types HQ applies to its tables; every other type is kept raw in sync_received. */
const APPLIERS: Record<string, Applier> = {
  'sale.completed': (t, storeId, events) => applySales(t, storeId, events.map((e) => e.payload as SaleRecord)),
  'return.completed': (t, storeId, events) => applyReturns(t, storeId, events.map((e) => e.payload as ReturnCompletedEvent)),
  // Inventory documents carry their rows and the stock moves they wrote; HQ applies moves as deltas.
  'goods_receipt.created': applyGoodsReceipts,
  'stock_count.approved': applyStockCounts,
  'transfer.sent': applyTransfers,
  'transfer.received': applyTransfers,
  'member.registered': applyMembersRegistered,
  'member.anonymised': applyMembersAnonymised,
  'member.wechat_bound': applyWechatBindings,
  'shift.opened': applyShiftsOpened,
  'shift.closed': applyShiftsClosed,
  'price.overridden': applyPriceOverrides,
  'member.coupon_issued': (t, storeId, events) => applyCouponsIssued(t, storeId, events, flag),
};

/** The store an event belongs to, from its payload (transfers: the sending or receiving end). */
function storeOf(event: PushedEvent): string | undefined {
  return eventStoreId(event.type, event.payload);
}

/**
 * Applies one pushed batch for `node` in one transaction and acknowledges the highest applied seq.
 * Events at or below the last applied seq are skipped; the rest must follow it without a gap
 * (SYNC_GAP names the seq HQ expects) and belong to the node's store (SYNC_WRONG_STORE).
 *
 * @example const ack = await applyBatch(ctx, node, { outboxNodeId, events })
 */
export async function applyBatch(ctx: Ctx, node: SyncNode & { skewMs?: number }, body: PushBody): Promise<PushAck> {
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute(async (tx) => {
    const t = { ...ctx, db: tx };
    // The update takes the node's row lock first, so two pushes of one node apply one after the other.
    const row = await tx
      .updateTable('sync_nodes')
      .set({ last_push_at: now, clock_skew_ms: body.clockSkewMs ?? node.skewMs ?? null })
      .where('id', '=', node.id)
      .returning(['last_seq', 'outbox_node_id', 'store_id'])
      .executeTakeFirstOrThrow();
    if (row.outbox_node_id && row.outbox_node_id !== body.outboxNodeId) {
      throw new AppError('SYNC_NODE_MISMATCH', `This credential belongs to the store node with outbox ${row.outbox_node_id}, not ${body.outboxNodeId}: a node's database was replaced. Register the new node at HQ.`, { status: 409 });
    }
    const bySeq = new Map<number, PushedEvent>();
    for (const e of body.events) if (!bySeq.has(e.seq)) bySeq.set(e.seq, e);
    const fresh = [...bySeq.values()].filter((e) => e.seq > row.last_seq).sort((a, b) => a.seq - b.seq);
    const skipped = body.events.length - fresh.length;
    if (fresh.length === 0) return { ackedSeq: row.last_seq, applied: 0, skipped };
    fresh.forEach((e, i) => {
      const expected = row.last_seq + 1 + i;
      if (e.seq !== expected) {
        throw new AppError('SYNC_GAP', `The batch skips events: HQ expects seq ${expected} next but got ${e.seq}. Send again from seq ${expected}.`, { status: 409, details: { expectedSeq: expected } });
      }
    });
    const foreign = fresh.find((e) => (storeOf(e) ?? row.store_id) !== row.store_id);
    if (foreign) {
      ctx.log.warn({ nodeId: node.id, seq: foreign.seq, storeId: storeOf(foreign) }, 'sync batch with another store\'s document refused');
      throw new AppError('SYNC_WRONG_STORE', `Event ${foreign.seq} (${foreign.type} ${foreign.documentId}) belongs to store ${storeOf(foreign) ?? '?'}, not this node's store: nothing from the batch was applied.`, { status: 403, details: { seq: foreign.seq } });
    }
    if (!row.outbox_node_id) await tx.updateTable('sync_nodes').set({ outbox_node_id: body.outboxNodeId }).where('id', '=', node.id).execute();
    // A document HQ already has (under any seq) is recorded nowhere twice: the insert skips it.
    const inserted = new Set<number>();
    for (let i = 0; i < fresh.length; i += 500) {
      const rows = await tx
        .insertInto('sync_received')
        .values(
          fresh.slice(i, i + 500).map((e) => ({
            node_id: node.id,
            seq: e.seq,
            event_id: e.eventId,
            type: e.type,
            document_id: e.documentId,
            payload: APPLIERS[e.type] ? null : JSON.stringify(e.payload),
            created_at: e.createdAt,
            received_at: now,
          })),
        )
        .onConflict((oc) => oc.doNothing())
        .returning('seq')
        .execute();
      for (const r of rows) inserted.add(r.seq);
    }
    const toApply = fresh.filter((e) => inserted.has(e.seq));
    // Runs of one type keep seq order across types (a shift opens before its sales).
    for (let i = 0; i < toApply.length; ) {
      const type = toApply[i]?.type;
      let j = i;
      while (j < toApply.length && toApply[j]?.type === type) j++;
      const apply = type ? APPLIERS[type] : undefined;
      if (apply) await apply(t, row.store_id, toApply.slice(i, j));
      i = j;
    }
    const ackedSeq = fresh[fresh.length - 1]?.seq ?? row.last_seq;
    await tx.updateTable('sync_nodes').set({ last_seq: ackedSeq }).where('id', '=', node.id).execute();
    return { ackedSeq, applied: toApply.length, skipped: body.events.length - toApply.length };
  });
}

/** A sale's stock moves as deltas: its SKUs, or a bundle's components (cost shared by quantity). */
export function saleStockMoves(sale: SaleRecord): StockMoveInput[] {
  return sale.lines.flatMap((l) => {
    const base = { storeId: sale.storeId, kind: 'sale' as const, docType: 'sale', docId: sale.id, businessDate: sale.businessDate };
    if (l.components.length === 0) return [{ ...base, skuId: l.skuId, qty: -l.qty, costFen: l.costFen }];
    const totalQty = l.components.reduce((s, c) => s + c.qty, 0);
    let left = l.costFen;
    return l.components.map((c, i) => {
      const costFen = i === l.components.length - 1 ? left : Math.floor((l.costFen * c.qty) / Math.max(1, totalQty));
      left -= costFen;
      return { ...base, skuId: c.skuId, qty: -c.qty, costFen };
    });
  });
}

async function applySales(t: Ctx & { db: Tx }, storeId: string, sales: SaleRecord[]): Promise<void> {
  await insertSales(t.db, sales);
  await recordStockMoves(t, sales.flatMap(saleStockMoves));
  const cash = sales.flatMap((s) =>
    s.tenders
      .filter((tn) => tn.method === 'cash')
      .flatMap((tn) => [
        { store_id: s.storeId, id: newId(), shift_id: s.shiftId, kind: 'sale', amount_fen: tn.tenderedFen, reason: null, doc_id: s.id, actor_id: s.cashierId, business_date: s.businessDate, created_at: s.createdAt },
        ...(tn.changeFen > 0 ? [{ store_id: s.storeId, id: newId(), shift_id: s.shiftId, kind: 'change', amount_fen: -tn.changeFen, reason: null, doc_id: s.id, actor_id: s.cashierId, business_date: s.businessDate, created_at: s.createdAt }] : []),
      ]),
  );
  for (let i = 0; i < cash.length; i += 500) await t.db.insertInto('cash_movements').values(cash.slice(i, i + 500)).execute();
  await markCouponsUsed(t, storeId, sales, flag);
  // Points in ledger order. HQ never refuses a sale the store already made: a balance that goes
  // negative (the same points redeemed offline in two stores) is kept and flagged for HQ.
  for (const s of sales) {
    const p = s.points;
    if (!p || !s.memberId || (p.earned === 0 && p.redeemed === 0)) continue;
    const member = await t.db.selectFrom('members').select('id').where('id', '=', p.memberId).executeTakeFirst();
    if (!member) {
      await flag(t, storeId, 'MEMBER_UNKNOWN', { type: 'sale', id: s.id }, p.memberId, `Member ${p.memberId} of sale ${s.receiptNo} is unknown at HQ; its ${p.earned} earned and ${p.redeemed} redeemed points are not booked.`);
      continue;
    }
    const entries = [...(p.redeemed > 0 ? [{ kind: 'redeem', points: -p.redeemed }] : []), ...(p.earned > 0 ? [{ kind: 'earn', points: p.earned }] : [])];
    await t.db
      .insertInto('member_points')
      .values(entries.map((e) => ({ store_id: s.storeId, id: newId(), member_id: p.memberId, kind: e.kind, points: e.points, doc_type: 'sale', doc_id: s.id, business_date: s.businessDate, created_at: s.createdAt })))
      .execute();
    const after = await t.db
      .updateTable('members')
      .set((eb) => ({ points_balance: eb('points_balance', '+', p.earned - p.redeemed), updated_at: s.createdAt }))
      .where('id', '=', p.memberId)
      .returning('points_balance')
      .executeTakeFirstOrThrow();
    // The tier a sale lifted the member to at the store holds at HQ too (upgrades only; the review is HQ's).
    if (p.upgraded) await t.db.updateTable('members').set({ tier_code: p.tier.code, tier_since: s.createdAt }).where('id', '=', p.memberId).execute();
    if (after.points_balance < 0) {
      await flag(t, storeId, 'POINTS_NEGATIVE', { type: 'sale', id: s.id }, p.memberId, `Sale ${s.receiptNo} redeemed ${p.redeemed} points offline; the member's balance at HQ is now ${after.points_balance}.`);
    }
  }
}

async function flag(t: Ctx & { db: Tx }, storeId: string, code: string, doc: { type: string; id: string }, ref: string, detail: string): Promise<void> {
  t.log.warn({ code, docType: doc.type, docId: doc.id, ref }, 'sync exception');
  await t.db.insertInto('sync_exceptions').values({ store_id: storeId, id: newId(), code, doc_type: doc.type, doc_id: doc.id, ref, detail, created_at: t.clock.now().toISOString() }).execute();
}

/** A completed return as the store wrote it: its rows, stock back (deltas), the drawer's refund and the member's points. */
async function applyReturns(t: Ctx & { db: Tx }, storeId: string, returns: ReturnCompletedEvent[]): Promise<void> {
  for (const r of returns) {
    const row = r.rows.return;
    await t.db.insertInto('returns').values(row).execute();
    if (r.rows.lines.length) await t.db.insertInto('return_lines').values(r.rows.lines).execute();
    if (r.rows.refunds.length) await t.db.insertInto('return_refunds').values(r.rows.refunds).execute();
    await recordStockMoves(t, r.moves);
    if (r.cashOutFen > 0) {
      await t.db
        .insertInto('cash_movements')
        .values({ store_id: row.store_id, id: newId(), shift_id: row.shift_id, kind: 'refund', amount_fen: -r.cashOutFen, reason: row.reason_code, doc_id: row.id, actor_id: row.cashier_id, business_date: row.business_date, created_at: row.completed_at ?? row.created_at })
        .execute();
    }
    const p = r.points;
    if (!p || (p.clawedBack === 0 && p.refunded === 0)) continue;
    if (!(await t.db.selectFrom('members').select('id').where('id', '=', p.memberId).executeTakeFirst())) {
      await flag(t, storeId, 'MEMBER_UNKNOWN', { type: 'return', id: row.id }, p.memberId, `Member ${p.memberId} of return ${row.return_no} is unknown at HQ; ${p.refunded} refunded and ${p.clawedBack} clawed-back points are not booked.`);
      continue;
    }
    const at = row.completed_at ?? row.created_at;
    const entries = [...(p.refunded > 0 ? [{ kind: 'refund', points: p.refunded }] : []), ...(p.clawedBack > 0 ? [{ kind: 'clawback', points: -p.clawedBack }] : [])];
    await t.db
      .insertInto('member_points')
      .values(entries.map((e) => ({ store_id: row.store_id, id: newId(), member_id: p.memberId, kind: e.kind, points: e.points, doc_type: 'return', doc_id: row.id, business_date: row.business_date, created_at: at })))
      .execute();
    const after = await t.db
      .updateTable('members')
      .set((eb) => ({ points_balance: eb('points_balance', '+', p.refunded - p.clawedBack), updated_at: at }))
      .where('id', '=', p.memberId)
      .returning('points_balance')
      .executeTakeFirstOrThrow();
    if (after.points_balance < 0) await flag(t, storeId, 'POINTS_NEGATIVE', { type: 'return', id: row.id }, p.memberId, `Return ${row.return_no} clawed back ${p.clawedBack} points; the member's balance at HQ is now ${after.points_balance}.`);
  }
}

type Row<T> = Selectable<T> & Record<string, unknown>;

interface InventoryDocument {
  moves: StockMoveInput[];
  /** The store's average costs after the document (receipts and transfers in). */
  costs?: Array<Row<StockCostsTable>>;
}

/**
 * Takes the store's resulting average costs as they are: the moving average is per store × SKU
 * and depends on the on-hand at the store at that moment, which HQ's ledger (filled in push
 * order, other nodes' documents interleaved) cannot reproduce.
 */
async function applyCosts(t: Ctx & { db: Tx }, docs: readonly InventoryDocument[]): Promise<void> {
  const latest = new Map<string, Row<StockCostsTable>>();
  for (const c of docs.flatMap((d) => d.costs ?? [])) latest.set(`${c.store_id}|${c.sku_id}`, c);
  await upsertRows(t.db, 'stock_costs', ['store_id', 'sku_id'], [...latest.values()]);
}

/** Goods received at a store: its supplier (if HQ lacks it), the order as it now stands, the receipt, moves and costs. */
async function applyGoodsReceipts(t: Ctx & { db: Tx }, _storeId: string, events: PushedEvent[]): Promise<void> {
  type Receipt = InventoryDocument & { rows?: { supplier: Row<SuppliersTable>; order: Row<PurchaseOrdersTable>; orderLines: Array<Row<PurchaseOrderLinesTable>>; receipt: Row<GoodsReceiptsTable> } };
  const receipts = events.map((e) => e.payload as Receipt);
  for (const { rows } of receipts) {
    if (!rows) continue;
    await t.db.insertInto('suppliers').values(rows.supplier).onConflict((oc) => oc.doNothing()).execute();
    // A supplier the store made under a code HQ already uses is HQ's supplier of that code.
    const supplier = await t.db.selectFrom('suppliers').select('id').where('code', '=', rows.supplier.code).executeTakeFirstOrThrow();
    await upsertRows(t.db, 'purchase_orders', ['store_id', 'id'], [{ ...rows.order, supplier_id: supplier.id }]);
    await upsertRows(t.db, 'purchase_order_lines', ['store_id', 'po_id', 'line_no'], rows.orderLines);
    await upsertRows(t.db, 'goods_receipts', ['store_id', 'id'], [rows.receipt], 'keep');
  }
  await recordStockMoves(t, receipts.flatMap((r) => r.moves));
  await applyCosts(t, receipts);
}

/** An approved count: the count and its posted lines, and its adjustment moves. */
async function applyStockCounts(t: Ctx & { db: Tx }, _storeId: string, events: PushedEvent[]): Promise<void> {
  const counts = events.map((e) => e.payload as InventoryDocument & { rows?: { count: Row<StockCountsTable>; lines: Array<Row<StockCountLinesTable>> } });
  for (const { rows } of counts) {
    if (!rows) continue;
    await upsertRows(t.db, 'stock_counts', ['store_id', 'id'], [rows.count]);
    await upsertRows(t.db, 'stock_count_lines', ['store_id', 'count_id', 'sku_id'], rows.lines, 'keep');
  }
  await recordStockMoves(t, counts.flatMap((c) => c.moves));
}

/**
 * Either end of a transfer, in whichever order the two stores' nodes push: the sender's event
 * adds the document only if HQ lacks it, the receiver's writes it as received (its lines'
 * received quantities included), so both orders end with the same rows. Each end's moves are its own.
 */
async function applyTransfers(t: Ctx & { db: Tx }, _storeId: string, events: PushedEvent[]): Promise<void> {
  const docs = events.map((e) => ({ type: e.type, ...(e.payload as InventoryDocument & { rows?: { transfer: Row<TransfersTable>; lines: Array<Row<TransferLinesTable>> } }) }));
  for (const d of docs) {
    if (!d.rows) continue;
    const existing = d.type === 'transfer.received' ? 'update' : 'keep';
    await upsertRows(t.db, 'transfers', ['store_id', 'id'], [d.rows.transfer], existing);
    await upsertRows(t.db, 'transfer_lines', ['store_id', 'transfer_id', 'line_no'], d.rows.lines, existing);
  }
  await recordStockMoves(t, docs.flatMap((d) => d.moves));
  await applyCosts(t, docs);
}

/**
 * Members registered at a store, as the store wrote them (personal fields sealed: HQ and its
 * stores share the personal-data key ring). A phone already registered elsewhere keeps HQ's
 * member; the clash is flagged for HQ to merge.
 */
async function applyMembersRegistered(t: Ctx & { db: Tx }, storeId: string, events: PushedEvent[]): Promise<void> {
  for (const e of events) {
    const { member } = e.payload as { member: Selectable<MembersTable> };
    const clash = member.phone_index ? await t.db.selectFrom('members').select('id').where('phone_index', '=', member.phone_index).where('id', '!=', member.id).executeTakeFirst() : undefined;
    if (clash) {
      await flag(t, storeId, 'MEMBER_DUPLICATE', { type: 'member', id: member.id }, clash.id, `Card ${member.card_no} was registered at the store for a phone HQ already knows as member ${clash.id}; merge them.`);
      continue;
    }
    await t.db.insertInto('members').values(member).onConflict((oc) => oc.column('id').doNothing()).execute();
  }
}

async function applyMembersAnonymised(t: Ctx & { db: Tx }, _storeId: string, events: PushedEvent[]): Promise<void> {
  for (const e of events) {
    const { memberId, at } = e.payload as { memberId: string; at: string };
    await t.db.updateTable('members').set({ phone_index: null, phone_sealed: null, name_sealed: null, birthday_sealed: null, wechat_openid_sealed: null, wechat_openid_index: null, status: 'anonymised', updated_at: at }).where('id', '=', memberId).execute();
  }
}

/** A member's WeChat binding made at a store (sealed as the store sealed it; a later binding wins). */
async function applyWechatBindings(t: Ctx & { db: Tx }, _storeId: string, events: PushedEvent[]): Promise<void> {
  for (const e of events) {
    const { memberId, openidSealed, openidIndex, at } = e.payload as { memberId: string; openidSealed: string; openidIndex: string; at: string };
    await t.db.updateTable('members').set({ wechat_openid_sealed: openidSealed, wechat_openid_index: openidIndex, updated_at: at }).where('id', '=', memberId).where('status', '=', 'active').execute();
  }
}

interface ShiftOpened {
  id: string;
  storeId: string;
  terminalId: string;
  cashierId: string;
  businessDate: string;
  floatFen: number;
  openedAt: string;
}

async function applyShiftsOpened(t: Ctx & { db: Tx }, _storeId: string, events: PushedEvent[]): Promise<void> {
  const shifts = events.map((e) => e.payload as ShiftOpened);
  await t.db
    .insertInto('shifts')
    .values(shifts.map((s) => ({ store_id: s.storeId, id: s.id, terminal_id: s.terminalId, cashier_id: s.cashierId, business_date: s.businessDate, status: 'open', float_fen: s.floatFen, opened_at: s.openedAt, closed_at: null, closed_by: null, counted_fen: null, expected_fen: null, over_short_fen: null, counted_detail: null })))
    .onConflict((oc) => oc.doNothing())
    .execute();
  const floats = shifts.filter((s) => s.floatFen > 0);
  if (floats.length) {
    await t.db
      .insertInto('cash_movements')
      .values(floats.map((s) => ({ store_id: s.storeId, id: newId(), shift_id: s.id, kind: 'float', amount_fen: s.floatFen, reason: null, doc_id: null, actor_id: s.cashierId, business_date: s.businessDate, created_at: s.openedAt })))
      .execute();
  }
}

async function applyShiftsClosed(t: Ctx & { db: Tx }, _storeId: string, events: PushedEvent[]): Promise<void> {
  for (const e of events) {
    const p = e.payload as { shiftId: string; storeId: string; countedFen: number; expectedFen: number; overShortFen: number };
    await t.db
      .updateTable('shifts')
      .set({ status: 'closed', closed_at: e.createdAt, counted_fen: p.countedFen, expected_fen: p.expectedFen, over_short_fen: p.overShortFen })
      .where('store_id', '=', p.storeId)
      .where('id', '=', p.shiftId)
      .execute();
  }
}
