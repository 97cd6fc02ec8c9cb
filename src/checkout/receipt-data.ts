// Gathers what a receipt shows (store, till, cashier, lines, tax per rate, tenders) for a sale.
import { AppError } from '../platform/errors';
import type { Ctx } from '../platform/context';
import { loadSale } from './sale-repo';
import { taxBreakdown } from './tax';
import type { ReceiptView } from './receipt';

/** `origin` (e.g. http://127.0.0.1:8080) makes the QR's link absolute, so a phone can open it. */
export async function receiptViewOf(ctx: Ctx, saleId: string, origin: string): Promise<ReceiptView> {
  const head = await ctx.db
    .selectFrom('sales')
    .innerJoin('stores', 'stores.id', 'sales.store_id')
    .innerJoin('terminals', (j) => j.onRef('terminals.store_id', '=', 'sales.store_id').onRef('terminals.id', '=', 'sales.terminal_id'))
    .innerJoin('users', 'users.id', 'sales.cashier_id')
    .select(['sales.store_id as storeId', 'stores.name as storeName', 'stores.code as storeCode', 'stores.time_zone as timeZone', 'terminals.code as terminalCode', 'users.display_name as cashierName'])
    .where('sales.id', '=', saleId)
    .executeTakeFirst();
  const sale = head && (await loadSale(ctx.db, { storeId: head.storeId, id: saleId }));
  if (!head || !sale) throw new AppError('SALE_NOT_FOUND', 'No such sale.', { status: 404 });
  return {
    storeName: head.storeName,
    storeCode: head.storeCode,
    terminalCode: head.terminalCode,
    cashierName: head.cashierName,
    receiptNo: sale.receiptNo,
    issuedAt: sale.createdAt,
    timeZone: head.timeZone,
    lines: sale.lines.map((l) => ({ name: l.name, qty: l.qty, unit: l.unit, unitPriceFen: l.unitPriceFen, listFen: l.listFen, discountFen: l.discountFen, totalFen: l.totalFen })),
    promotions: sale.promotions.map((p) => ({ name: p.name, savingFen: p.savingFen })),
    subtotalFen: sale.subtotalFen,
    discountFen: sale.discountFen,
    roundingFen: sale.roundingFen,
    totalFen: sale.totalFen,
    taxes: taxBreakdown(sale.lines.map((l) => ({ totalFen: l.totalFen, vatRate: l.vatRate }))).map((t) => ({ rate: t.rate, grossFen: t.grossFen, taxFen: t.taxFen })),
    // A wallet tender's reference is the channel's transaction number, which the customer's wallet shows too.
    tenders: sale.tenders.map((t) => ({ method: t.method, amountFen: t.amountFen, cardLast4: t.cardLast4, reference: t.reference ?? t.channelTxnId })),
    changeFen: sale.changeFen,
    receiptUrl: `${origin}/r/${sale.receiptToken}`,
    member: null,
  };
}
