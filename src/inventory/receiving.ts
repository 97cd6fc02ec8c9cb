// Suppliers, purchase orders and receiving at the back door: goods are scanned in with the till's
// scan rules, each delivery posts 'receipt' moves and moves the average cost, all in one
// transaction. Receiving more than ordered needs the overReceipt flag and a reason.
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { appendOutbox } from '../platform/outbox';
import { requirePermission } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import type { Store } from '../platform/stores/service';
import { appendAudit } from '../audit/index';
import { catalogIndex, type CatalogIndex } from '../catalog/index';
import { recordStockMoves, type StockMoveInput } from './service';
import { applyReceiptCosts, costRows } from './stock-costs';
import { costOfQty } from './cost';
import { scannedItem, skuByCode } from './scan-item';
import { actorAt, businessDateAt, nextDocumentNo } from './stores';
import { purchaseOrderDocument, type PurchaseOrderDocument } from './purchase-order-document';

export type PoStatus = 'draft' | 'ordered' | 'partly_received' | 'received';

export interface Supplier {
  id: string;
  code: string;
  name: string;
  contact: string | null;
}

export interface PurchaseOrderView {
  id: string;
  poNo: string;
  storeId: string;
  supplier: Supplier;
  status: PoStatus;
  note: string | null;
  createdAt: string;
  sentAt: string | null;
  /** Who sent it to the supplier (display name). */
  sentBy: string | null;
  receivedAt: string | null;
  /** Where the supplier delivers; null: the store itself. */
  deliveryAddress: string | null;
  totalCostFen: number;
  lines: Array<{ lineNo: number; skuId: string; code: string; name: string; unit: string; qtyOrdered: number; qtyReceived: number; unitCostFen: number }>;
}

const SUPPLIER_CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

export async function createSupplier(ctx: Ctx, input: { code: string; name: string; contact?: string }): Promise<Supplier> {
  requirePermission(ctx.actor, 'inventory.manage');
  if (!SUPPLIER_CODE.test(input.code)) throw new AppError('VALIDATION_FAILED', `Supplier code "${input.code}" must be 1–32 letters, digits, "_" or "-".`, { details: { field: 'code' } });
  const name = input.name.trim();
  if (!name) throw new AppError('VALIDATION_FAILED', 'Give the supplier a name.', { details: { field: 'name' } });
  const exists = await ctx.db.selectFrom('suppliers').select('id').where('code', '=', input.code).executeTakeFirst();
  if (exists) throw new AppError('CONFLICT', `Supplier ${input.code} already exists.`, { details: { code: input.code } });
  const supplier: Supplier = { id: newId(), code: input.code, name, contact: input.contact?.trim() || null };
  await ctx.db.insertInto('suppliers').values({ ...supplier, created_at: ctx.clock.now().toISOString() }).execute();
  return supplier;
}

export async function listSuppliers(ctx: Ctx): Promise<Supplier[]> {
  return ctx.db.selectFrom('suppliers').select(['id', 'code', 'name', 'contact']).orderBy('code').execute();
}

function assertQty(qty: number, field: string, allowZero = false): void {
  if (!Number.isSafeInteger(qty) || qty < (allowZero ? 0 : 1)) {
    throw new AppError('VALIDATION_FAILED', `${field} must be a whole number ${allowZero ? '0 or more' : 'above 0'} (pieces, or grams for weighed items), got ${qty}.`, { details: { field, value: qty } });
  }
}

export async function createPurchaseOrder(
  ctx: Ctx,
  store: Store,
  input: { supplierCode: string; note?: string; deliveryAddress?: string; lines: ReadonlyArray<{ code: string; qty: number; unitCostFen: number }> },
): Promise<PurchaseOrderView> {
  const actor = actorAt(ctx, store, 'inventory.manage');
  const supplier = await ctx.db.selectFrom('suppliers').select(['id', 'code', 'name', 'contact']).where('code', '=', input.supplierCode).executeTakeFirst();
  if (!supplier) throw new AppError('SUPPLIER_NOT_FOUND', `No supplier has the code ${input.supplierCode}. Create the supplier first.`, { status: 404, details: { code: input.supplierCode } });
  if (input.lines.length === 0) throw new AppError('VALIDATION_FAILED', 'A purchase order needs at least one line.', { details: { field: 'lines' } });
  const index = await catalogIndex(ctx);
  const seen = new Set<string>();
  const lines = input.lines.map((l, i) => {
    const sku = skuByCode(index, l.code);
    if (seen.has(sku.id)) throw new AppError('DUPLICATE_LINE', `Line ${i + 1}: ${sku.name} (${sku.code}) is already on this order; change that line's quantity instead.`, { details: { line: i + 1, code: l.code } });
    seen.add(sku.id);
    assertQty(l.qty, `lines[${i}].qty`);
    if (!Number.isSafeInteger(l.unitCostFen) || l.unitCostFen < 0) throw new AppError('VALIDATION_FAILED', `Line ${i + 1}: the unit cost must be whole fen, 0 or more.`, { details: { field: `lines[${i}].unitCostFen` } });
    return { sku, qty: l.qty, unitCostFen: l.unitCostFen };
  });
  const id = newId();
  await ctx.db.transaction().execute(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    const poNo = await nextDocumentNo(t, 'PO', store);
    const now = ctx.clock.now().toISOString();
    await tx.insertInto('purchase_orders').values({ store_id: store.id, id, po_no: poNo, supplier_id: supplier.id, status: 'draft', note: input.note?.trim() || null, delivery_address: input.deliveryAddress?.trim() || null, created_by: actor.userId, created_at: now, sent_at: null, sent_by: null, received_at: null }).execute();
    await tx
      .insertInto('purchase_order_lines')
      .values(lines.map((l, i) => ({ store_id: store.id, po_id: id, line_no: i + 1, sku_id: l.sku.id, qty_ordered: l.qty, qty_received: 0, unit_cost_fen: l.unitCostFen })))
      .execute();
    await appendAudit(t, { action: 'po.created', docType: 'purchase_order', docId: id, storeId: store.id, data: { poNo, supplier: supplier.code, lines: lines.map((l) => ({ skuId: l.sku.id, qty: l.qty, unitCostFen: l.unitCostFen })) } });
  });
  return loadPurchaseOrder(ctx, index, store.id, id);
}

export async function loadPurchaseOrder(ctx: Ctx, index: CatalogIndex, storeId: string, id: string): Promise<PurchaseOrderView> {
  const po = await ctx.db.selectFrom('purchase_orders').selectAll().where('store_id', '=', storeId).where('id', '=', id).executeTakeFirst();
  if (!po) throw new AppError('NOT_FOUND', 'No such purchase order at this store.', { details: { id } });
  const [supplier, lines, sender] = await Promise.all([
    ctx.db.selectFrom('suppliers').select(['id', 'code', 'name', 'contact']).where('id', '=', po.supplier_id).executeTakeFirstOrThrow(),
    ctx.db.selectFrom('purchase_order_lines').selectAll().where('store_id', '=', storeId).where('po_id', '=', id).orderBy('line_no').execute(),
    po.sent_by ? ctx.db.selectFrom('users').select('display_name').where('id', '=', po.sent_by).executeTakeFirst() : undefined,
  ]);
  const views = lines.map((l) => {
    const sku = index.sku(l.sku_id);
    return { lineNo: l.line_no, skuId: l.sku_id, code: sku?.code ?? l.sku_id, name: sku?.name ?? '?', unit: sku?.unit ?? 'piece', qtyOrdered: l.qty_ordered, qtyReceived: l.qty_received, unitCostFen: l.unit_cost_fen };
  });
  return {
    id,
    poNo: po.po_no,
    storeId,
    supplier,
    status: po.status as PoStatus,
    note: po.note,
    createdAt: po.created_at,
    sentAt: po.sent_at,
    sentBy: sender?.display_name ?? null,
    receivedAt: po.received_at,
    deliveryAddress: po.delivery_address,
    totalCostFen: views.reduce((s, l) => s + costOfQty(l.unit === 'kg' ? 'kg' : 'piece', l.qtyOrdered, l.unitCostFen), 0),
    lines: views,
  };
}

/** An order as the supplier gets it (print page, XLSX, CSV), for a manager of its store. */
export async function purchaseOrderDocumentOf(ctx: Ctx, store: Store, id: string): Promise<PurchaseOrderDocument> {
  actorAt(ctx, store, 'inventory.manage');
  const index = await catalogIndex(ctx);
  const po = await loadPurchaseOrder(ctx, index, store.id, id);
  return purchaseOrderDocument(po, store, (skuId) => index.sku(skuId)?.barcodes[0] ?? '');
}

export async function listPurchaseOrders(ctx: Ctx, store: Store, filter: { status?: PoStatus } = {}) {
  actorAt(ctx, store, 'inventory.manage');
  let q = ctx.db
    .selectFrom('purchase_orders')
    .innerJoin('suppliers', 'suppliers.id', 'purchase_orders.supplier_id')
    .select(['purchase_orders.id', 'po_no as poNo', 'status', 'suppliers.code as supplierCode', 'suppliers.name as supplierName', 'purchase_orders.created_at as createdAt', 'sent_at as sentAt', 'received_at as receivedAt'])
    .where('store_id', '=', store.id);
  if (filter.status) q = q.where('status', '=', filter.status);
  return q.orderBy('po_no', 'desc').limit(200).execute();
}

/** Sends a draft order to the supplier (who and when are kept): from now on it can be received. */
export async function sendPurchaseOrder(ctx: Ctx, store: Store, id: string): Promise<PurchaseOrderView> {
  const actor = actorAt(ctx, store, 'inventory.manage');
  await ctx.db.transaction().execute(async (tx) => {
    const sentAt = ctx.clock.now().toISOString();
    const sent = await tx.updateTable('purchase_orders').set({ status: 'ordered', sent_at: sentAt, sent_by: actor.userId }).where('store_id', '=', store.id).where('id', '=', id).where('status', '=', 'draft').returning('po_no').executeTakeFirst();
    if (!sent) {
      const po = await tx.selectFrom('purchase_orders').select(['status', 'po_no']).where('store_id', '=', store.id).where('id', '=', id).executeTakeFirst();
      if (!po) throw new AppError('NOT_FOUND', 'No such purchase order at this store.', { details: { id } });
      throw new AppError('PO_ALREADY_SENT', `Purchase order ${po.po_no} was already sent (${po.status}).`, { status: 409, details: { status: po.status } });
    }
    await appendAudit({ ...ctx, db: tx }, { action: 'po.sent', docType: 'purchase_order', docId: id, storeId: store.id, data: { poNo: sent.po_no, sentAt, sentBy: actor.username } });
  });
  return loadPurchaseOrder(ctx, await catalogIndex(ctx), store.id, id);
}

export interface ReceiveInput {
  /** What was scanned at the back door; `qty` (default 1) per scan, or a scale label's weight. */
  lines: ReadonlyArray<{ code: string; qty?: number }>;
  /** Receiving more than ordered needs this and a reason. */
  overReceipt?: boolean;
  reason?: string;
}

/**
 * Receives a delivery against an order, fully or in part. Refused as a whole (nothing posted)
 * when a code is unknown or not on the order, or when it takes a line past what was ordered
 * without `overReceipt` and a reason (OVER_RECEIPT names each such line).
 */
export async function receivePurchaseOrder(ctx: Ctx, store: Store, id: string, input: ReceiveInput): Promise<PurchaseOrderView & { receiptId: string }> {
  const actor = actorAt(ctx, store, 'inventory.manage');
  if (input.lines.length === 0) throw new AppError('VALIDATION_FAILED', 'Scan at least one item to receive.', { details: { field: 'lines' } });
  const index = await catalogIndex(ctx);
  const scanned = new Map<string, { qty: number; code: string }>();
  for (const [i, line] of input.lines.entries()) {
    if (line.qty !== undefined) assertQty(line.qty, `lines[${i}].qty`);
    const item = await scannedItem(ctx, index, store.id, line.code, line.qty);
    const prev = scanned.get(item.sku.id);
    scanned.set(item.sku.id, { qty: (prev?.qty ?? 0) + item.qty, code: prev?.code ?? item.code });
  }
  const reason = input.reason?.trim() || null;
  const receiptId = newId();
  await ctx.db.transaction().execute(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    // Locks the order, so two deliveries scanned at once are checked against each other.
    const po = await tx.updateTable('purchase_orders').set((eb) => ({ status: eb.ref('status') })).where('store_id', '=', store.id).where('id', '=', id).returning(['status', 'po_no']).executeTakeFirst();
    if (!po) throw new AppError('NOT_FOUND', 'No such purchase order at this store.', { details: { id } });
    if (po.status === 'draft') throw new AppError('PO_NOT_SENT', `Purchase order ${po.po_no} has not been sent yet; send it before receiving.`, { status: 409 });
    if (po.status === 'received') throw new AppError('PO_CLOSED', `Purchase order ${po.po_no} is fully received.`, { status: 409 });
    const lines = await tx.selectFrom('purchase_order_lines').selectAll().where('store_id', '=', store.id).where('po_id', '=', id).execute();
    const bySku = new Map(lines.map((l) => [l.sku_id, l]));
    const over: Array<{ skuId: string; code: string; name: string; ordered: number; received: number; receiving: number }> = [];
    for (const [skuId, s] of scanned) {
      const line = bySku.get(skuId);
      const sku = index.sku(skuId);
      if (!line) throw new AppError('NOT_ON_ORDER', `${sku?.name ?? s.code} (${s.code}) is not on purchase order ${po.po_no}. Set it aside and tell the supplier.`, { details: { code: s.code } });
      if (line.qty_received + s.qty > line.qty_ordered) over.push({ skuId, code: s.code, name: sku?.name ?? '', ordered: line.qty_ordered, received: line.qty_received, receiving: s.qty });
    }
    if (over.length > 0 && !input.overReceipt) {
      const first = over[0] as (typeof over)[number];
      throw new AppError(
        'OVER_RECEIPT',
        `${first.name} (${first.code}): ordered ${first.ordered}, already received ${first.received}, now ${first.receiving}. Receiving more than ordered needs a manager's confirmation and a reason.`,
        { status: 409, details: { lines: over } },
      );
    }
    if (over.length > 0 && !reason) throw new AppError('REASON_REQUIRED', 'Give the reason for receiving more than ordered (it goes into the audit trail).', { status: 400, details: { field: 'reason' } });

    const date = businessDateAt(ctx, store);
    const now = ctx.clock.now().toISOString();
    const received = [...scanned].map(([skuId, s]) => ({ skuId, qty: s.qty, unitCostFen: (bySku.get(skuId) as (typeof lines)[number]).unit_cost_fen }));
    await tx.insertInto('goods_receipts').values({ store_id: store.id, id: receiptId, po_id: id, over_receipt_reason: over.length > 0 ? reason : null, received_by: actor.userId, business_date: date, created_at: now }).execute();
    for (const r of received) {
      await tx.updateTable('purchase_order_lines').set((eb) => ({ qty_received: eb('qty_received', '+', r.qty) })).where('store_id', '=', store.id).where('po_id', '=', id).where('sku_id', '=', r.skuId).execute();
    }
    const after = await tx.selectFrom('purchase_order_lines').select(['qty_ordered', 'qty_received']).where('store_id', '=', store.id).where('po_id', '=', id).execute();
    const complete = after.every((l) => l.qty_received >= l.qty_ordered);
    await tx.updateTable('purchase_orders').set({ status: complete ? 'received' : 'partly_received', received_at: complete ? now : null }).where('store_id', '=', store.id).where('id', '=', id).execute();
    await applyReceiptCosts(t, index, store.id, received);
    const moves: StockMoveInput[] = received.map((r) => {
        const unit = index.sku(r.skuId)?.unit ?? 'piece';
        return { storeId: store.id, skuId: r.skuId, qty: r.qty, kind: 'receipt' as const, docType: 'goods_receipt', docId: receiptId, costFen: costOfQty(unit, r.qty, r.unitCostFen), reason: over.some((o) => o.skuId === r.skuId) ? reason : null, businessDate: date };
      });
    await recordStockMoves(t, moves);
    await appendAudit(t, { action: 'po.received', docType: 'goods_receipt', docId: receiptId, storeId: store.id, data: { poId: id, poNo: po.po_no, lines: received, overReceipt: over.length > 0 ? { reason, lines: over } : null } });
    // HQ rebuilds the receipt from this event: the order as it stands now, the receipt, its moves,
    // and the average costs it left (HQ takes the store's, never recomputes them).
    const order = await tx.selectFrom('purchase_orders').selectAll().where('store_id', '=', store.id).where('id', '=', id).executeTakeFirstOrThrow();
    const rows = {
      supplier: await tx.selectFrom('suppliers').selectAll().where('id', '=', order.supplier_id).executeTakeFirstOrThrow(),
      order,
      orderLines: await tx.selectFrom('purchase_order_lines').selectAll().where('store_id', '=', store.id).where('po_id', '=', id).execute(),
      receipt: await tx.selectFrom('goods_receipts').selectAll().where('store_id', '=', store.id).where('id', '=', receiptId).executeTakeFirstOrThrow(),
    };
    const costs = await costRows(t, store.id, received.map((r) => r.skuId));
    await appendOutbox(t, { type: 'goods_receipt.created', documentId: receiptId, payload: { storeId: store.id, poId: id, businessDate: date, lines: received, moves, rows, costs } });
  });
  return { ...(await loadPurchaseOrder(ctx, index, store.id, id)), receiptId };
}
