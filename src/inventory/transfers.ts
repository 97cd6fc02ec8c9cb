// Transfers between stores: the sender's 'transfer_out' moves post when goods leave, the goods are
// in transit until the receiver counts them in ('transfer_in' at the receiver), and each line's
// difference (short or over) is kept. Goods travel at the sender's average cost.
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { appendOutbox } from '../platform/outbox';
import { can } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import { findStoreById, type Store } from '../platform/stores/service';
import { appendAudit } from '../audit/index';
import { catalogIndex, type CatalogIndex } from '../catalog/index';
import { recordStockMoves, type StockMoveInput } from './service';
import { applyReceiptCosts, averageCosts, costOf, costRows } from './stock-costs';
import { costOfQty } from './cost';
import { scannedItem } from './scan-item';
import { actorAt, businessDateAt, nextDocumentNo } from './stores';

export type TransferStatus = 'in_transit' | 'received';

export interface TransferView {
  id: string;
  transferNo: string;
  fromStoreId: string;
  toStoreId: string;
  status: TransferStatus;
  note: string | null;
  sentAt: string;
  receivedAt: string | null;
  lines: Array<{ lineNo: number; skuId: string; code: string; name: string; unit: string; qtySent: number; qtyReceived: number | null; difference: number | null; result: 'ok' | 'short' | 'over' | null; unitCostFen: number }>;
}

type Scanned = ReadonlyArray<{ code: string; qty?: number }>;

async function scanAll(ctx: Ctx, index: CatalogIndex, storeId: string, lines: Scanned): Promise<Map<string, { qty: number; code: string }>> {
  const out = new Map<string, { qty: number; code: string }>();
  for (const [i, line] of lines.entries()) {
    if (line.qty !== undefined && (!Number.isSafeInteger(line.qty) || line.qty < 0)) {
      throw new AppError('VALIDATION_FAILED', `Line ${i + 1}: the quantity must be a whole number, 0 or more, got ${line.qty}.`, { details: { field: `lines[${i}].qty` } });
    }
    const item = await scannedItem(ctx, index, storeId, line.code, line.qty);
    const prev = out.get(item.sku.id);
    out.set(item.sku.id, { qty: (prev?.qty ?? 0) + item.qty, code: prev?.code ?? item.code });
  }
  return out;
}

/** A transfer's rows as they stand (its outbox events carry them to HQ). */
async function transferRows(ctx: Ctx, fromStoreId: string, id: string) {
  return {
    transfer: await ctx.db.selectFrom('transfers').selectAll().where('store_id', '=', fromStoreId).where('id', '=', id).executeTakeFirstOrThrow(),
    lines: await ctx.db.selectFrom('transfer_lines').selectAll().where('store_id', '=', fromStoreId).where('transfer_id', '=', id).orderBy('line_no').execute(),
  };
}

/** Sends goods from `from` to `to`: stock leaves `from` now and is in transit until received. */
export async function sendTransfer(ctx: Ctx, from: Store, to: Store, input: { lines: Scanned; note?: string }): Promise<TransferView> {
  const actor = actorAt(ctx, from, 'inventory.manage');
  if (from.id === to.id) throw new AppError('TRANSFER_SAME_STORE', `A transfer must go to another store; ${from.code} cannot send to itself.`, { details: { store: from.code } });
  if (input.lines.length === 0) throw new AppError('VALIDATION_FAILED', 'Scan at least one item to send.', { details: { field: 'lines' } });
  const index = await catalogIndex(ctx);
  const scanned = [...(await scanAll(ctx, index, from.id, input.lines))].filter(([, s]) => s.qty > 0);
  if (scanned.length === 0) throw new AppError('VALIDATION_FAILED', 'Every line has quantity 0: nothing to send.', { details: { field: 'lines' } });
  const id = newId();
  await ctx.db.transaction().execute(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    const transferNo = await nextDocumentNo(t, 'TR', from);
    const now = ctx.clock.now().toISOString();
    const date = businessDateAt(ctx, from);
    const costs = await averageCosts(t, index, from.id, scanned.map(([skuId]) => skuId));
    const lines = scanned.map(([skuId, s], i) => ({ lineNo: i + 1, skuId, qty: s.qty, unitCostFen: costOf(costs, index, skuId) }));
    await tx.insertInto('transfers').values({ store_id: from.id, id, transfer_no: transferNo, to_store_id: to.id, status: 'in_transit', note: input.note?.trim() || null, sent_by: actor.userId, sent_at: now, received_by: null, received_at: null }).execute();
    await tx.insertInto('transfer_lines').values(lines.map((l) => ({ store_id: from.id, transfer_id: id, line_no: l.lineNo, sku_id: l.skuId, qty_sent: l.qty, qty_received: null, unit_cost_fen: l.unitCostFen }))).execute();
    const moves: StockMoveInput[] = lines.map((l) => ({ storeId: from.id, skuId: l.skuId, qty: -l.qty, kind: 'transfer_out' as const, docType: 'transfer', docId: id, costFen: costOfQty(index.sku(l.skuId)?.unit ?? 'piece', l.qty, l.unitCostFen), businessDate: date }));
    await recordStockMoves(t, moves);
    await appendAudit(t, { action: 'transfer.sent', docType: 'transfer', docId: id, storeId: from.id, data: { transferNo, to: to.code, lines: lines.map((l) => ({ skuId: l.skuId, qty: l.qty })) } });
    await appendOutbox(t, { type: 'transfer.sent', documentId: id, payload: { transferNo, fromStoreId: from.id, toStoreId: to.id, lines, moves, rows: await transferRows(t, from.id, id) } });
  });
  return loadTransfer(ctx, index, id);
}

export async function loadTransfer(ctx: Ctx, index: CatalogIndex, id: string): Promise<TransferView> {
  const tr = await ctx.db.selectFrom('transfers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!tr) throw new AppError('NOT_FOUND', 'No such transfer.', { details: { id } });
  const lines = await ctx.db.selectFrom('transfer_lines').selectAll().where('store_id', '=', tr.store_id).where('transfer_id', '=', id).orderBy('line_no').execute();
  return {
    id,
    transferNo: tr.transfer_no,
    fromStoreId: tr.store_id,
    toStoreId: tr.to_store_id,
    status: tr.status as TransferStatus,
    note: tr.note,
    sentAt: tr.sent_at,
    receivedAt: tr.received_at,
    lines: lines.map((l) => {
      const sku = index.sku(l.sku_id);
      const difference = l.qty_received === null ? null : l.qty_received - l.qty_sent;
      return {
        lineNo: l.line_no,
        skuId: l.sku_id,
        code: sku?.code ?? l.sku_id,
        name: sku?.name ?? '?',
        unit: sku?.unit ?? 'piece',
        qtySent: l.qty_sent,
        qtyReceived: l.qty_received,
        difference,
        result: difference === null ? null : difference === 0 ? 'ok' : difference < 0 ? 'short' : 'over',
        unitCostFen: l.unit_cost_fen,
      };
    }),
  };
}

/** A transfer, for someone who may manage stock at either end. */
export async function getTransfer(ctx: Ctx, id: string): Promise<TransferView> {
  const view = await loadTransfer(ctx, await catalogIndex(ctx), id);
  const ends = await Promise.all([findStoreById(ctx, view.fromStoreId), findStoreById(ctx, view.toStoreId)]);
  const actor = ctx.actor;
  // Either end may look; otherwise refused as the receiving store would refuse.
  if (!actor || !ends.some((s) => can(actor, 'inventory.manage', { storeId: s.id, regionId: s.regionId }))) actorAt(ctx, ends[1], 'inventory.manage');
  return view;
}

/** Transfers out of or into a store (in transit first), newest first. */
export async function listTransfers(ctx: Ctx, store: Store, filter: { status?: TransferStatus } = {}) {
  actorAt(ctx, store, 'inventory.manage');
  let q = ctx.db
    .selectFrom('transfers')
    .innerJoin('stores as f', 'f.id', 'transfers.store_id')
    .innerJoin('stores as t', 't.id', 'transfers.to_store_id')
    .select(['transfers.id', 'transfer_no as transferNo', 'status', 'f.code as fromStore', 't.code as toStore', 'sent_at as sentAt', 'received_at as receivedAt'])
    .where((eb) => eb.or([eb('transfers.store_id', '=', store.id), eb('transfers.to_store_id', '=', store.id)]));
  if (filter.status) q = q.where('status', '=', filter.status);
  const rows = await q.orderBy('sent_at', 'desc').limit(200).execute();
  return rows.map((r) => ({ ...r, direction: r.fromStore === store.code ? ('out' as const) : ('in' as const) }));
}

/**
 * The receiving store counts the goods in. `lines` are what arrived (omit them to take the
 * transfer in exactly as sent); a line not scanned arrived short by all of it. Each received
 * quantity posts 'transfer_in' at the receiver at the sender's cost; differences stay on the lines.
 */
export async function receiveTransfer(ctx: Ctx, to: Store, id: string, input: { lines?: Scanned } = {}): Promise<TransferView> {
  const actor = actorAt(ctx, to, 'inventory.manage');
  const index = await catalogIndex(ctx);
  const scanned = input.lines ? await scanAll(ctx, index, to.id, input.lines) : null;
  await ctx.db.transaction().execute(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    const tr = await tx.selectFrom('transfers').select(['store_id', 'transfer_no', 'to_store_id', 'status']).where('id', '=', id).executeTakeFirst();
    if (!tr || tr.to_store_id !== to.id) throw new AppError('NOT_FOUND', `No transfer ${id} is on its way to ${to.code}.`, { details: { id } });
    const now = ctx.clock.now().toISOString();
    // Claims the transfer: of two receivers at once, one posts and the other is told it is done.
    const claimed = await tx.updateTable('transfers').set({ status: 'received', received_by: actor.userId, received_at: now }).where('store_id', '=', tr.store_id).where('id', '=', id).where('status', '=', 'in_transit').executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) throw new AppError('TRANSFER_NOT_IN_TRANSIT', `Transfer ${tr.transfer_no} was already received.`, { status: 409 });
    const lines = await tx.selectFrom('transfer_lines').selectAll().where('store_id', '=', tr.store_id).where('transfer_id', '=', id).orderBy('line_no').execute();
    if (scanned) {
      for (const [skuId, s] of scanned) {
        if (!lines.some((l) => l.sku_id === skuId)) throw new AppError('NOT_ON_TRANSFER', `${index.sku(skuId)?.name ?? s.code} (${s.code}) was not sent on transfer ${tr.transfer_no}. Set it aside and call the sending store.`, { details: { code: s.code } });
      }
    }
    const received = lines.map((l) => ({ ...l, got: scanned ? (scanned.get(l.sku_id)?.qty ?? 0) : l.qty_sent }));
    for (const l of received) {
      await tx.updateTable('transfer_lines').set({ qty_received: l.got }).where('store_id', '=', tr.store_id).where('transfer_id', '=', id).where('line_no', '=', l.line_no).execute();
    }
    const arrived = received.filter((l) => l.got > 0);
    await applyReceiptCosts(t, index, to.id, arrived.map((l) => ({ skuId: l.sku_id, qty: l.got, unitCostFen: l.unit_cost_fen })));
    const date = businessDateAt(ctx, to);
    const moves: StockMoveInput[] = arrived.map((l) => ({ storeId: to.id, skuId: l.sku_id, qty: l.got, kind: 'transfer_in' as const, docType: 'transfer', docId: id, costFen: costOfQty(index.sku(l.sku_id)?.unit ?? 'piece', l.got, l.unit_cost_fen), reason: l.got === l.qty_sent ? null : `sent ${l.qty_sent}`, businessDate: date }));
    await recordStockMoves(t, moves);
    const differences = received.filter((l) => l.got !== l.qty_sent).map((l) => ({ skuId: l.sku_id, sent: l.qty_sent, received: l.got }));
    await appendAudit(t, { action: 'transfer.received', docType: 'transfer', docId: id, storeId: to.id, data: { transferNo: tr.transfer_no, differences } });
    // The received event carries the whole document too: HQ may get it before the sender's.
    const rows = await transferRows(t, tr.store_id, id);
    const costs = await costRows(t, to.id, arrived.map((l) => l.sku_id));
    await appendOutbox(t, { type: 'transfer.received', documentId: id, payload: { transferNo: tr.transfer_no, toStoreId: to.id, lines: received.map((l) => ({ skuId: l.sku_id, sent: l.qty_sent, received: l.got })), moves, rows, costs } });
  });
  return loadTransfer(ctx, index, id);
}
