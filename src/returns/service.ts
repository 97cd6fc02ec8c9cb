// Returns against a receipt (or without one, under stricter rules): quote, approve when above
// the requester's limit, reserve the quantities, refund each tender through its channel, then
// in one transaction put the stock back, pay out the drawer's part and write the audit record.
import { createHash } from 'node:crypto';
import { AppError } from '../platform/errors';
import { newId } from '../platform/ids';
import { businessDate } from '../platform/business-date';
import { formatMoney } from '../platform/money';
import { appendOutbox } from '../platform/outbox';
import { takeFromSequence } from '../platform/sequence';
import { can, requirePermission, rolesAt, type Actor, type Permission, type StoreScope } from '../platform/auth/permissions';
import type { Ctx } from '../platform/context';
import { offlinePosture } from '../platform/offline';
import type { Selectable } from 'kysely';
import type { Tx } from '../platform/db/index';
import type { ReturnLinesTable, ReturnRefundsTable, ReturnsTable } from '../platform/db/schema';
import { appendAudit, canonicalJson } from '../audit/index';
import { catalogIndex, promotionsByIds } from '../catalog/index';
import { storeScopeById } from '../platform/stores/service';
import { loadSale, resolveTill, taxBreakdown, type SaleRecord, type TillContext } from '../checkout/index';
import { recordStockMoves, type StockMoveInput } from '../inventory/index';
import { cardTerminalFor, refundPayment } from '../payments/index';
import { writeReturnPoints } from '../members/index';
import { decideReturn, RETURN_LADDER, type ReturnDecision, type ReturnPolicy, type ReturnRole } from './policy';
import { quoteReturn, routeRefund, type ReturnQuote, type RoutedRefund } from './refund-calc';
import { returnPolicyFor } from './policy-store';
import { REASON_CODES, type ReasonCode } from './schema';

const DAMAGED_BY_DEFAULT: readonly ReasonCode[] = ['defective', 'expired'];

const WALLETS = new Set(['wechat', 'alipay', 'unionpay', 'ecny']);
/** Refunds the store gives itself (the drawer, the member's points), with no channel to ask. */
const IN_STORE = new Set(['cash', 'points']);

export interface ReturnLineInput {
  /** The sale line (with a receipt) … */
  lineNo?: number;
  /** … or the item's barcode or code (without a receipt). */
  code?: string;
  qty: number;
  restock?: 'shelf' | 'damaged';
}

export interface ReturnInput {
  receiptNo?: string;
  lines: ReturnLineInput[];
  reasonCode: string;
  note?: string;
  approvalId?: string;
  idempotencyKey?: string;
  storeCode?: string;
  terminalCode?: string;
}

/** What a completed return tells HQ (the outbox payload): enough to write it there as here. */
export interface ReturnCompletedEvent {
  storeId: string;
  rows: { return: Selectable<ReturnsTable>; lines: Array<Selectable<ReturnLinesTable>>; refunds: Array<Selectable<ReturnRefundsTable>> };
  moves: StockMoveInput[];
  cashOutFen: number;
  points: { memberId: string; clawedBack: number; refunded: number } | null;
}

/** Everything decided about a return before anything is written. */
export interface ReturnPlan {
  till: TillContext;
  scope: StoreScope;
  shiftId: string;
  sale: SaleRecord | null;
  policy: ReturnPolicy;
  quote: ReturnQuote;
  routing: RoutedRefund[];
  decision: ReturnDecision;
  restock: Map<number, 'shelf' | 'damaged'>;
  reasonCode: ReasonCode;
  /** What an approval must cover exactly, and its hash. */
  subject: Record<string, unknown>;
  subjectHash: string;
}

function assertReason(code: string): ReasonCode {
  if (!(REASON_CODES as readonly string[]).includes(code)) {
    throw new AppError('VALIDATION_FAILED', `Reason "${code}" is not one of ${REASON_CODES.join(', ')}.`, { status: 400, details: { field: 'reasonCode' } });
  }
  return code as ReasonCode;
}

function daysBetween(fromDate: string, toDate: string): number {
  return Math.round((Date.parse(`${toDate}T00:00:00Z`) - Date.parse(`${fromDate}T00:00:00Z`)) / 86_400_000);
}

/** Quantity already returned (or being refunded) per line of a sale, and what was given back per tender. */
async function returnedSoFar(db: Ctx['db'], sale: SaleRecord): Promise<{ qty: Map<number, number>; refundedFen: number; byTender: Map<string, number> }> {
  const [lines, refunds] = await Promise.all([
    db
      .selectFrom('return_lines')
      .innerJoin('returns', (j) => j.onRef('returns.store_id', '=', 'return_lines.store_id').onRef('returns.id', '=', 'return_lines.return_id'))
      .select(['return_lines.sale_line_no as lineNo', 'return_lines.qty as qty'])
      .where('returns.sale_store_id', '=', sale.storeId)
      .where('returns.sale_id', '=', sale.id)
      .execute(),
    db
      .selectFrom('return_refunds')
      .innerJoin('returns', (j) => j.onRef('returns.store_id', '=', 'return_refunds.store_id').onRef('returns.id', '=', 'return_refunds.return_id'))
      .select(['return_refunds.sale_tender_id as tenderId', 'return_refunds.amount_fen as amountFen'])
      .where('returns.sale_store_id', '=', sale.storeId)
      .where('returns.sale_id', '=', sale.id)
      .execute(),
  ]);
  const qty = new Map<number, number>();
  for (const l of lines) if (l.lineNo !== null) qty.set(l.lineNo, (qty.get(l.lineNo) ?? 0) + l.qty);
  const byTender = new Map<string, number>();
  for (const r of refunds) if (r.tenderId) byTender.set(r.tenderId, (byTender.get(r.tenderId) ?? 0) + r.amountFen);
  return { qty, refundedFen: refunds.reduce((s, r) => s + r.amountFen, 0), byTender };
}

/** What the shift gave back on its own authority (approved returns are the approver's). */
async function shiftRefundedFen(db: Ctx['db'], storeId: string, shiftId: string): Promise<number> {
  const row = await db
    .selectFrom('returns')
    .select((eb) => eb.fn.sum<number>('refund_fen').as('total'))
    .where('store_id', '=', storeId)
    .where('shift_id', '=', shiftId)
    .where('approval_id', 'is', null)
    .executeTakeFirst();
  return Number(row?.total ?? 0);
}

async function findSaleByReceipt(ctx: Ctx, receiptNo: string): Promise<SaleRecord> {
  const no = receiptNo.trim().toUpperCase();
  if (!/^[A-Z0-9]{1,16}-[A-Z0-9]{1,16}-\d{8}-\d{1,6}$/.test(no)) {
    throw new AppError('VALIDATION_FAILED', `"${receiptNo}" is not a receipt number (like S001-T01-20261130-0042). Scan the receipt's barcode or type the number printed on it.`, {
      status: 400,
      details: { field: 'receiptNo' },
    });
  }
  const row = await ctx.db.selectFrom('sales').select(['store_id', 'id']).where('receipt_no', '=', no).executeTakeFirst();
  const sale = row ? await loadSale(ctx.db, { storeId: row.store_id, id: row.id }) : undefined;
  if (!sale) throw new AppError('RECEIPT_NOT_FOUND', `No sale has receipt number ${no}. Check the number, or return without a receipt.`, { status: 404, details: { field: 'receiptNo' } });
  return sale;
}


/** A return without a receipt: today's price of each item, pieces only, cash back. */
async function quoteWithoutReceipt(ctx: Ctx, till: TillContext, input: ReturnInput): Promise<{ quote: ReturnQuote; byLine: Map<number, { skuId: string }> }> {
  const index = await catalogIndex(ctx);
  const byLine = new Map<number, { skuId: string }>();
  const lines = input.lines.map((l, i) => {
    const code = (l.code ?? '').trim();
    const sku = index.byBarcodeKey(code) ?? index.byInternalCode(code);
    if (!sku) throw new AppError('PRODUCT_NOT_FOUND', `Line ${i + 1}: no item has the code "${code}". Scan the item's barcode.`, { status: 404, details: { field: 'lines', line: i + 1 } });
    if (sku.unit !== 'piece') throw new AppError('VALIDATION_FAILED', `Line ${i + 1} (${sku.name}): weighed goods cannot be returned without a receipt.`, { status: 400, details: { field: 'lines', line: i + 1 } });
    if (!Number.isSafeInteger(l.qty) || l.qty <= 0 || l.qty > 999) throw new AppError('VALIDATION_FAILED', `Line ${i + 1} (${sku.name}): the quantity must be 1 to 999.`, { status: 400, details: { field: 'qty', line: i + 1 } });
    const price = index.priceFor(till.storeId, sku);
    const category = index.category(sku.categoryId);
    byLine.set(i + 1, { skuId: sku.id });
    return { lineNo: i + 1, skuId: sku.id, name: sku.name, qty: l.qty, refundFen: price * l.qty, vatRate: category?.vatRate ?? '0.13', categoryId: sku.categoryId };
  });
  if (lines.length === 0) throw new AppError('VALIDATION_FAILED', 'Scan at least one item to return.', { status: 400, details: { field: 'lines' } });
  return { quote: { lines, refundFen: lines.reduce((s, l) => s + l.refundFen, 0), keptValueFen: 0 }, byLine };
}

function subjectHash(subject: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(subject)).digest('hex');
}

/** Works out a return fully (refund, routing, who may allow it) without writing anything. */
export async function planReturn(ctx: Ctx, actor: Actor, input: ReturnInput): Promise<ReturnPlan> {
  const till = await resolveTill(ctx, actor, { storeCode: input.storeCode, terminalCode: input.terminalCode });
  const scope: StoreScope = { storeId: till.storeId, regionId: till.regionId };
  requirePermission(actor, 'returns.create', scope);
  const posture = await offlinePosture(ctx);
  if (posture.level === 'restricted') {
    throw new AppError('OFFLINE_RESTRICTED', `Returns wait until this store reaches HQ again (${posture.reason ?? 'offline'}): another store may have taken the same receipt back.`, { status: 409 });
  }
  const reasonCode = assertReason(input.reasonCode);
  const shift = await ctx.db.selectFrom('shifts').select('id').where('store_id', '=', till.storeId).where('terminal_id', '=', till.terminalId).where('status', '=', 'open').executeTakeFirst();
  if (!shift) throw new AppError('SHIFT_NOT_OPEN', 'Open a shift on this till before taking a return.', { status: 409 });
  const policy = await returnPolicyFor(ctx, till.storeId);
  const today = businessDate(ctx.clock.now(), till.timeZone, till.dayCutover);

  let sale: SaleRecord | null = null;
  let quote: ReturnQuote;
  let routing: RoutedRefund[];
  if (input.receiptNo) {
    sale = await findSaleByReceipt(ctx, input.receiptNo);
    if (sale.storeId !== till.storeId && !policy.otherStoreReceipts) {
      throw new AppError('RECEIPT_OTHER_STORE', `Receipt ${sale.receiptNo} is from another store; this store's policy takes back only its own sales. Send the customer to that store.`, { status: 409 });
    }
    const so = await returnedSoFar(ctx.db, sale);
    const request = input.lines.map((l, i) => {
      if (l.lineNo === undefined) throw new AppError('VALIDATION_FAILED', `Line ${i + 1}: say which receipt line (lineNo) to return.`, { status: 400, details: { field: 'lines', line: i + 1 } });
      return { lineNo: l.lineNo, qty: l.qty };
    });
    const promotionIds = [...new Set(sale.lines.flatMap((l) => l.promotions.map((p) => p.promotionId)))];
    quote = quoteReturn({
      lines: sale.lines,
      promotions: await promotionsByIds(ctx, promotionIds),
      saleAt: new Date(sale.createdAt),
      paidFen: sale.tenders.reduce((s, t) => s + t.amountFen, 0),
      returned: so.qty,
      refundedFen: so.refundedFen,
      request,
    });
    routing = routeRefund(
      quote.refundFen,
      sale.tenders.map((t) => ({ id: t.id, method: t.method, amountFen: t.amountFen, refundedFen: so.byTender.get(t.id) ?? 0 })),
    );
  } else {
    quote = (await quoteWithoutReceipt(ctx, till, input)).quote;
    routing = quote.refundFen > 0 ? [{ tenderId: '', method: 'cash', amountFen: quote.refundFen }] : [];
  }

  const restock = new Map<number, 'shelf' | 'damaged'>();
  input.lines.forEach((l, i) => {
    const lineNo = sale ? (l.lineNo ?? 0) : i + 1;
    restock.set(lineNo, l.restock ?? (DAMAGED_BY_DEFAULT.includes(reasonCode) ? 'damaged' : 'shelf'));
  });
  const decision = decideReturn(policy, rolesAt(actor, scope), {
    amountFen: quote.refundFen,
    shiftRefundedFen: await shiftRefundedFen(ctx.db, till.storeId, shift.id),
    withReceipt: sale !== null,
    saleAgeDays: sale ? daysBetween(sale.businessDate, today) : null,
  });
  const subject = {
    kind: 'return',
    storeId: till.storeId,
    saleId: sale?.id ?? null,
    lines: quote.lines.map((l) => ({ lineNo: sale ? l.lineNo : null, skuId: l.skuId, qty: l.qty, restock: restock.get(l.lineNo) ?? 'shelf' })),
    refundFen: quote.refundFen,
    reasonCode,
    requesterId: actor.userId,
  };
  return { till, scope, shiftId: shift.id, sale, policy, quote, routing, decision, restock, reasonCode, subject, subjectHash: subjectHash(subject) };
}

export interface ReturnView {
  id: string;
  returnNo: string;
  receiptNo: string | null;
  cashierId: string;
  status: 'refunding' | 'completed' | 'refund_failed';
  businessDate: string;
  reasonCode: string;
  refundFen: number;
  lines: Array<{ lineNo: number; saleLineNo: number | null; skuId: string; name: string; qty: number; refundFen: number; restock: string }>;
  refunds: Array<{ id: string; method: string; amountFen: number; status: string; refundNo: string | null; errorCode: string | null; message: string | null }>;
  approvalId: string | null;
  createdAt: string;
  completedAt: string | null;
}

type ReturnHeader = Omit<ReturnView, 'lines' | 'refunds'>;

function returnHeader(r: Selectable<ReturnsTable>): ReturnHeader {
  return {
    id: r.id,
    returnNo: r.return_no,
    receiptNo: r.receipt_no,
    cashierId: r.cashier_id,
    status: r.status as ReturnView['status'],
    businessDate: r.business_date,
    reasonCode: r.reason_code,
    refundFen: r.refund_fen,
    approvalId: r.approval_id,
    createdAt: r.created_at,
    completedAt: r.completed_at,
  };
}

export async function loadReturn(db: Ctx['db'], storeId: string, id: string): Promise<ReturnView | undefined> {
  const r = await db.selectFrom('returns').selectAll().where('store_id', '=', storeId).where('id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  const [lines, refunds] = await Promise.all([
    db.selectFrom('return_lines').selectAll().where('store_id', '=', storeId).where('return_id', '=', id).orderBy('line_no').execute(),
    db.selectFrom('return_refunds').selectAll().where('store_id', '=', storeId).where('return_id', '=', id).orderBy('id').execute(),
  ]);
  return {
    ...returnHeader(r),
    lines: lines.map((l) => ({ lineNo: l.line_no, saleLineNo: l.sale_line_no, skuId: l.sku_id, name: l.name, qty: l.qty, refundFen: l.refund_fen, restock: l.restock })),
    refunds: refunds.map((f) => ({ id: f.id, method: f.method, amountFen: f.amount_fen, status: f.status, refundNo: f.refund_no, errorCode: f.error_code, message: f.error_message })),
  };
}

/** Marks the approval used for this return, if it covers exactly this request (inside the reserving transaction). */
async function consumeApproval(tx: Tx, plan: ReturnPlan, approvalId: string, returnId: string, now: Date): Promise<{ approverId: string }> {
  const a = await tx.selectFrom('approvals').selectAll().where('store_id', '=', plan.till.storeId).where('id', '=', approvalId).executeTakeFirst();
  if (!a || a.kind !== 'return') throw new AppError('APPROVAL_NOT_FOUND', 'That approval does not exist at this store. Ask for a new one.', { status: 404 });
  if (a.status === 'used') throw new AppError('APPROVAL_USED', 'That approval was already used for another return; each approval covers one return. Ask for a new one.', { status: 409 });
  if (a.status !== 'approved') throw new AppError('APPROVAL_NOT_GRANTED', a.status === 'pending' ? 'The approval has not been decided yet.' : 'The approval was rejected.', { status: 409 });
  if (a.expires_at <= now.toISOString()) throw new AppError('APPROVAL_EXPIRED', 'The approval has expired. Ask the supervisor again.', { status: 409 });
  if (a.subject_hash !== plan.subjectHash) {
    throw new AppError('APPROVAL_MISMATCH', 'The approval was given for a different return (items, amount, reason or cashier changed). Ask for approval of this one.', { status: 409 });
  }
  const required = plan.decision.ok ? 0 : RETURN_LADDER.indexOf(plan.decision.code === 'APPROVAL_REQUIRED' ? plan.decision.requiredRole : 'regional_manager');
  if (RETURN_LADDER.indexOf(a.required_role as ReturnRole) < required) {
    throw new AppError('APPROVAL_ROLE_TOO_LOW', 'The approval no longer covers this return (the shift has refunded more since). Ask a higher role.', { status: 409 });
  }
  const used = await tx
    .updateTable('approvals')
    .set({ status: 'used', used_at: now.toISOString(), used_by_doc: returnId })
    .where('store_id', '=', plan.till.storeId)
    .where('id', '=', approvalId)
    .where('status', '=', 'approved')
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) throw new AppError('APPROVAL_USED', 'That approval was just used for another return. Ask for a new one.', { status: 409 });
  return { approverId: a.approver_id ?? '' };
}

/**
 * Takes a return: checks the limits (APPROVAL_REQUIRED names the lowest role that may approve),
 * reserves the quantities, refunds each tender and completes. A refund a channel refuses leaves
 * the return `refund_failed` with nothing handed out and nothing restocked; `retryReturn` goes on.
 */
export async function createReturn(ctx: Ctx, actor: Actor, input: ReturnInput): Promise<ReturnView> {
  const key = input.idempotencyKey?.trim() || newId();
  // A retried request (same key) answers with the return it already made, before any check.
  const till = await resolveTill(ctx, actor, { storeCode: input.storeCode, terminalCode: input.terminalCode });
  const existing = await ctx.db.selectFrom('returns').select('id').where('store_id', '=', till.storeId).where('idempotency_key', '=', key).executeTakeFirst();
  if (existing) return (await loadReturn(ctx.db, till.storeId, existing.id)) as ReturnView;
  const now = ctx.clock.now();
  const id = newId();
  let planned: ReturnPlan | undefined;
  let completedAt: string | null = null;
  await ctx.db.transaction().execute(async (tx) => {
    if (input.receiptNo) {
      // Lock the sale first, so two tills returning from it at once cannot both take the last
      // piece; the plan is then made from what is returned so far, inside this transaction.
      await tx.updateTable('sales').set((eb) => ({ status: eb.ref('status') })).where('receipt_no', '=', input.receiptNo.trim().toUpperCase()).execute();
    }
    const plan = await planReturn({ ...ctx, db: tx }, actor, input);
    planned = plan;
    if (!plan.decision.ok && plan.decision.code === 'RETURN_NOT_ALLOWED') throw new AppError('RETURN_NOT_ALLOWED', plan.decision.message, { status: 403 });
    if (!plan.decision.ok && !input.approvalId) {
      throw new AppError('APPROVAL_REQUIRED', `A refund of ${formatMoney(plan.quote.refundFen)} needs the approval of a ${plan.decision.requiredRole.replace('_', ' ')} or above.`, {
        status: 403,
        details: { requiredRole: plan.decision.requiredRole, needs: plan.decision.needs, refundFen: plan.quote.refundFen },
      });
    }
    const approval = input.approvalId && !plan.decision.ok ? await consumeApproval(tx, plan, input.approvalId, id, now) : null;
    const [seq] = await takeFromSequence(tx, `return:${plan.till.storeId}:${plan.till.terminalId}:${businessDate(now, plan.till.timeZone, plan.till.dayCutover)}`, 1);
    const date = businessDate(now, plan.till.timeZone, plan.till.dayCutover);
    await tx
      .insertInto('returns')
      .values({
        store_id: plan.till.storeId,
        id,
        return_no: `${plan.till.storeCode}-${plan.till.terminalCode}-${date.replace(/-/g, '')}-R${String(seq).padStart(4, '0')}`,
        sale_store_id: plan.sale?.storeId ?? null,
        sale_id: plan.sale?.id ?? null,
        receipt_no: plan.sale?.receiptNo ?? null,
        terminal_id: plan.till.terminalId,
        shift_id: plan.shiftId,
        cashier_id: actor.userId,
        approval_id: approval ? (input.approvalId ?? null) : null,
        business_date: date,
        reason_code: plan.reasonCode,
        note: input.note?.trim().slice(0, 200) || null,
        refund_fen: plan.quote.refundFen,
        status: 'refunding',
        idempotency_key: key,
        created_at: now.toISOString(),
        completed_at: null,
      })
      .execute();
    await tx
      .insertInto('return_lines')
      .values(
        plan.quote.lines.map((l, i) => ({
          store_id: plan.till.storeId,
          return_id: id,
          line_no: i + 1,
          sale_line_no: plan.sale ? l.lineNo : null,
          sku_id: l.skuId,
          name: l.name,
          qty: l.qty,
          refund_fen: l.refundFen,
          vat_rate: l.vatRate,
          category_id: l.categoryId,
          restock: plan.restock.get(l.lineNo) ?? 'shelf',
        })),
      )
      .execute();
    if (plan.routing.length) {
      await tx
        .insertInto('return_refunds')
        .values(
          plan.routing.map((r, i) => {
            const tender = plan.sale?.tenders.find((t) => t.id === r.tenderId);
            return {
              store_id: plan.till.storeId,
              return_id: id,
              id: `${String(i + 1).padStart(2, '0')}-${newId()}`,
              method: r.method,
              amount_fen: r.amountFen,
              status: 'pending',
              sale_tender_id: r.tenderId || null,
              merchant_order_no: tender?.merchantOrderNo ?? null,
              refund_no: WALLETS.has(r.method) ? `${id.replace(/-/g, '')}${i + 1}` : null,
              reference: r.method === 'card' ? (tender?.reference ?? null) : null,
              error_code: null,
              error_message: null,
              updated_at: now.toISOString(),
            };
          }),
        )
        .execute();
    }
    await appendAudit({ ...ctx, db: tx, actor }, {
      action: 'return.started',
      docType: 'return',
      docId: id,
      storeId: plan.till.storeId,
      data: { receiptNo: plan.sale?.receiptNo ?? null, refundFen: plan.quote.refundFen, approvalId: approval ? input.approvalId : null, approverId: approval?.approverId ?? null, reasonCode: plan.reasonCode },
    });
    // Cash and points only: nothing to ask a channel, so the return completes in this same transaction.
    if (!plan.routing.some((r) => !IN_STORE.has(r.method))) {
      await completeReturnTx({ ...ctx, db: tx }, actor.userId, plan.till.storeId, id);
      completedAt = plan.till.storeId;
    }
  });
  if (completedAt) return (await loadReturn(ctx.db, completedAt, id)) as ReturnView;
  if (!planned) throw new AppError('INTERNAL', 'The return was not planned.');
  return runRefunds(ctx, actor.userId, planned.till.storeId, id);
}

/** Goes on with a return whose refund a channel refused or did not answer. */
export async function retryReturn(ctx: Ctx, actor: Actor, storeId: string, id: string): Promise<ReturnView> {
  const view = await loadReturn(ctx.db, storeId, id);
  if (!view) throw new AppError('NOT_FOUND', 'No such return.');
  requirePermission(actor, 'returns.create', await storeScopeById(ctx, storeId));
  if (view.status === 'completed') return view;
  // A refused refund is final under its number at the provider; the retry asks under a new one.
  const failed = await ctx.db.selectFrom('return_refunds').select(['id', 'method']).where('store_id', '=', storeId).where('return_id', '=', id).where('status', '=', 'failed').execute();
  for (const f of failed) {
    await ctx.db
      .updateTable('return_refunds')
      .set({ status: 'pending', error_code: null, error_message: null, ...(WALLETS.has(f.method) ? { refund_no: newId().replace(/-/g, '') } : {}) })
      .where('store_id', '=', storeId)
      .where('return_id', '=', id)
      .where('id', '=', f.id)
      .execute();
  }
  return runRefunds(ctx, actor.userId, storeId, id);
}

/** Asks each channel for its part (idempotent by refund number), then completes or records the failure. */
async function runRefunds(ctx: Ctx, actorId: string, storeId: string, id: string): Promise<ReturnView> {
  const r = await ctx.db.selectFrom('returns').selectAll().where('store_id', '=', storeId).where('id', '=', id).executeTakeFirstOrThrow();
  const refunds = await ctx.db.selectFrom('return_refunds').selectAll().where('store_id', '=', storeId).where('return_id', '=', id).orderBy('id').execute();
  for (const f of refunds) {
    // Cash leaves the drawer and points go back to the member when the return completes.
    if (f.status === 'succeeded' || f.method === 'cash' || f.method === 'points') continue;
    let outcome: { status: string; code: string | null; message: string | null; reference?: string | null };
    if (WALLETS.has(f.method) && f.merchant_order_no && f.refund_no) {
      try {
        const res = await refundPayment(ctx, { storeId: r.sale_store_id ?? storeId, merchantOrderNo: f.merchant_order_no, refundNo: f.refund_no, amountFen: f.amount_fen, reason: `退货 ${r.return_no}` });
        outcome = { status: res.status === 'succeeded' ? 'succeeded' : res.status === 'failed' ? 'failed' : 'processing', code: res.errorCode, message: res.message, reference: res.channelRefundId };
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        outcome = { status: 'failed', code: err.code, message: err.message };
      }
    } else if (f.method === 'card') {
      const res = await cardTerminalFor(storeId).refund({ amountFen: f.amount_fen, reference: `${r.return_no}-${f.id.slice(0, 2)}`, originalTerminalRef: f.reference ?? '' });
      outcome =
        res.status === 'approved'
          ? { status: 'succeeded', code: null, message: null, reference: res.terminalRef }
          : res.status === 'declined'
            ? { status: 'failed', code: `CARD_${res.responseCode}`, message: res.message }
            : { status: 'failed', code: 'CARD_TIMEOUT', message: 'The card terminal did not answer; check it and retry.' };
    } else {
      outcome = { status: 'failed', code: 'REFUND_METHOD_UNAVAILABLE', message: `Refunds to ${f.method} are not available yet; give it back another way.` };
    }
    await ctx.db
      .updateTable('return_refunds')
      .set({ status: outcome.status, error_code: outcome.code, error_message: outcome.message, ...(outcome.reference ? { reference: outcome.reference } : {}), updated_at: ctx.clock.now().toISOString() })
      .where('store_id', '=', storeId)
      .where('return_id', '=', id)
      .where('id', '=', f.id)
      .execute();
  }
  return finishReturn(ctx, actorId, storeId, id);
}

/** Completes a return whose non-cash refunds all went through: stock, drawer, audit, outbox in one transaction. */
async function finishReturn(ctx: Ctx, actorId: string, storeId: string, id: string): Promise<ReturnView> {
  await ctx.db.transaction().execute((tx) => completeReturnTx({ ...ctx, db: tx }, actorId, storeId, id));
  return (await loadReturn(ctx.db, storeId, id)) as ReturnView;
}

/** The completing transaction's work (the caller holds the transaction). */
async function completeReturnTx(t: Ctx, actorId: string, storeId: string, id: string): Promise<void> {
  const ctx = t;
  const tx = t.db;
  {
    const r = await tx.selectFrom('returns').selectAll().where('store_id', '=', storeId).where('id', '=', id).executeTakeFirstOrThrow();
    if (r.status === 'completed') return;
    const refunds = await tx.selectFrom('return_refunds').selectAll().where('store_id', '=', storeId).where('return_id', '=', id).execute();
    const open = refunds.filter((f) => f.method !== 'cash' && f.method !== 'points' && f.status !== 'succeeded');
    const now = ctx.clock.now().toISOString();
    if (open.length > 0) {
      const failed = open.some((f) => f.status === 'failed');
      if (failed && r.status !== 'refund_failed') {
        await tx.updateTable('returns').set({ status: 'refund_failed' }).where('store_id', '=', storeId).where('id', '=', id).execute();
        await appendAudit(t, { action: 'return.refund_failed', actorId, docType: 'return', docId: id, storeId, data: { refunds: open.map((f) => ({ method: f.method, amountFen: f.amount_fen, status: f.status, errorCode: f.error_code })) } });
      }
      return;
    }
    const lines = await tx.selectFrom('return_lines').selectAll().where('store_id', '=', storeId).where('return_id', '=', id).orderBy('line_no').execute();
    const sale = r.sale_id && r.sale_store_id ? await loadSale(tx, { storeId: r.sale_store_id, id: r.sale_id }) : undefined;
    const moves: StockMoveInput[] = lines.flatMap((l) => {
      const sold = sale?.lines.find((s) => s.lineNo === l.sale_line_no);
      const unitCost = (fen: number, of: number) => (of > 0 ? Math.round((fen * l.qty) / of) : 0);
      const parts = sold && sold.components.length ? sold.components.map((c) => ({ skuId: c.skuId, qty: Math.round((c.qty * l.qty) / sold.qty) })) : [{ skuId: l.sku_id, qty: l.qty }];
      const costFen = sold ? unitCost(sold.costFen, sold.qty) : 0;
      return parts.flatMap((p) => {
        const back = { storeId, skuId: p.skuId, qty: p.qty, kind: 'return' as const, docType: 'return', docId: id, costFen, reason: r.reason_code, businessDate: r.business_date };
        // Damaged goods come back into the ledger and straight out again as a write-off.
        return l.restock === 'damaged' ? [back, { ...back, qty: -p.qty, kind: 'damage' as const }] : [back];
      });
    });
    await recordStockMoves(t, moves);
    const cashOut = refunds.filter((f) => f.method === 'cash').reduce((s, f) => s + f.amount_fen, 0);
    if (cashOut > 0) {
      await tx
        .insertInto('cash_movements')
        .values({ store_id: storeId, id: newId(), shift_id: r.shift_id, kind: 'refund', amount_fen: -cashOut, reason: r.reason_code, doc_id: id, actor_id: actorId, business_date: r.business_date, created_at: now })
        .execute();
    }
    await tx.updateTable('return_refunds').set({ status: 'succeeded', updated_at: now }).where('store_id', '=', storeId).where('return_id', '=', id).where('method', 'in', ['cash', 'points']).execute();
    let memberPoints: { clawedBack: number; refunded: number } | null = null;
    if (sale?.memberId) {
      // Points paid with come back in proportion to what the refund routed to them; points earned
      // on the returned goods are clawed back.
      const refundedPoints = refunds
        .filter((f) => f.method === 'points')
        .reduce((sum, f) => {
          const tender = sale.tenders.find((x) => x.id === f.sale_tender_id);
          return sum + (tender && tender.amountFen > 0 ? Math.round((Number(tender.reference ?? 0) * f.amount_fen) / tender.amountFen) : 0);
        }, 0);
      const earlier = await tx
        .selectFrom('returns')
        .select((eb) => eb.fn.sum<number>('refund_fen').as('fen'))
        .where('sale_store_id', '=', sale.storeId)
        .where('sale_id', '=', sale.id)
        .where('status', '=', 'completed')
        .where('id', '!=', id)
        .executeTakeFirst();
      memberPoints = await writeReturnPoints(t, {
        storeId,
        returnId: id,
        saleId: sale.id,
        memberId: sale.memberId,
        saleNetFen: sale.totalFen,
        returnedFen: r.refund_fen,
        previouslyReturnedFen: Number(earlier?.fen ?? 0),
        refundedPoints,
        businessDate: r.business_date,
        at: now,
      });
    }
    await tx.updateTable('returns').set({ status: 'completed', completed_at: now }).where('store_id', '=', storeId).where('id', '=', id).execute();
    await appendAudit(t, {
      action: 'return.completed',
      actorId,
      docType: 'return',
      docId: id,
      storeId,
      amountFen: -r.refund_fen,
      data: {
        terminalId: r.terminal_id,
        returnNo: r.return_no,
        receiptNo: r.receipt_no,
        refundFen: r.refund_fen,
        approvalId: r.approval_id,
        byVat: taxBreakdown(lines.map((l) => ({ totalFen: l.refund_fen, vatRate: l.vat_rate }))),
        tenders: refunds.map((f) => ({ method: f.method, amountFen: f.amount_fen })),
      },
    });
    // HQ rebuilds the return from this event: its rows as written, the stock moves, the drawer and the points.
    const [row, finalRefunds] = await Promise.all([
      tx.selectFrom('returns').selectAll().where('store_id', '=', storeId).where('id', '=', id).executeTakeFirstOrThrow(),
      tx.selectFrom('return_refunds').selectAll().where('store_id', '=', storeId).where('return_id', '=', id).execute(),
    ]);
    const event: ReturnCompletedEvent = {
      storeId,
      rows: { return: row, lines, refunds: finalRefunds },
      moves,
      cashOutFen: cashOut,
      points: sale?.memberId && memberPoints ? { memberId: sale.memberId, ...memberPoints } : null,
    };
    await appendOutbox(t, { type: 'return.completed', documentId: id, payload: event });
  }
}

/**
 * Goes on with returns whose refunds a channel left open (processing, or no answer), for the
 * periodic job: each is asked again under the same refund number and completed when all are
 * through. Returns how many completed.
 */
export async function resumeReturns(ctx: Ctx, options: { idleForMs?: number } = {}): Promise<number> {
  const before = new Date(ctx.clock.now().getTime() - (options.idleForMs ?? 0)).toISOString();
  const open = await ctx.db.selectFrom('returns').select(['store_id', 'id', 'cashier_id']).where('status', '=', 'refunding').where('created_at', '<=', before).execute();
  let completed = 0;
  for (const r of open) if ((await runRefunds(ctx, r.cashier_id, r.store_id, r.id)).status === 'completed') completed += 1;
  return completed;
}

export interface ReceiptForReturn {
  saleId: string;
  receiptNo: string;
  storeId: string;
  businessDate: string;
  paidFen: number;
  refundedFen: number;
  lines: Array<{ lineNo: number; skuId: string; name: string; unit: string; qty: number; totalFen: number; returned: number; remaining: number }>;
  tenders: Array<{ method: string; amountFen: number; refundedFen: number }>;
}

/** The receipt as the till shows it for a return: each line with what is left to return. */
export async function receiptForReturn(ctx: Ctx, actor: Actor, receiptNo: string): Promise<ReceiptForReturn> {
  const sale = await findSaleByReceipt(ctx, receiptNo);
  // Any till that takes returns may read a receipt; whether this store takes it back is the policy's call.
  requirePermission(actor, 'returns.create');
  const so = await returnedSoFar(ctx.db, sale);
  return {
    saleId: sale.id,
    receiptNo: sale.receiptNo,
    storeId: sale.storeId,
    businessDate: sale.businessDate,
    paidFen: sale.tenders.reduce((s, t) => s + t.amountFen, 0),
    refundedFen: so.refundedFen,
    lines: sale.lines.map((l) => ({ lineNo: l.lineNo, skuId: l.skuId, name: l.name, unit: l.unit, qty: l.qty, totalFen: l.totalFen, returned: so.qty.get(l.lineNo) ?? 0, remaining: l.qty - (so.qty.get(l.lineNo) ?? 0) })),
    tenders: sale.tenders.map((t) => ({ method: t.method, amountFen: t.amountFen, refundedFen: so.byTender.get(t.id) ?? 0 })),
  };
}

/** Returns of the stores `actor` may see, for a business date or a status, newest first. */
export async function listReturns(ctx: Ctx, actor: Actor, input: { date?: string; status?: string; storeId?: string }): Promise<Array<ReturnHeader & { storeId: string; cashierName: string }>> {
  const stores = await ctx.db.selectFrom('stores').select(['id', 'region_id']).execute();
  const visible = stores.filter((s) => ['returns.approve', 'reports.view'].some((p) => can(actor, p as Permission, { storeId: s.id, regionId: s.region_id }))).map((s) => s.id);
  const ids = input.storeId ? visible.filter((id) => id === input.storeId) : visible;
  if (ids.length === 0) return [];
  let q = ctx.db
    .selectFrom('returns')
    .innerJoin('users', 'users.id', 'returns.cashier_id')
    .selectAll('returns')
    .select('users.display_name as cashier_name')
    .where('returns.store_id', 'in', ids);
  if (input.date) q = q.where('returns.business_date', '=', input.date);
  if (input.status) q = q.where('returns.status', '=', input.status);
  const rows = await q.orderBy('returns.created_at', 'desc').limit(500).execute();
  return rows.map((r) => ({ ...returnHeader(r), storeId: r.store_id, cashierName: r.cashier_name }));
}
