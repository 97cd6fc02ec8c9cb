import type { InjectOptions } from 'fastify';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { recordStockMoves } from '../inventory/index';
import type { CartView } from '../checkout/cart';
import type { SaleView } from '../checkout/index';
import { refreshRollups } from './rollups';
import { verifyRollups, type Dashboard, type SalesReport, type Sellers } from './service';

const EAN = { rice: withCheckDigit('690000000203'), snack: withCheckDigit('690000000204'), lamp: withCheckDigit('690000000205'), kettle: withCheckDigit('690000000206') };
const piece = { unit: 'piece' as const, plu: null, active: true, components: [] as Array<{ skuCode: string; qty: number }> };

describeEachDb('reports: rollups, the sales report, scope, exports', (handle) => {
  let t: TestApp;
  let cashier: string;
  let manager: string;
  let admin: string;
  const call = (opts: InjectOptions & { token?: string }) => {
    const { token, ...rest } = opts;
    return t.tp.app.inject({ ...rest, headers: { ...rest.headers, authorization: `Bearer ${token ?? manager}` } });
  };
  const report = async (query: string, token?: string): Promise<SalesReport> => {
    const res = await call({ method: 'GET', url: `/api/v1/reports/sales?${query}`, token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as SalesReport;
  };

  async function sell(at: string, codes: string[], method: 'cash' | 'card'): Promise<SaleView> {
    t.clock.set(at);
    const as = { token: cashier };
    let cart = (await call({ ...as, method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    for (const code of codes) cart = (await call({ ...as, method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code } })).json() as CartView;
    const paid = await call({ ...as, method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method, amountFen: cart.dueFen } });
    expect(paid.statusCode, paid.body).toBe(200);
    const sale = await call({ ...as, method: 'POST', url: `/api/v1/carts/${cart.id}/complete` });
    expect(sale.statusCode, sale.body).toBe(200);
    return sale.json() as SaleView;
  }

  beforeAll(async () => {
    // 03:40 in Shanghai on Monday 30 November; S001's day turns at 04:00, so it is still Sunday's business.
    t = await startTestApp(handle(), { stores: 2, products: 0, start: '2026-11-29T19:40:00Z' });
    await t.ctx.db.updateTable('stores').set({ day_cutover: '04:00' }).where('code', '=', 'S001').execute();
    await importSkus(t.ctx, [
      { ...piece, code: 'R-RICE', name: '五常大米 5kg', categoryCode: 'C2001', priceFen: 4990, costFen: 3800, barcodes: [EAN.rice] },
      { ...piece, code: 'R-SNACK', name: '薯片', categoryCode: 'C3001', priceFen: 1000, costFen: 600, barcodes: [EAN.snack] },
      { ...piece, code: 'R-LAMP', name: '台灯', categoryCode: 'C5001', priceFen: 1250, costFen: 800, barcodes: [EAN.lamp] },
      { ...piece, code: 'R-KETTLE', name: '电水壶', categoryCode: 'C5001', priceFen: 22_000, costFen: 15_000, barcodes: [EAN.kettle] },
    ]);
    cashier = await t.openTill('cashier', 'T01');
    const s001 = (await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow()).id;
    const skuId = async (code: string) => (await t.ctx.db.selectFrom('skus').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;
    const receive = async (code: string, qty: number) => ({ storeId: s001, skuId: await skuId(code), qty, kind: 'receipt' as const, docType: 'receipt', docId: `rcv-${code}`, costFen: 0, businessDate: '2026-11-29' });
    await recordStockMoves(t.ctx, [await receive('R-RICE', 10), await receive('R-KETTLE', 5)]);

    await sell('2026-11-29T19:50:00Z', [EAN.rice], 'cash'); // Sunday 29th, 03:50
    await sell('2026-11-29T20:05:00Z', [EAN.rice], 'cash'); // Monday 30th, 04:05
    await sell('2026-11-29T20:10:00Z', [EAN.snack, EAN.snack], 'card'); // 零食九折: 2 × ¥10.00 − ¥2.00
    const lamp = await sell('2026-11-29T20:15:00Z', [EAN.lamp], 'card');
    t.clock.set('2026-11-29T20:20:00Z');
    const back = await call({ token: cashier, method: 'POST', url: '/api/v1/returns', payload: { receiptNo: lamp.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'changed_mind' } });
    expect(back.statusCode, back.body).toBe(201);
    t.clock.set('2026-11-29T20:25:00Z');
    manager = await t.login('manager');
    admin = await t.login('admin');
  });
  afterAll(async () => {
    await t.close();
  });

  it("a day's net, average ticket, items per basket and margin, after a return", async () => {
    const r = await report('from=2026-11-30&to=2026-11-30&by=day');
    expect(r.stores.map((s) => s.code)).toEqual(['S001']);
    expect(r.totals).toMatchObject({
      grossFen: 4990 + 2000 + 1250,
      discountFen: 200,
      returnsFen: 1250,
      netFen: 6790,
      costFen: 3800 + 1200,
      transactions: 3,
      // 6790 / 3 = 2263.33…
      avgTicketFen: 2263,
      itemsPerBasket: '1.33',
      marginFen: 1790,
      marginPct: '26.36',
      returnCount: 1,
    });
    // Prices include VAT; tax comes out of each rate's net once.
    expect(r.taxByRate).toEqual([
      { rate: '0.13', grossFen: 1800, netFen: 1593, taxFen: 207 },
      { rate: '0.09', grossFen: 4990, netFen: 4578, taxFen: 412 },
    ]);
    expect(r.paymentMix).toEqual([
      { method: 'cash', netFen: 4990, transactions: 1, sharePct: '73.5' },
      { method: 'card', netFen: 1800, transactions: 2, sharePct: '26.5' },
    ]);
  });

  it('compares with the previous period (Sunday, before the 04:00 cutover) and last year', async () => {
    const r = await report('from=2026-11-30&to=2026-11-30&by=day');
    expect(r.comparison.previous).toMatchObject({ from: '2026-11-29', to: '2026-11-29', totals: { netFen: 4990, transactions: 1 } });
    // (6790 − 4990) / 4990 = 36.07 %
    expect(r.comparison.previous.changePct).toEqual({ netFen: '36.1', transactions: '200.0', avgTicketFen: '-54.6', marginFen: '50.4' });
    expect(r.comparison.lastYear).toMatchObject({ from: '2025-11-30', to: '2025-11-30', totals: { netFen: 0 }, changePct: { netFen: null } });
  });

  it('puts Sunday 29 November in ISO week 48 and Monday 30 in week 49', async () => {
    const r = await report('from=2026-11-29&to=2026-11-30&by=week');
    expect(r.rows.map((w) => [w.key, w.from, w.to, w.netFen, w.transactions])).toEqual([
      ['2026-W48', '2026-11-23', '2026-11-29', 4990, 1],
      ['2026-W49', '2026-11-30', '2026-12-06', 6790, 3],
    ]);
    expect(r.totals.avgTicketFen).toBe(2945);
    const month = await report('from=2026-11-29&to=2026-12-01&by=month');
    expect(month.rows.map((m) => [m.key, m.netFen])).toEqual([
      ['2026-11', 11_780],
      ['2026-12', 0],
    ]);
  });

  it('by category, payment, hour, cashier and product; every dimension adds up to the total', async () => {
    const range = 'from=2026-11-29&to=2026-11-30';
    const byCategory = await report(`${range}&by=category`);
    // The top of the category tree, each parent rolling up its children.
    expect(byCategory.rows.map((c) => [c.key, c.label, c.netFen, c.returnsFen, c.marginPct])).toEqual([
      ['C20', '粮油', 9980, 0, '23.85'],
      ['C30', '食品饮料', 1800, 0, '33.33'],
      ['C50', '家居', 0, 1250, null],
    ]);
    expect((await report(`${range}&by=payment`)).rows.map((p) => [p.key, p.netFen])).toEqual([
      ['cash', 9980],
      ['card', 1800],
    ]);
    expect((await report(`${range}&by=hour`)).rows.map((h) => [h.key, h.netFen, h.transactions])).toEqual([
      ['03', 4990, 1],
      ['04', 6790, 3],
    ]);
    for (const by of ['day', 'store', 'category', 'product', 'cashier', 'hour']) {
      const r = await report(`${range}&by=${by}`);
      expect(r.rows.reduce((s, row) => s + row.netFen, 0), by).toBe(11_780);
      expect(r.rows.reduce((s, row) => s + row.costFen, 0), by).toBe(r.totals.costFen);
    }
    expect((await report(`${range}&by=cashier`)).rows.map((c) => [c.key, c.label, c.transactions])).toEqual([['cashier', '张收银', 4]]);
  });

  it('a store manager of S001 cannot read S002; the HQ admin sees both stores', async () => {
    const denied = await call({ method: 'GET', url: '/api/v1/reports/sales?from=2026-11-30&to=2026-11-30&by=store&store=S002' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'STORE_OUT_OF_SCOPE' });
    expect((await call({ method: 'GET', url: '/api/v1/reports/dashboard?store=S002' })).statusCode).toBe(403);
    const cashierTry = await call({ method: 'GET', url: '/api/v1/reports/sales?from=2026-11-30&to=2026-11-30', token: cashier });
    expect(cashierTry.json()).toMatchObject({ code: 'PERMISSION_DENIED' });
    const hq = await report('from=2026-11-30&to=2026-11-30&by=store', admin);
    expect(hq.rows.map((s) => [s.key, s.netFen])).toEqual([
      ['S001', 6790],
      ['S002', 0],
    ]);
  });

  it('refuses an inverted range, a range over a year and an unknown dimension with 400', async () => {
    const inverted = await call({ method: 'GET', url: '/api/v1/reports/sales?from=2026-11-30&to=2026-11-01' });
    expect([inverted.statusCode, inverted.json().code]).toEqual([400, 'RANGE_INVERTED']);
    const long = await call({ method: 'GET', url: '/api/v1/reports/sales?from=2024-01-01&to=2026-11-30' });
    expect([long.statusCode, long.json().code]).toEqual([400, 'RANGE_TOO_LONG']);
    expect((await call({ method: 'GET', url: '/api/v1/reports/sales?from=2026-11-01&to=2026-11-30&by=colour' })).statusCode).toBe(400);
    expect((await call({ method: 'GET', url: '/api/v1/reports/sales?from=2026-11-31&to=2026-12-01' })).statusCode).toBe(400);
  });

  it('best sellers by units and revenue; slow sellers are on hand with the fewest sales', async () => {
    const res = await call({ method: 'GET', url: '/api/v1/reports/sellers?from=2026-11-29&to=2026-11-30' });
    const s = res.json() as Sellers;
    expect(s.byRevenue.map((x) => [x.code, x.netFen])).toEqual([
      ['R-RICE', 9980],
      ['R-SNACK', 1800],
      ['R-LAMP', 0],
    ]);
    expect(s.byUnits.map((x) => [x.code, x.qty])).toEqual([
      ['R-RICE', 2],
      ['R-SNACK', 2],
      ['R-LAMP', 0],
    ]);
    // The lamp came back (0 on hand) and the snacks were never received: neither is on the shelf.
    expect(s.slow.map((x) => [x.code, x.qty, x.onHand])).toEqual([
      ['R-KETTLE', 0, 5],
      ['R-RICE', 2, 8],
    ]);
  });

  it("the dashboard: today so far against last Monday, by hour", async () => {
    const d = (await call({ method: 'GET', url: '/api/v1/reports/dashboard' })).json() as Dashboard;
    expect([d.date, d.compareDate]).toEqual(['2026-11-30', '2026-11-23']);
    expect(d.today).toMatchObject({ netFen: 6790, transactions: 3, avgTicketFen: 2263 });
    expect(d.hours.find((h) => h.hour === '04')).toEqual({ hour: '04', netFen: 6790, transactions: 3, lastWeekNetFen: 0, lastWeekTransactions: 0 });
    expect(d.top[0]).toMatchObject({ code: 'R-RICE', netFen: 4990 });
    expect(d.changePct.netFen).toBeNull();
  });

  it('exports CSV and XLSX whose numbers equal the JSON', async () => {
    const json = await report('from=2026-11-29&to=2026-11-30&by=category');
    const csv = await call({ method: 'GET', url: '/api/v1/reports/sales?from=2026-11-29&to=2026-11-30&by=category&format=csv' });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toContain('净销售额');
    expect(lines[1]).toBe('C20,粮油,99.80,0.00,0.00,99.80,2,49.90,1.00,76.00,23.80,23.85,84.7');
    expect(lines.at(-1)?.split(',')[5]).toBe('117.80');
    const xlsx = await call({ method: 'GET', url: '/api/v1/reports/sales?from=2026-11-29&to=2026-11-30&by=category&format=xlsx&lang=en' });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = book.worksheets[0];
    expect(sheet?.getRow(1).getCell(6).value).toBe('Net sales');
    const net = (row: number) => Math.round(Number(sheet?.getRow(row).getCell(6).value) * 100);
    expect(json.rows.map((_, i) => net(i + 2))).toEqual(json.rows.map((r) => r.netFen));
    expect(net(json.rows.length + 2)).toBe(json.totals.netFen);
  });

  it('refreshing twice adds nothing, and verify finds the rollups equal to the raw lines', async () => {
    expect(await refreshRollups(t.ctx)).toEqual({ sales: 0, returns: 0 });
    const result = await verifyRollups(t.ctx, { from: '2026-11-29', to: '2026-11-30' });
    expect(result).toMatchObject({ differences: 0, first: null });
    expect(result.rowsChecked).toBeGreaterThan(10);
  });

  it('verify names the first rollup that differs from the raw lines', async () => {
    const where = { store: 'S001', date: '2026-11-30' };
    const s001 = (await t.ctx.db.selectFrom('stores').select('id').where('code', '=', where.store).executeTakeFirstOrThrow()).id;
    const bump = (by: number) =>
      t.ctx.db.updateTable('report_sales_daily').set((eb) => ({ net_fen: eb('net_fen', '+', by) })).where('store_id', '=', s001).where('business_date', '=', where.date).where('dim_kind', '=', 'total').execute();
    await bump(1);
    const result = await verifyRollups(t.ctx, { from: '2026-11-29', to: '2026-11-30' });
    await bump(-1);
    expect(result.differences).toBe(1);
    expect(result.first).toEqual({ storeCode: 'S001', businessDate: '2026-11-30', dimKind: 'total', dimRef: '', measure: 'netFen', rollup: 6791, recomputed: 6790 });
  });

  it('a sale stamped before the watermark (committed late) is still counted, once', async () => {
    await refreshRollups(t.ctx);
    await sell('2026-11-29T20:12:00Z', [EAN.snack], 'card'); // earlier than the last sale read (20:15)
    t.clock.set('2026-11-29T20:26:00Z');
    expect(await refreshRollups(t.ctx)).toEqual({ sales: 1, returns: 0 });
    expect(await refreshRollups(t.ctx)).toEqual({ sales: 0, returns: 0 });
    expect((await report('from=2026-11-30&to=2026-11-30')).totals).toMatchObject({ netFen: 6790 + 900, transactions: 4 });
    expect(await verifyRollups(t.ctx, { from: '2026-11-29', to: '2026-11-30' })).toMatchObject({ differences: 0 });
  });
});

