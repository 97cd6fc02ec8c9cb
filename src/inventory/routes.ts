// Inventory over HTTP: stock list and alerts, suppliers and purchase orders, transfers, stock
// counts, the ledger check. Stores are named by code (`store` query or body field).
import { z } from 'zod';
import { requireAuth, type TpApp } from '../platform/http/server';
import { findStoreByCode, listStores } from '../platform/stores/service';
import { requirePermission } from '../platform/auth/permissions';
import { createSupplier, createPurchaseOrder, listPurchaseOrders, listSuppliers, loadPurchaseOrder, purchaseOrderDocumentOf, receivePurchaseOrder, sendPurchaseOrder } from './receiving';
import { PRINT_SCRIPT, purchaseOrderCsv, purchaseOrderHtml, purchaseOrderXlsx } from './purchase-order-document';
import { getTransfer, listTransfers, receiveTransfer, sendTransfer } from './transfers';
import { addCountEntry, approveCount, cancelCount, countSheet, createCount, listCounts, submitCount, varianceReport } from './counts';
import { exportStockXlsx, movementHistory, reorderSuggestions, setMinLevel, stockList, stockValue, whereInStock } from './views';
import { verifyStock } from './service';
import { importShelfLocations, listShelfLocations, setShelfLocation } from './shelf-locations';
import { actorAt } from './stores';
import { catalogIndex } from '../catalog/index';
import {
  CountEntryIn,
  CountIn,
  CountSheetOut,
  PO_STATUSES,
  PurchaseOrderIn,
  PurchaseOrderOut,
  ReceiveIn,
  ReorderOut,
  ShelfLocationIn,
  ShelfLocationOut,
  ShelfLocationsImportIn,
  StockRowOut,
  SupplierIn,
  SupplierOut,
  TransferIn,
  TransferOut,
  TransferReceiveIn,
  VarianceOut,
} from './schema';

const tags = ['inventory'];
const StoreQuery = z.object({ store: z.string().max(16) });
const IdParams = z.object({ id: z.string().max(64) });

export async function inventoryRoutes(app: TpApp): Promise<void> {
  const manage = { preHandler: requireAuth('inventory.manage') };
  const count = { preHandler: requireAuth('inventory.count') };

  app.get(
    '/stock',
    {
      ...manage,
      schema: {
        tags,
        summary: "A store's stock list: on hand, min level, average cost and value; low=true keeps what is below its min level",
        querystring: StoreQuery.extend({ low: z.enum(['true', 'false']).optional(), q: z.string().max(64).optional(), category: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(1000).optional(), offset: z.coerce.number().int().min(0).optional() }),
        response: { 200: z.object({ total: z.number().int(), rows: z.array(StockRowOut) }) },
      },
    },
    async (req) => stockList(req.ctx, await findStoreByCode(req.ctx, req.query.store), { low: req.query.low === 'true', q: req.query.q, categoryId: req.query.category, limit: req.query.limit, offset: req.query.offset }),
  );
  app.put('/stock/levels', { ...manage, schema: { tags, summary: 'Set the min level of an item at a store (0 clears it)', body: StoreQuery.extend({ code: z.string().max(64), minQty: z.number().int() }) } }, async (req) =>
    setMinLevel(req.ctx, await findStoreByCode(req.ctx, req.body.store), req.body),
  );
  app.get(
    '/stock/reorder',
    { ...manage, schema: { tags, summary: 'Reorder suggestions: below the min level, or fewer than coverDays of sales at the last 28 days’ pace', querystring: StoreQuery.extend({ coverDays: z.coerce.number().int().min(1).max(365).optional() }), response: { 200: z.object({ suggestions: z.array(ReorderOut) }) } } },
    async (req) => ({ suggestions: await reorderSuggestions(req.ctx, await findStoreByCode(req.ctx, req.query.store), { coverDays: req.query.coverDays }) }),
  );
  app.get('/stock/value', { ...manage, schema: { tags, summary: 'Stock value at cost by store and category (the stores you manage, or one)', querystring: z.object({ store: z.string().max(16).optional() }) } }, async (req) => ({
    value: await stockValue(req.ctx, req.query.store ? [await findStoreByCode(req.ctx, req.query.store)] : await listStores(req.ctx)),
  }));
  app.get('/stock/moves', { ...manage, schema: { tags, summary: "An item's movement history at a store, newest first", querystring: StoreQuery.extend({ code: z.string().max(64), limit: z.coerce.number().int().min(1).max(1000).optional() }) } }, async (req) =>
    movementHistory(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.query.code, { limit: req.query.limit }),
  );
  app.get('/stock/where', { preHandler: requireAuth('store.view'), schema: { tags, summary: 'Where else is this in stock? On hand in every store', querystring: z.object({ code: z.string().max(64) }) } }, async (req) => whereInStock(req.ctx, req.query.code));
  app.get('/stock/export.xlsx', { ...manage, schema: { tags, summary: "The store's stock list as an XLSX workbook", querystring: StoreQuery } }, async (req, reply) => {
    const store = await findStoreByCode(req.ctx, req.query.store);
    const bytes = await exportStockXlsx(req.ctx, store);
    return reply
      .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="stock-${store.code}.xlsx"`)
      .send(bytes);
  });
  app.get('/stock/verify', { ...manage, schema: { tags, summary: 'Balances recomputed from the ledger; differences must be none', querystring: StoreQuery } }, async (req) => {
    const store = await findStoreByCode(req.ctx, req.query.store);
    actorAt(req.ctx, store, 'inventory.manage');
    return verifyStock(req.ctx, [store.id]);
  });

  app.get('/stock/locations', { ...count, schema: { tags, summary: "The store's shelf locations (货位), by location", querystring: StoreQuery, response: { 200: z.object({ locations: z.array(ShelfLocationOut) }) } } }, async (req) => ({
    locations: await listShelfLocations(req.ctx, await findStoreByCode(req.ctx, req.query.store)),
  }));
  app.put('/stock/locations', { ...manage, schema: { tags, summary: "Set an item's shelf location at a store (an empty location clears it)", body: ShelfLocationIn } }, async (req) =>
    setShelfLocation(req.ctx, await findStoreByCode(req.ctx, req.body.store), req.body),
  );
  app.post(
    '/stock/locations/import',
    { ...manage, schema: { tags, summary: 'Paste "item code,location" lines: all saved, or none with every bad line named (422 LOCATION_IMPORT_INVALID)', body: ShelfLocationsImportIn, response: { 200: z.object({ placed: z.number().int(), cleared: z.number().int() }) } } },
    async (req) => importShelfLocations(req.ctx, await findStoreByCode(req.ctx, req.body.store), req.body.text),
  );

  app.post('/suppliers', { ...manage, schema: { tags, body: SupplierIn, response: { 201: SupplierOut } } }, async (req, reply) => reply.status(201).send(await createSupplier(req.ctx, req.body)));
  app.get('/suppliers', { ...manage, schema: { tags, response: { 200: z.object({ suppliers: z.array(SupplierOut) }) } } }, async (req) => {
    requirePermission(req.ctx.actor, 'inventory.manage');
    return { suppliers: await listSuppliers(req.ctx) };
  });

  app.post('/purchase-orders', { ...manage, schema: { tags, summary: 'Create a purchase order (draft)', body: PurchaseOrderIn, response: { 201: PurchaseOrderOut } } }, async (req, reply) =>
    reply.status(201).send(await createPurchaseOrder(req.ctx, await findStoreByCode(req.ctx, req.body.store), req.body)),
  );
  app.get('/purchase-orders', { ...manage, schema: { tags, querystring: StoreQuery.extend({ status: z.enum(PO_STATUSES).optional() }) } }, async (req) => ({
    purchaseOrders: await listPurchaseOrders(req.ctx, await findStoreByCode(req.ctx, req.query.store), { status: req.query.status }),
  }));
  app.get('/purchase-orders/:id', { ...manage, schema: { tags, params: IdParams, querystring: StoreQuery, response: { 200: PurchaseOrderOut } } }, async (req) => {
    const store = await findStoreByCode(req.ctx, req.query.store);
    actorAt(req.ctx, store, 'inventory.manage');
    return loadPurchaseOrder(req.ctx, await catalogIndex(req.ctx), store.id, req.params.id);
  });
  app.post('/purchase-orders/:id/send', { ...manage, schema: { tags, summary: 'Send the order to the supplier (draft → ordered)', params: IdParams, querystring: StoreQuery, response: { 200: PurchaseOrderOut } } }, async (req) =>
    sendPurchaseOrder(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.params.id),
  );
  app.get('/purchase-orders/:id/print', { ...manage, schema: { tags, summary: 'The order as a printable A4 page (采购订单) with a print / save-as-PDF button', params: IdParams, querystring: StoreQuery } }, async (req, reply) => {
    const doc = await purchaseOrderDocumentOf(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.params.id);
    return reply.type('text/html; charset=utf-8').send(purchaseOrderHtml(doc));
  });
  // The print page's button script: a file of its own because the CSP allows no inline script.
  app.get('/purchase-orders/print.js', { schema: { hide: true } }, async (_req, reply) => reply.type('text/javascript; charset=utf-8').send(PRINT_SCRIPT));
  app.get(
    '/purchase-orders/:id/export',
    { ...manage, schema: { tags, summary: 'The order as a spreadsheet for the supplier (XLSX, or CSV in UTF-8 with BOM)', params: IdParams, querystring: StoreQuery.extend({ format: z.enum(['xlsx', 'csv']).default('xlsx') }) } },
    async (req, reply) => {
      const doc = await purchaseOrderDocumentOf(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.params.id);
      const xlsx = req.query.format === 'xlsx';
      return reply
        .type(xlsx ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${doc.poNo}.${req.query.format}"`)
        .send(xlsx ? await purchaseOrderXlsx(doc) : await purchaseOrderCsv(doc));
    },
  );
  app.post(
    '/purchase-orders/:id/receive',
    { ...manage, schema: { tags, summary: 'Receive a delivery by scanning it in (fully or partly); more than ordered needs overReceipt and a reason (else 409 OVER_RECEIPT)', params: IdParams, querystring: StoreQuery, body: ReceiveIn, response: { 200: PurchaseOrderOut } } },
    async (req) => receivePurchaseOrder(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.params.id, req.body),
  );

  app.post('/transfers', { ...manage, schema: { tags, summary: 'Send goods to another store (in transit until received)', body: TransferIn, response: { 201: TransferOut } } }, async (req, reply) => {
    const [from, to] = await Promise.all([findStoreByCode(req.ctx, req.body.from), findStoreByCode(req.ctx, req.body.to)]);
    return reply.status(201).send(await sendTransfer(req.ctx, from, to, req.body));
  });
  app.get('/transfers', { ...manage, schema: { tags, summary: 'Transfers out of and into a store', querystring: StoreQuery.extend({ status: z.enum(['in_transit', 'received']).optional() }) } }, async (req) => ({
    transfers: await listTransfers(req.ctx, await findStoreByCode(req.ctx, req.query.store), { status: req.query.status }),
  }));
  app.get('/transfers/:id', { ...manage, schema: { tags, params: IdParams, response: { 200: TransferOut } } }, async (req) => getTransfer(req.ctx, req.params.id));
  app.post('/transfers/:id/receive', { ...manage, schema: { tags, summary: 'The receiving store counts the goods in; differences are kept per line', params: IdParams, querystring: StoreQuery, body: TransferReceiveIn, response: { 200: TransferOut } } }, async (req) =>
    receiveTransfer(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.params.id, req.body),
  );

  app.post('/stock-counts', { ...manage, schema: { tags, summary: 'Start a stock count (盘点) of the whole store, one category, or shelf locations', body: CountIn, response: { 201: CountSheetOut } } }, async (req, reply) =>
    reply.status(201).send(await createCount(req.ctx, await findStoreByCode(req.ctx, req.body.store), req.body)),
  );
  app.get('/stock-counts', { ...count, schema: { tags, querystring: StoreQuery } }, async (req) => ({ counts: await listCounts(req.ctx, await findStoreByCode(req.ctx, req.query.store)) }));
  app.get('/stock-counts/:id', { ...count, schema: { tags, summary: 'The blind count sheet (no expected quantities)', params: IdParams, querystring: StoreQuery, response: { 200: CountSheetOut } } }, async (req) =>
    countSheet(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.params.id),
  );
  app.post('/stock-counts/:id/entries', { ...count, schema: { tags, summary: 'Add a scan to the count (qty ≥ 0; mode set corrects a total)', params: IdParams, querystring: StoreQuery, body: CountEntryIn, response: { 200: CountSheetOut } } }, async (req) =>
    addCountEntry(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.params.id, req.body),
  );
  app.post('/stock-counts/:id/submit', { ...count, schema: { tags, params: IdParams, querystring: StoreQuery, response: { 200: CountSheetOut } } }, async (req) => submitCount(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.params.id));
  app.post('/stock-counts/:id/cancel', { ...manage, schema: { tags, params: IdParams, querystring: StoreQuery, response: { 200: CountSheetOut } } }, async (req) => cancelCount(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.params.id));
  app.post('/stock-counts/:id/approve', { ...manage, schema: { tags, summary: 'Approve a submitted count: posts counted − on hand now as count moves', params: IdParams, querystring: StoreQuery, response: { 200: VarianceOut } } }, async (req) =>
    approveCount(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.params.id),
  );
  app.get('/stock-counts/:id/variance', { ...manage, schema: { tags, summary: 'Variance in units and money (posted, or a preview before approval)', params: IdParams, querystring: StoreQuery, response: { 200: VarianceOut } } }, async (req) =>
    varianceReport(req.ctx, await findStoreByCode(req.ctx, req.query.store), req.params.id),
  );
}
