import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { createRegion } from '../platform/stores/service';
import type { CartView } from '../checkout/cart';
import type { SaleView } from '../checkout/index';
import { verifyRollups, type Dashboard, type SalesReport } from './service';
import type { CashierRow, StoreMeasures } from './store-measures';
import type { MembersReport } from './repurchase';
import { deliverDailyReports, writeDailyReports, type DailyReport, type DailyReportSummary } from './daily-report';

const EAN = { rice: withCheckDigit('690000000303'), flour: withCheckDigit('690000000304'), snack: withCheckDigit('690000000305') };
const piece = { unit: 'piece' as const, plu: null, active: true, components: [] as Array<{ skuCode: string; qty: number }> };
const PHONE = { a: '13800138001', b: '13900139002' };

describeEachDb('reports: measures, drill-down, cashiers, daily reports, repurchase', (handle) => {
  let t: TestApp;
  let cashier: string;
  let manager: string;
  let admin: string;
  const ids: Record<string, string> = {};
  const call = (opts: InjectOptions & { token?: string }) => {
    const { token, ...rest } = opts;
    return t.tp.app.inject({ ...rest, headers: { ...rest.headers, authorization: `Bearer ${token ?? manager}` } });
  };
  async function get<T>(url: string, token?: string): Promise<T> {
    const res = await call({ method: 'GET', url: `/api/v1${url}`, token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as T;
  }

  async function sell(at: string, codes: string[], method: 'cash' | 'card', options: { phone?: string; voidFirst?: boolean; tenderFen?: number } = {}): Promise<SaleView> {
    t.clock.set(at);
    const as = { token: cashier };
    let cart = (await call({ ...as, method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    if (options.voidFirst) {
      cart = (await call({ ...as, method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN.rice } })).json() as CartView;
      const voided = await call({ ...as, method: 'DELETE', url: `/api/v1/carts/${cart.id}/lines/${cart.lines[0]?.lineId ?? ''}` });
      expect(voided.statusCode, voided.body).toBe(200);
    }
    if (options.phone) expect((await call({ ...as, method: 'POST', url: `/api/v1/carts/${cart.id}/member`, payload: { phone: options.phone } })).statusCode).toBe(200);
    for (const code of codes) cart = (await call({ ...as, method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code } })).json() as CartView;
    const paid = await call({ ...as, method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method, amountFen: options.tenderFen ?? cart.dueFen } });
    expect(paid.statusCode, paid.body).toBe(200);
    const sale = await call({ ...as, method: 'POST', url: `/api/v1/carts/${cart.id}/complete` });
    expect(sale.statusCode, sale.body).toBe(200);
    return sale.json() as SaleView;
  }

  async function giveBack(receiptNo: string, reasonCode: string): Promise<void> {
    const back = await call({ token: cashier, method: 'POST', url: '/api/v1/returns', payload: { receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode } });
    expect(back.statusCode, back.body).toBe(201);
  }

  async function register(phone: string): Promise<void> {
    const res = await call({ token: cashier, method: 'POST', url: '/api/v1/members', payload: { phone, consentVersion: 'v1', consentAccepted: true } });
    expect(res.statusCode, res.body).toBe(201);
  }

  beforeAll(async () => {
    // Monday 30 November 2026 in Shanghai; S002 moves to a second region.
    t = await startTestApp(handle(), { stores: 2, products: 0, start: '2026-11-30T01:00:00Z' });
    for (const s of await t.ctx.db.selectFrom('stores').select(['id', 'code']).execute()) ids[s.code] = s.id;
    const south = await createRegion(t.ctx, { code: 'R02', name: '华南区' });
    await t.ctx.db.updateTable('stores').set({ region_id: south.id }).where('code', '=', 'S002').execute();
    await importSkus(t.ctx, [
      { ...piece, code: 'M-RICE', name: '东北大米 5kg', categoryCode: 'C2001', priceFen: 4990, costFen: 3800, barcodes: [EAN.rice] },
      { ...piece, code: 'M-FLOUR', name: '高筋面粉', categoryCode: 'C2002', priceFen: 1500, costFen: 1000, barcodes: [EAN.flour] },
      { ...piece, code: 'M-SNACK', name: '薯片', categoryCode: 'C3001', priceFen: 1000, costFen: 600, barcodes: [EAN.snack] },
    ]);
    cashier = await t.openTill('cashier', 'T01');
    t.clock.set('2026-11-30T01:05:00Z');
    await register(PHONE.a);
    await register(PHONE.b);

    await sell('2026-11-30T01:10:00Z', [EAN.rice, EAN.flour], 'cash', { phone: PHONE.a }); // 64.90, member A
    await sell('2026-11-30T01:20:00Z', [EAN.snack, EAN.snack], 'card', { voidFirst: true }); // 零食九折: 20.00 − 2.00, guest, one line voided
    const flour = await sell('2026-11-30T01:30:00Z', [EAN.flour], 'cash', { phone: PHONE.b }); // 15.00, member B
    const rice = await sell('2026-11-30T01:40:00Z', [EAN.rice], 'card'); // 49.90, guest
    t.clock.set('2026-11-30T01:50:00Z');
    await giveBack(flour.receiptNo, 'defective');
    await giveBack(rice.receiptNo, 'changed_mind');

    // The drawer should hold 0 float + 64.90 + 15.00 (cash sales) − 15.00 (flour refunded in cash) = 64.90; ¥1.20 short.
    t.clock.set('2026-11-30T02:00:00Z');
    const shift = (await call({ token: cashier, method: 'GET', url: '/api/v1/shifts/current' })).json() as { shift: { id: string } };
    const closed = await call({ token: cashier, method: 'POST', url: `/api/v1/shifts/${shift.shift.id}/close`, payload: { countedFen: 6370 } });
    expect(closed.statusCode, closed.body).toBe(200);

    manager = await t.login('manager');
    admin = await t.login('admin');
  });
  afterAll(async () => {
    await t.close();
  });

  it('discounts by promotion, member share, new members, cash over/short and returns by reason', async () => {
    const m = await get<StoreMeasures>('/reports/measures?from=2026-11-30&to=2026-11-30');
    expect(m.discountFen).toBe(200);
    expect(m.promotions.map((p) => [p.name, p.discountFen, p.transactions])).toEqual([['零食九折', 200, 1]]);
    expect(m.otherDiscountFen).toBe(0);
    // Members: 64.90 + 15.00 − 15.00 returned = 64.90 of 64.90 + 18.00 + 49.90 − 49.90 = 82.90 net.
    expect(m.members).toEqual({ memberNetFen: 6490, memberTransactions: 2, guestNetFen: 1800, guestTransactions: 2, salesSharePct: '78.3', transactionsSharePct: '50.0' });
    expect(m.newMembers).toEqual({ total: 2, days: [{ storeCode: 'S001', date: '2026-11-30', count: 2 }] });
    expect(m.cash).toMatchObject({ overShortFen: -120, overFen: 0, shortFen: -120, shifts: 1 });
    expect(m.cash.days).toEqual([{ storeCode: 'S001', date: '2026-11-30', overShortFen: -120, overFen: 0, shortFen: -120, shifts: 1 }]);
    expect(m.returnsByReason).toEqual([
      { reason: 'changed_mind', returnsFen: 4990, returnCount: 1, qty: 1 },
      { reason: 'defective', returnsFen: 1500, returnCount: 1, qty: 1 },
    ]);
  });

  it('cashier performance: sales, transactions, returns and line voids', async () => {
    const { rows } = await get<{ rows: CashierRow[] }>('/reports/cashiers?from=2026-11-30&to=2026-11-30');
    // 8290 / 4 = 2072.5, half-even to 2072.
    expect(rows).toEqual([
      { cashierId: expect.any(String), username: 'cashier', name: '张收银', netFen: 8290, transactions: 4, avgTicketFen: 2072, items: 6, returnCount: 2, returnsFen: 6490, voids: 1, avgScanSeconds: expect.anything() },
    ]);
  });

  it('drills from regions to stores, down the category tree, to products', async () => {
    const range = 'from=2026-11-30&to=2026-11-30';
    const regions = await get<SalesReport>(`/reports/sales?${range}&by=region`, admin);
    expect(regions.rows.map((r) => [r.key, r.label, r.netFen, r.drill])).toEqual([
      ['R01', '华东区', 8290, { by: 'store', region: 'R01' }],
      ['R02', '华南区', 0, { by: 'store', region: 'R02' }],
    ]);
    const stores = await get<SalesReport>(`/reports/sales?${range}&by=store&region=R01`, admin);
    expect(stores.filters.region).toEqual({ code: 'R01', name: '华东区' });
    expect(stores.rows.map((r) => [r.key, r.netFen, r.drill])).toEqual([['S001', 8290, { by: 'category', store: 'S001' }]]);
    const tops = await get<SalesReport>(`/reports/sales?${range}&by=category&store=S001`, admin);
    expect(tops.rows.map((r) => [r.key, r.netFen, r.returnsFen, r.drill])).toEqual([
      ['C20', 6490, 6490, { by: 'category', category: 'C20' }],
      ['C30', 1800, 0, { by: 'category', category: 'C30' }],
    ]);
    // 粮油 rolls up rice (2 × 49.90 − 49.90 back) and flour (2 × 15.00 − 15.00 back).
    const grains = await get<SalesReport>(`/reports/sales?${range}&by=category&store=S001&category=C20`, admin);
    expect(grains.filters.category).toEqual({ code: 'C20', name: '粮油', parentCode: null });
    expect(grains.rows.map((r) => [r.key, r.label, r.netFen, r.qty, r.drill])).toEqual([
      ['C2001', '大米', 4990, 1, { by: 'product', category: 'C2001' }],
      ['C2002', '面粉挂面', 1500, 1, { by: 'product', category: 'C2002' }],
    ]);
    expect(grains.totals).toMatchObject({ grossFen: 2 * 4990 + 2 * 1500, netFen: 6490, returnsFen: 6490, costFen: 3800 + 1000 });
    expect(grains.taxByRate).toEqual([{ rate: '0.09', grossFen: 6490, netFen: 5954, taxFen: 536 }]);
    expect(grains.paymentMix).toEqual([]);
    const rice = await get<SalesReport>(`/reports/sales?${range}&by=product&store=S001&category=C2001`, admin);
    expect(rice.rows.map((r) => [r.key, r.netFen, r.drill])).toEqual([['M-RICE', 4990, undefined]]);
    const byDay = await get<SalesReport>(`/reports/sales?${range}&by=day&category=C30`, admin);
    expect(byDay.totals).toMatchObject({ netFen: 1800, discountFen: 200, transactions: 1 });
  });

  it('refuses a category filter on a grouping kept without categories, and unknown filters', async () => {
    const cashierBy = await call({ method: 'GET', url: '/api/v1/reports/sales?from=2026-11-30&to=2026-11-30&by=cashier&category=C20' });
    expect([cashierBy.statusCode, cashierBy.json().code]).toEqual([400, 'FILTER_NOT_SUPPORTED']);
    expect((await call({ method: 'GET', url: '/api/v1/reports/sales?from=2026-11-30&to=2026-11-30&category=C99' })).statusCode).toBe(404);
    expect((await call({ method: 'GET', url: '/api/v1/reports/sales?from=2026-11-30&to=2026-11-30&region=R99', token: admin })).statusCode).toBe(404);
    // The S001 manager asking for the other region's numbers.
    const other = await call({ method: 'GET', url: '/api/v1/reports/sales?from=2026-11-30&to=2026-11-30&by=store&region=R02' });
    expect([other.statusCode, other.json().code]).toEqual([403, 'STORE_OUT_OF_SCOPE']);
  });

  it('the dashboard counts open and assigned reconciliation exceptions of the stores in scope', async () => {
    const now = t.clock.now().toISOString();
    const exception = (n: number, storeRef: string | null, status: string) => ({
      id: `exc-${n}`,
      key: `k-${n}`,
      business_date: '2026-11-29',
      code: 'POS_ONLY',
      channel: 'wechat',
      store_ref: storeRef,
      status,
      amount_fen: 100,
      detail: '{}',
      assignee_id: null,
      resolution_kind: null,
      resolution: null,
      first_seen_at: now,
      last_seen_at: now,
      updated_at: now,
    });
    await t.ctx.db
      .insertInto('recon_exceptions')
      .values([exception(1, ids.S001 ?? '', 'open'), exception(2, ids.S001 ?? '', 'assigned'), exception(3, ids.S001 ?? '', 'resolved'), exception(4, ids.S002 ?? '', 'open'), exception(5, null, 'open')])
      .execute();
    expect((await get<Dashboard>('/reports/dashboard')).openExceptions).toBe(2);
    expect((await get<Dashboard>('/reports/dashboard', admin)).openExceptions).toBe(4);
    expect((await get<Dashboard>('/reports/dashboard?store=S002', admin)).openExceptions).toBe(1);
  });

  it('stores each closed day once, queues a message where a webhook is set, and sends it', async () => {
    // 04:00 on 1 December in Shanghai: 30 November has closed.
    t.clock.set('2026-11-30T20:00:00Z');
    [manager, admin] = [await t.login('manager'), await t.login('admin')];
    const put = await call({ token: admin, method: 'PUT', url: '/api/v1/reports/notify', payload: { webhooks: { S001: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo' } } });
    expect(put.statusCode, put.body).toBe(200);
    expect(await writeDailyReports(t.ctx)).toBe(2);
    expect(await writeDailyReports(t.ctx)).toBe(0);
    const { reports } = await get<{ reports: DailyReportSummary[] }>('/reports/daily?from=2026-11-01&to=2026-11-30', admin);
    expect(reports.map((r) => [r.storeCode, r.businessDate, r.netFen, r.transactions, r.notifyStatus])).toEqual([
      ['S001', '2026-11-30', 8290, 4, 'queued'],
      ['S002', '2026-11-30', 0, 0, 'none'],
    ]);
    const sent: Array<{ url: string; text: string }> = [];
    let fail = true;
    const flaky = async (url: string, text: string) => {
      if (fail) {
        fail = false;
        throw new Error('the webhook answered 502');
      }
      sent.push({ url, text });
    };
    expect(await deliverDailyReports(t.ctx, flaky)).toEqual({ sent: 0, failed: 0 });
    expect(await deliverDailyReports(t.ctx, flaky)).toEqual({ sent: 1, failed: 0 });
    expect(await deliverDailyReports(t.ctx, flaky)).toEqual({ sent: 0, failed: 0 });
    expect(sent).toEqual([
      { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=demo', text: '【Tillpoint】S001 演示店·人民广场店 2026-11-30 日报：净销售额 ¥82.90，交易 4 笔，客单价 ¥20.72，退货 ¥64.90，长短款 -¥1.20，新会员 2 人。' },
    ]);
    const day = await get<DailyReport & { notifyStatus: string }>('/reports/daily/S001/2026-11-30');
    expect([day.sales.totals.netFen, day.measures.cash.overShortFen, day.cashiers[0]?.voids, day.notifyStatus]).toEqual([8290, -120, 1, 'sent']);
    expect((await call({ method: 'GET', url: '/api/v1/reports/daily/S002/2026-11-30' })).statusCode).toBe(403);
    expect((await call({ method: 'GET', url: '/api/v1/reports/daily/S001/2026-12-01' })).statusCode).toBe(404);
  });

  it('repurchase: of the members who bought on 30 November, who came back within 30/60/90 days', async () => {
    // Member A comes back on 20 December; B does not.
    t.clock.set('2026-12-20T02:00:00Z');
    manager = await t.login('manager');
    cashier = await t.openTill('cashier', 'T02');
    await sell('2026-12-20T02:05:00Z', [EAN.snack], 'cash', { phone: PHONE.a });
    const early = await get<MembersReport>('/reports/members?from=2026-11-30&to=2026-11-30');
    // On 20 December no window has closed yet: nobody can be judged.
    expect(early.repurchase.windows.map((w) => [w.days, w.eligible, w.returned, w.ratePct])).toEqual([
      [30, 0, 0, null],
      [60, 0, 0, null],
      [90, 0, 0, null],
    ]);
    t.clock.set('2027-03-15T02:00:00Z');
    manager = await t.login('manager');
    const r = await get<MembersReport>('/reports/members?from=2026-11-30&to=2026-11-30');
    expect(r.asOf).toBe('2027-03-15');
    expect(r.repurchase.members).toBe(2);
    expect(r.repurchase.windows.map((w) => [w.days, w.eligible, w.returned, w.ratePct])).toEqual([
      [30, 2, 1, '50.0'],
      [60, 2, 1, '50.0'],
      [90, 2, 1, '50.0'],
    ]);
    expect(r.repurchase.byStore.map((g) => [g.key, g.members, g.windows[0]?.returned])).toEqual([['S001', 2, 1]]);
    expect(r.repurchase.byTier.map((g) => [g.key, g.label, g.members])).toEqual([['normal', '普通会员', 2]]);
    // The list: card numbers and tiers, 12-month visits and spend, never a phone number.
    expect(r.list?.total).toBe(2);
    expect(r.list?.rows.map((m) => [m.tier, m.lastVisit, m.visits12m, m.spend12mFen, m.registeredStore])).toEqual([
      ['normal', '2026-12-20', 2, 6490 + 900, 'S001'],
      ['normal', '2026-11-30', 1, 1500, 'S001'],
    ]);
    // (Card numbers are random digits, so look for the members' own numbers, in full or masked.)
    const text = JSON.stringify(r);
    for (const phone of Object.values(PHONE)) {
      expect(text).not.toContain(phone);
      expect(text).not.toContain(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
    }
    const filtered = await get<MembersReport>('/reports/members?from=2026-11-30&to=2026-11-30&lastVisitFrom=2026-12-01&minSpendFen=5000&tier=normal');
    expect(filtered.list?.rows.map((m) => m.lastVisit)).toEqual(['2026-12-20']);
    const bad = await call({ method: 'GET', url: '/api/v1/reports/members?from=2026-11-30&to=2026-11-30&tier=platinum' });
    expect(bad.statusCode).toBe(400);
    // A regional manager sees the repurchase figures but not the member list.
    expect((await get<MembersReport>('/reports/members?from=2026-11-30&to=2026-11-30', await t.login('regional'))).list).toBeNull();
  });

  it('the new rollup dimensions agree with the raw lines', async () => {
    expect(await verifyRollups(t.ctx, { from: '2026-11-30', to: '2026-12-20' })).toMatchObject({ differences: 0, first: null });
  });
});
