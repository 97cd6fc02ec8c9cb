// Inventory over HTTP on SQLite and PostgreSQL: receiving in parts with the moving-average cost,
// over-receipts, transfers in transit with differences, a blind count and its approval, the
// views, and every refused input leaving nothing half-posted.
import type { InjectOptions } from 'fastify';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { introspect, storeScopeViolations } from '../platform/db/introspect';
import { withCheckDigit } from '../catalog/barcode';
import { DEFAULT_SCALE_FORMATS, formatScaleLabel } from '../catalog/scale-label';
import { importSkus } from '../catalog/index';
import type { CartView } from '../checkout/cart';
import { onHand, verifyStock } from './index';

const EAN = { cola: withCheckDigit('690000000901'), chips: withCheckDigit('690000000902'), rice: withCheckDigit('690000000903'), unlisted: withCheckDigit('690000000999') };
const APPLE_PLU = '00042';
const appleLabel = (grams: number) => formatScaleLabel({ kind: 'weight', plu: APPLE_PLU, grams, format: DEFAULT_SCALE_FORMATS[1] as (typeof DEFAULT_SCALE_FORMATS)[number] });
const piece = { unit: 'piece' as const, plu: null, active: true, components: [] as Array<{ skuCode: string; qty: number }> };

interface Po {
  id: string;
  status: string;
  lines: Array<{ code: string; qtyOrdered: number; qtyReceived: number }>;
}
interface Transfer {
  id: string;
  status: string;
  lines: Array<{ code: string; qtySent: number; qtyReceived: number | null; difference: number | null; result: string | null; unitCostFen: number }>;
}
interface StockRow {
  code: string;
  qty: number;
  minQty: number | null;
  low: boolean;
  avgCostFen: number;
  valueFen: number;
}

describeEachDb('inventory: receiving, transfers, counts, alerts', (handle) => {
  let t: TestApp;
  let manager: string;
  let admin: string;
  let cashier: string;
  const ids: Record<string, string> = {};
  const stores: Record<string, string> = {};

  const call = (method: InjectOptions['method'], url: string, payload?: unknown, token = manager) =>
    t.tp.app.inject({ method, url: `/api/v1${url}`, payload: payload as InjectOptions['payload'], headers: { authorization: `Bearer ${token}` } });
  const ok = async <T>(method: InjectOptions['method'], url: string, payload?: unknown, token = manager): Promise<T> => {
    const res = await call(method, url, payload, token);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json() as T;
  };
  const stockOf = async (store: string, code: string, token = manager) => (await ok<{ rows: StockRow[] }>('GET', `/stock?store=${store}&q=${code}`, undefined, token)).rows.find((r) => r.code === code);
  const qtyAt = async (store: string, sku: string) => (await onHand(t.ctx, stores[store] as string, [ids[sku] as string])).get(ids[sku] as string) ?? 0;
  /** Rows written by inventory acts: none may appear when one is refused. */
  const written = async () => {
    const n = async (table: 'stock_moves' | 'goods_receipts' | 'transfers' | 'stock_count_entries' | 'audit_log' | 'outbox') => Number((await t.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { moves: await n('stock_moves'), receipts: await n('goods_receipts'), transfers: await n('transfers'), entries: await n('stock_count_entries'), audit: await n('audit_log'), outbox: await n('outbox') };
  };
  const refused = async (res: { statusCode: number; json(): unknown; body: string }, status: number, code: string) => {
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json()).toMatchObject({ code });
    return res.json() as { code: string; detail: string; details?: Record<string, unknown> };
  };

  async function sell(code: string, qty: number): Promise<void> {
    let cart = await ok<CartView>('POST', '/carts', {}, cashier);
    cart = await ok<CartView>('POST', `/carts/${cart.id}/scan`, { code, qty }, cashier);
    await ok('POST', `/carts/${cart.id}/tenders`, { method: 'cash', amountFen: cart.dueFen }, cashier);
    await ok('POST', `/carts/${cart.id}/complete`, undefined, cashier);
  }

  beforeAll(async () => {
    t = await startTestApp(handle(), { stores: 2, products: 0 });
    await importSkus(t.ctx, [
      { ...piece, code: 'I-COLA', name: '可口可乐 330ml', categoryCode: 'C3003', priceFen: 350, costFen: 200, barcodes: [EAN.cola] },
      { ...piece, code: 'I-CHIPS', name: '薯片', categoryCode: 'C3001', priceFen: 800, costFen: 500, barcodes: [EAN.chips] },
      { ...piece, code: 'I-RICE', name: '五常大米 5kg', categoryCode: 'C2001', priceFen: 4990, costFen: 3800, barcodes: [EAN.rice] },
      { ...piece, code: 'I-APPLE', name: '红富士苹果', unit: 'kg', plu: APPLE_PLU, categoryCode: 'C1001', priceFen: 1290, costFen: 700, barcodes: [] },
    ]);
    for (const s of await t.ctx.db.selectFrom('skus').select(['id', 'code']).execute()) ids[s.code.replace('I-', '').toLowerCase()] = s.id;
    for (const s of await t.ctx.db.selectFrom('stores').select(['id', 'code']).execute()) stores[s.code] = s.id;
    manager = await t.login('manager');
    admin = await t.login('admin');
    cashier = await t.openTill('cashier', 'T01');
    await ok('POST', '/suppliers', { code: 'SUP1', name: '华润饮料' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps store_id in every key of the new tables (Citus rule)', async () => {
    const mine = ['stock_costs', 'stock_levels', 'purchase_orders', 'purchase_order_lines', 'goods_receipts', 'transfers', 'transfer_lines', 'stock_counts', 'stock_count_entries', 'stock_count_lines'];
    const tables = (await introspect(handle())).filter((x) => mine.includes(x.name));
    expect(tables).toHaveLength(mine.length);
    expect(storeScopeViolations(tables)).toEqual([]);
  });

  it('receives an order in two deliveries: ordered → partly_received → received, average cost to the fen', async () => {
    const po = await ok<Po>('POST', '/purchase-orders', { store: 'S001', supplierCode: 'SUP1', lines: [{ code: EAN.cola, qty: 24, unitCostFen: 120 }, { code: 'I-RICE', qty: 10, unitCostFen: 3800 }, { code: 'I-APPLE', qty: 5000, unitCostFen: 800 }] });
    expect(po.status).toBe('draft');
    await refused(await call('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: EAN.cola }] }), 409, 'PO_NOT_SENT');
    expect((await ok<Po>('POST', `/purchase-orders/${po.id}/send?store=S001`)).status).toBe('ordered');

    // A scale label carries its grams: 1,250 g twice.
    const first = await ok<Po>('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: EAN.cola, qty: 10 }, { code: appleLabel(1250) }, { code: appleLabel(1250) }] });
    expect(first.status).toBe('partly_received');
    expect(first.lines.map((l) => [l.code, l.qtyReceived])).toEqual([
      ['I-COLA', 10],
      ['I-RICE', 0],
      ['I-APPLE', 2500],
    ]);
    expect(await qtyAt('S001', 'cola')).toBe(10);
    expect(await qtyAt('S001', 'apple')).toBe(2500);
    expect(await stockOf('S001', 'I-COLA')).toMatchObject({ qty: 10, avgCostFen: 120, valueFen: 1200 });

    const second = await ok<Po>('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: 'I-COLA', qty: 14 }, { code: EAN.rice, qty: 10 }, { code: appleLabel(2500) }] });
    expect(second.status).toBe('received');

    // A second order at ¥1.35: (24 × 120 + 10 × 135) / 34 = 124.41… → 124.
    const dearer = await ok<Po>('POST', '/purchase-orders', { store: 'S001', supplierCode: 'SUP1', lines: [{ code: EAN.cola, qty: 10, unitCostFen: 135 }] });
    await ok('POST', `/purchase-orders/${dearer.id}/send?store=S001`);
    await ok('POST', `/purchase-orders/${dearer.id}/receive?store=S001`, { lines: [{ code: EAN.cola, qty: 10 }] });
    expect(await stockOf('S001', 'I-COLA')).toMatchObject({ qty: 34, avgCostFen: 124, valueFen: 34 * 124 });
    // Apples: 5,000 g at ¥8.00/kg, valued ¥40.00.
    expect(await stockOf('S001', 'I-APPLE')).toMatchObject({ qty: 5000, avgCostFen: 800, valueFen: 4000 });
    const moves = await t.ctx.db.selectFrom('stock_moves').select(['kind', 'qty', 'cost_fen']).where('sku_id', '=', ids.cola as string).where('kind', '=', 'receipt').orderBy('created_at').execute();
    expect(moves.map((m) => [m.qty, m.cost_fen])).toEqual(expect.arrayContaining([[10, 1200], [14, 1680], [10, 1350]]));
    // A sale now costs its colas at the moving average (¥1.24), not the catalog's cost, for the margin.
    await sell(EAN.cola, 2);
    const line = await t.ctx.db.selectFrom('sale_lines').select(['cost_fen']).where('sku_id', '=', ids.cola as string).orderBy('sale_id', 'desc').executeTakeFirstOrThrow();
    expect(line.cost_fen).toBe(2 * 124);
  });

  it('refuses an over-receipt without the flag and a reason, then takes it with them; nothing half-posted', async () => {
    const po = await ok<Po>('POST', '/purchase-orders', { store: 'S001', supplierCode: 'SUP1', lines: [{ code: EAN.chips, qty: 5, unitCostFen: 500 }] });
    await ok('POST', `/purchase-orders/${po.id}/send?store=S001`);
    const before = await written();
    const over = await refused(await call('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: EAN.chips, qty: 4 }, { code: EAN.chips, qty: 2 }] }), 409, 'OVER_RECEIPT');
    expect(over.details).toMatchObject({ lines: [{ code: EAN.chips, ordered: 5, received: 0, receiving: 6 }] });
    await refused(await call('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: EAN.chips, qty: 6 }], overReceipt: true }), 400, 'REASON_REQUIRED');
    const unknown = await refused(await call('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: EAN.chips, qty: 1 }, { code: EAN.unlisted }] }), 404, 'PRODUCT_NOT_FOUND');
    expect(unknown.detail).toContain(EAN.unlisted);
    await refused(await call('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: EAN.chips, qty: 1 }, { code: EAN.cola }] }), 422, 'NOT_ON_ORDER');
    await refused(await call('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: `${EAN.chips.slice(0, 12)}${(Number(EAN.chips[12]) + 1) % 10}` }] }), 422, 'BARCODE_CHECK_DIGIT');
    await refused(await call('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: EAN.chips, qty: -3 }] }), 400, 'VALIDATION_FAILED');
    expect(await written()).toEqual(before);
    expect(await qtyAt('S001', 'chips')).toBe(0);

    const took = await ok<Po>('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: EAN.chips, qty: 6 }], overReceipt: true, reason: '供应商多送一箱，已电话确认' });
    expect(took.status).toBe('received');
    expect(took.lines[0]).toMatchObject({ qtyOrdered: 5, qtyReceived: 6 });
    expect(await qtyAt('S001', 'chips')).toBe(6);
    const move = await t.ctx.db.selectFrom('stock_moves').select(['reason', 'kind']).where('sku_id', '=', ids.chips as string).executeTakeFirstOrThrow();
    expect(move).toEqual({ kind: 'receipt', reason: '供应商多送一箱，已电话确认' });
    await refused(await call('POST', `/purchase-orders/${po.id}/receive?store=S001`, { lines: [{ code: EAN.chips }] }), 409, 'PO_CLOSED');
  });

  it('sends a transfer S001 → S002: out at once, in transit, received short by one at the sender’s cost', async () => {
    const colaBefore = await qtyAt('S001', 'cola');
    await refused(await call('POST', '/transfers', { from: 'S001', to: 'S001', lines: [{ code: EAN.cola, qty: 1 }] }), 422, 'TRANSFER_SAME_STORE');
    const tr = await ok<Transfer>('POST', '/transfers', { from: 'S001', to: 'S002', lines: [{ code: EAN.cola, qty: 4 }, { code: EAN.cola, qty: 2 }, { code: 'I-CHIPS', qty: 2 }] });
    expect(tr.status).toBe('in_transit');
    expect(tr.lines.map((l) => [l.code, l.qtySent, l.qtyReceived, l.unitCostFen])).toEqual([
      ['I-COLA', 6, null, 124],
      ['I-CHIPS', 2, null, 500],
    ]);
    expect(await qtyAt('S001', 'cola')).toBe(colaBefore - 6);
    expect(await qtyAt('S002', 'cola')).toBe(0);
    // Either end may look at it: the sender's manager sees it in transit.
    expect((await ok<Transfer>('GET', `/transfers/${tr.id}`)).status).toBe('in_transit');
    const inTransit = await ok<{ transfers: Array<{ id: string; direction: string; status: string }> }>('GET', '/transfers?store=S002&status=in_transit', undefined, admin);
    expect(inTransit.transfers).toEqual([expect.objectContaining({ id: tr.id, direction: 'in', status: 'in_transit' })]);

    // The S001 manager may not receive at S002, and S001 is not where it is going.
    await refused(await call('POST', `/transfers/${tr.id}/receive?store=S002`, {}), 403, 'STORE_OUT_OF_SCOPE');
    await refused(await call('POST', `/transfers/${tr.id}/receive?store=S001`, {}), 404, 'NOT_FOUND');
    const before = await written();
    await refused(await call('POST', `/transfers/${tr.id}/receive?store=S002`, { lines: [{ code: EAN.rice, qty: 1 }] }, admin), 422, 'NOT_ON_TRANSFER');
    expect(await written()).toEqual(before);

    const got = await ok<Transfer>('POST', `/transfers/${tr.id}/receive?store=S002`, { lines: [{ code: EAN.cola, qty: 5 }, { code: EAN.chips, qty: 2 }] }, admin);
    expect(got.status).toBe('received');
    expect(got.lines.map((l) => [l.code, l.qtySent, l.qtyReceived, l.difference, l.result])).toEqual([
      ['I-COLA', 6, 5, -1, 'short'],
      ['I-CHIPS', 2, 2, 0, 'ok'],
    ]);
    expect(await qtyAt('S002', 'cola')).toBe(5);
    expect(await stockOf('S002', 'I-COLA', admin)).toMatchObject({ qty: 5, avgCostFen: 124 });
    await refused(await call('POST', `/transfers/${tr.id}/receive?store=S002`, {}, admin), 409, 'TRANSFER_NOT_IN_TRANSIT');
    const kinds = await t.ctx.db.selectFrom('stock_moves').select(['store_id', 'kind', 'qty']).where('doc_id', '=', tr.id).where('sku_id', '=', ids.cola as string).orderBy('kind').execute();
    expect(kinds).toEqual([
      { store_id: stores.S002, kind: 'transfer_in', qty: 5 },
      { store_id: stores.S001, kind: 'transfer_out', qty: -6 },
    ]);
  });

  it('blind count of drinks: the counter never sees the expected number; approval posts counted − on hand at that moment', async () => {
    const count = await ok<{ id: string; status: string }>('POST', '/stock-counts', { store: 'S001', scope: 'category', categoryCode: 'C3003' });
    const url = `/stock-counts/${count.id}`;
    const sheet1 = await call('POST', `${url}/entries?store=S001`, { code: EAN.cola, qty: 20 }, cashier);
    expect(sheet1.statusCode, sheet1.body).toBe(200);
    const sheet = await ok<{ lines: Array<Record<string, unknown>> }>('POST', `${url}/entries?store=S001`, { code: 'I-COLA', qty: 7 }, cashier);
    expect(sheet.lines).toEqual([{ skuId: ids.cola, code: 'I-COLA', name: '可口可乐 330ml', unit: 'piece', location: null, counted: 27 }]);
    expect(JSON.stringify(sheet)).not.toMatch(/expected|onHand|difference/i);
    // A miscount corrected: the line's total is set.
    expect((await ok<typeof sheet>('POST', `${url}/entries?store=S001`, { code: EAN.cola, qty: 25, mode: 'set' }, cashier)).lines[0]).toMatchObject({ counted: 25 });

    const before = await written();
    const unknown = await refused(await call('POST', `${url}/entries?store=S001`, { code: EAN.unlisted }, cashier), 404, 'PRODUCT_NOT_FOUND');
    expect(unknown.detail).toContain(EAN.unlisted);
    await refused(await call('POST', `${url}/entries?store=S001`, { code: EAN.cola, qty: -1 }, cashier), 422, 'NEGATIVE_COUNT');
    await refused(await call('POST', `${url}/entries?store=S001`, { code: EAN.rice, qty: 1 }, cashier), 422, 'NOT_IN_COUNT_SCOPE');
    await refused(await call('POST', `${url}/entries?store=S001`, { code: '134567890123456789' }, cashier), 422, 'SCAN_NOT_A_PRODUCT');
    expect(await written()).toEqual(before);
    // Only the manager sees the variance or approves.
    await refused(await call('GET', `${url}/variance?store=S001`, undefined, cashier), 403, 'PERMISSION_DENIED');
    await refused(await call('POST', `${url}/approve?store=S001`, undefined, manager), 409, 'COUNT_STATUS');

    await ok('POST', `${url}/submit?store=S001`, undefined, cashier);
    await refused(await call('POST', `${url}/entries?store=S001`, { code: EAN.cola }, cashier), 409, 'COUNT_NOT_OPEN');
    await refused(await call('POST', `${url}/approve?store=S001`, undefined, cashier), 403, 'PERMISSION_DENIED');
    // A sale between submitting and approving: the difference is taken against on hand at approval.
    await sell(EAN.cola, 2);
    const onHandNow = await qtyAt('S001', 'cola');
    const report = await ok<{ posted: boolean; lines: Array<{ code: string; expected: number; counted: number; difference: number; unitCostFen: number; varianceFen: number }>; totals: { netFen: number } }>('POST', `${url}/approve?store=S001`);
    expect(report.posted).toBe(true);
    expect(report.lines).toEqual([expect.objectContaining({ code: 'I-COLA', expected: onHandNow, counted: 25, difference: 25 - onHandNow, unitCostFen: 124, varianceFen: (25 - onHandNow) * 124 })]);
    expect(report.totals.netFen).toBe((25 - onHandNow) * 124);
    expect(await qtyAt('S001', 'cola')).toBe(25);
    // Chips (another category) were not touched by the drinks count.
    expect(await qtyAt('S001', 'chips')).toBe(4);
    expect((await ok<{ posted: boolean }>('GET', `${url}/variance?store=S001`)).posted).toBe(true);
    await refused(await call('POST', `${url}/approve?store=S001`), 409, 'COUNT_STATUS');
  });

  it('a full count takes what nobody scanned as 0', async () => {
    const count = await ok<{ id: string }>('POST', '/stock-counts', { store: 'S002', scope: 'full' }, admin);
    await ok('POST', `/stock-counts/${count.id}/entries?store=S002`, { code: EAN.cola, qty: 5 }, admin);
    await ok('POST', `/stock-counts/${count.id}/submit?store=S002`, undefined, admin);
    const preview = await ok<{ posted: boolean; lines: Array<{ code: string; difference: number }> }>('GET', `/stock-counts/${count.id}/variance?store=S002`, undefined, admin);
    expect(preview.posted).toBe(false);
    const report = await ok<{ lines: Array<{ code: string; expected: number; counted: number; varianceFen: number }>; totals: { shortFen: number } }>('POST', `/stock-counts/${count.id}/approve?store=S002`, undefined, admin);
    expect(report.lines.map((l) => [l.code, l.expected, l.counted, l.varianceFen])).toEqual(expect.arrayContaining([['I-COLA', 5, 5, 0], ['I-CHIPS', 2, 0, -1000]]));
    expect(await qtyAt('S002', 'chips')).toBe(0);
  });

  it('low stock, reorder, value, history, where else, XLSX; the ledger agrees with every balance', async () => {
    await ok('PUT', '/stock/levels', { store: 'S001', code: EAN.cola, minQty: 40 });
    await ok('PUT', '/stock/levels', { store: 'S001', code: 'I-RICE', minQty: 5 });
    await refused(await call('PUT', '/stock/levels', { store: 'S001', code: EAN.unlisted, minQty: 5 }), 404, 'PRODUCT_NOT_FOUND');
    const low = await ok<{ rows: StockRow[] }>('GET', '/stock?store=S001&low=true');
    expect(low.rows.map((r) => [r.code, r.qty, r.minQty, r.low])).toEqual([['I-COLA', 25, 40, true]]);
    const reorder = await ok<{ suggestions: Array<{ code: string; suggestQty: number; reason: string }> }>('GET', '/stock/reorder?store=S001');
    expect(reorder.suggestions).toEqual([expect.objectContaining({ code: 'I-COLA', suggestQty: 15, reason: 'min_level' })]);

    const value = await ok<{ value: Array<{ storeCode: string; categoryCode: string; valueFen: number }> }>('GET', '/stock/value?store=S001');
    expect(value.value.find((v) => v.categoryCode === 'C3003')).toMatchObject({ storeCode: 'S001', valueFen: 25 * 124 });
    expect(value.value.find((v) => v.categoryCode === 'C1001')).toMatchObject({ valueFen: 4000 });

    const history = await ok<{ onHand: number; moves: Array<{ kind: string }> }>('GET', `/stock/moves?store=S001&code=${EAN.cola}`);
    expect(history.onHand).toBe(25);
    expect(new Set(history.moves.map((m) => m.kind))).toEqual(new Set(['receipt', 'transfer_out', 'sale', 'count']));

    const where = await ok<{ stores: Array<{ storeCode: string; qty: number }> }>('GET', `/stock/where?code=${EAN.cola}`, undefined, cashier);
    expect(where.stores).toEqual([expect.objectContaining({ storeCode: 'S001', qty: 25 }), expect.objectContaining({ storeCode: 'S002', qty: 5 })]);

    const xlsx = await call('GET', '/stock/export.xlsx?store=S001');
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const rows: unknown[][] = [];
    book.worksheets[0]?.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    expect(rows.find((r) => r[0] === 'I-COLA')).toEqual(['I-COLA', '可口可乐 330ml', '饮料', 'pc', 25, 40, 'Y', 1.24, 31]);

    expect(await verifyStock(t.ctx)).toMatchObject({ stores: 2, differences: [] });
    expect((await ok<{ differences: unknown[] }>('GET', '/stock/verify?store=S001')).differences).toEqual([]);
    // A tampered cache is found.
    await t.ctx.db.updateTable('stock_balances').set({ qty: 999 }).where('store_id', '=', stores.S001 as string).where('sku_id', '=', ids.rice as string).execute();
    expect((await verifyStock(t.ctx, [stores.S001 as string])).differences).toEqual([expect.objectContaining({ storeCode: 'S001', skuId: ids.rice, balance: 999, ledger: 10 })]);
    await t.ctx.db.updateTable('stock_balances').set({ qty: 10 }).where('store_id', '=', stores.S001 as string).where('sku_id', '=', ids.rice as string).execute();
  });
});
