// The sale's tables: written once, in the completing transaction, and read for receipts.
import type { Insertable } from 'kysely';
import { insertColumns, isPostgres } from '../platform/db/column-insert';
import type { Database, Db } from '../platform/db/index';
import type { AppliedPromotion } from './pricing-types';
import type { CartTender, TenderMethod } from './cart';
import type { Unit } from '../catalog/types';
import type { SalePoints } from '../members/index';

export interface SaleLineRecord {
  lineNo: number;
  skuId: string;
  name: string;
  unit: Unit;
  qty: number;
  unitPriceFen: number;
  listFen: number;
  discountFen: number;
  totalFen: number;
  costFen: number;
  vatRate: string;
  categoryId: string;
  promotions: AppliedPromotion[];
  components: Array<{ skuId: string; qty: number; revenueFen: number }>;
  /** Points the member paid for this line as a gift (its totalFen is the gift's cash part); 0 otherwise. */
  giftPoints?: number;
}

/** A sale's tender is the cart's tender as it was when the sale completed. */
export type SaleTenderRecord = CartTender;

export interface SaleRecord {
  id: string;
  storeId: string;
  receiptNo: string;
  terminalId: string;
  shiftId: string;
  cashierId: string;
  memberId: string | null;
  businessDate: string;
  createdAt: string;
  subtotalFen: number;
  discountFen: number;
  roundingFen: number;
  totalFen: number;
  paidFen: number;
  changeFen: number;
  receiptToken: string;
  idempotencyKey: string;
  lines: SaleLineRecord[];
  tenders: SaleTenderRecord[];
  promotions: Array<{ promotionId: string; name: string; savingFen: number }>;
  /** The member's points as the sale left them (present on the answer to completion). */
  points?: SalePoints;
}

const CHUNK = 500;

async function insertChunked<T extends 'sales' | 'sale_lines' | 'sale_line_components' | 'sale_tenders' | 'sale_promotions'>(db: Db, table: T, rows: Array<Insertable<Database[T]>>): Promise<void> {
  const first = rows[0] as Record<string, unknown> | undefined;
  if (!first) return;
  if (isPostgres(db)) {
    // One array a column, whatever the number of rows: HQ takes 500 pushed sales (1,500 lines) in
    // a statement of a few parameters instead of building and planning one of 24,000. Numbers are
    // the bigint columns (none is nullable); every other column here is text.
    await insertColumns(
      db,
      table,
      Object.keys(first).map((name) => ({ name, type: typeof first[name] === 'number' ? 'int8' : 'text', values: rows.map((r) => (r as Record<string, unknown>)[name] ?? null) })),
    );
    return;
  }
  // Chunks keep every statement within SQLite's bound-parameter limit.
  for (let i = 0; i < rows.length; i += CHUNK) await db.insertInto(table).values(rows.slice(i, i + CHUNK) as never).execute();
}

/** Inserts sales with one statement per table (per 500 rows on SQLite), however many sales there are. */
export async function insertSales(db: Db, sales: readonly SaleRecord[]): Promise<void> {
  await insertChunked(
    db,
    'sales',
    sales.map((s) => ({
      store_id: s.storeId,
      id: s.id,
      receipt_no: s.receiptNo,
      terminal_id: s.terminalId,
      shift_id: s.shiftId,
      cashier_id: s.cashierId,
      member_id: s.memberId,
      business_date: s.businessDate,
      created_at: s.createdAt,
      subtotal_fen: s.subtotalFen,
      discount_fen: s.discountFen,
      rounding_fen: s.roundingFen,
      total_fen: s.totalFen,
      paid_fen: s.paidFen,
      change_fen: s.changeFen,
      receipt_token: s.receiptToken,
      idempotency_key: s.idempotencyKey,
      status: 'completed',
    })),
  );
  await insertChunked(
    db,
    'sale_lines',
    sales.flatMap((s) =>
      s.lines.map((l) => ({
        store_id: s.storeId,
        sale_id: s.id,
        line_no: l.lineNo,
        sku_id: l.skuId,
        name: l.name,
        unit: l.unit,
        qty: l.qty,
        unit_price_fen: l.unitPriceFen,
        list_fen: l.listFen,
        discount_fen: l.discountFen,
        total_fen: l.totalFen,
        cost_fen: l.costFen,
        vat_rate: l.vatRate,
        category_id: l.categoryId,
        promotions: JSON.stringify(l.promotions),
        gift_points: l.giftPoints ?? 0,
      })),
    ),
  );
  await insertChunked(
    db,
    'sale_line_components',
    sales.flatMap((s) => s.lines.flatMap((l) => l.components.map((c) => ({ store_id: s.storeId, sale_id: s.id, line_no: l.lineNo, sku_id: c.skuId, qty: c.qty, revenue_fen: c.revenueFen })))),
  );
  await insertChunked(
    db,
    'sale_tenders',
    sales.flatMap((s) =>
      s.tenders.map((t) => ({
        store_id: s.storeId,
        id: t.id,
        sale_id: s.id,
        method: t.method,
        amount_fen: t.amountFen,
        tendered_fen: t.tenderedFen,
        change_fen: t.changeFen,
        status: t.status,
        reference: t.reference,
        auth_code: t.authCode,
        card_last4: t.cardLast4,
        merchant_order_no: t.merchantOrderNo,
        channel_txn_id: t.channelTxnId,
        created_at: t.createdAt,
      })),
    ),
  );
  await insertChunked(
    db,
    'sale_promotions',
    sales.flatMap((s) => s.promotions.map((p) => ({ store_id: s.storeId, sale_id: s.id, promotion_id: p.promotionId, name: p.name, saving_fen: p.savingFen }))),
  );
}

/** Reads a sale back whole, by id or by receipt token. */
export async function loadSale(db: Db, by: { storeId: string; id: string } | { receiptToken: string } | { storeId: string; idempotencyKey: string }): Promise<SaleRecord | undefined> {
  let q = db.selectFrom('sales').selectAll();
  if ('receiptToken' in by) q = q.where('receipt_token', '=', by.receiptToken);
  else if ('idempotencyKey' in by) q = q.where('store_id', '=', by.storeId).where('idempotency_key', '=', by.idempotencyKey);
  else q = q.where('store_id', '=', by.storeId).where('id', '=', by.id);
  const sale = await q.executeTakeFirst();
  if (!sale) return undefined;
  const key = { store: sale.store_id, id: sale.id };
  const [lines, components, tenders, promotions] = await Promise.all([
    db.selectFrom('sale_lines').selectAll().where('store_id', '=', key.store).where('sale_id', '=', key.id).orderBy('line_no').execute(),
    db.selectFrom('sale_line_components').selectAll().where('store_id', '=', key.store).where('sale_id', '=', key.id).execute(),
    db.selectFrom('sale_tenders').selectAll().where('store_id', '=', key.store).where('sale_id', '=', key.id).orderBy('created_at').orderBy('id').execute(),
    db.selectFrom('sale_promotions').selectAll().where('store_id', '=', key.store).where('sale_id', '=', key.id).execute(),
  ]);
  return {
    id: sale.id,
    storeId: sale.store_id,
    receiptNo: sale.receipt_no,
    terminalId: sale.terminal_id,
    shiftId: sale.shift_id,
    cashierId: sale.cashier_id,
    memberId: sale.member_id,
    businessDate: sale.business_date,
    createdAt: sale.created_at,
    subtotalFen: sale.subtotal_fen,
    discountFen: sale.discount_fen,
    roundingFen: sale.rounding_fen,
    totalFen: sale.total_fen,
    paidFen: sale.paid_fen,
    changeFen: sale.change_fen,
    receiptToken: sale.receipt_token,
    idempotencyKey: sale.idempotency_key,
    lines: lines.map((l) => ({
      lineNo: l.line_no,
      skuId: l.sku_id,
      name: l.name,
      unit: l.unit as Unit,
      qty: l.qty,
      unitPriceFen: l.unit_price_fen,
      listFen: l.list_fen,
      discountFen: l.discount_fen,
      totalFen: l.total_fen,
      costFen: l.cost_fen,
      vatRate: l.vat_rate,
      categoryId: l.category_id,
      promotions: JSON.parse(l.promotions) as AppliedPromotion[],
      components: components.filter((c) => c.line_no === l.line_no).map((c) => ({ skuId: c.sku_id, qty: c.qty, revenueFen: c.revenue_fen })),
      giftPoints: l.gift_points,
    })),
    tenders: tenders.map((t) => ({
      id: t.id,
      method: t.method as TenderMethod,
      amountFen: t.amount_fen,
      tenderedFen: t.tendered_fen,
      changeFen: t.change_fen,
      status: t.status as CartTender['status'],
      reference: t.reference,
      authCode: t.auth_code,
      cardLast4: t.card_last4,
      merchantOrderNo: t.merchant_order_no,
      channelTxnId: t.channel_txn_id,
      createdAt: t.created_at,
    })),
    promotions: promotions.map((p) => ({ promotionId: p.promotion_id, name: p.name, savingFen: p.saving_fen })),
  };
}
