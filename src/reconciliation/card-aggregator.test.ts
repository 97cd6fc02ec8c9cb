// A card sale and a UnionPay sale through the sandboxes (card terminal and aggregator), on both
// databases: the export writes the aggregator's bill and the acquirer's card file with their
// settlements and bank credits; imported, the card line is matched by its reference, amount and
// time, the UnionPay line by its order number, and both channels' money settles to the bank.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { configureWallets } from '../payments/index';
import { startDemoWallets, type DemoWallets } from '../sandbox/demo-wallets';
import { exportSandboxBills } from '../sandbox/export';
import { DEMO_ALIPAY, DEMO_WECHAT } from '../sandbox/demo-merchants';
import type { CartView } from '../checkout/cart';
import type { SaleView } from '../checkout/index';
import { importStatementFile, type ImportSource } from './import';
import ExcelJS from 'exceljs';
import { recordReconciliation } from './exceptions';
import { runReconciliation } from './run';

const EAN = withCheckDigit('690000000325');
const DATE = '2026-11-30';

describeEachDb('reconciliation: card and aggregator files', (handle) => {
  let t: TestApp;
  let wallets: DemoWallets;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-recon-card-'));
  const sales: SaleView[] = [];

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [{ code: 'C-RICE', name: '大米 5kg', unit: 'piece', categoryCode: 'C3004', priceFen: 4990, costFen: 3500, plu: null, barcodes: [EAN], active: true, components: [] }]);
    wallets = await startDemoWallets({ clock: t.clock, dataDir: dir, timeoutMs: 2000 });
    configureWallets('*', { ...wallets.settings, wait: async (ms) => t.clock.advance(ms) });
    const token = await t.openTill();
    const call = (opts: InjectOptions) => t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
    for (const [qty, tender] of [[1, { method: 'card' }], [2, { method: 'unionpay', authCode: '6212345678901234500' }]] as const) {
      const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
      const priced = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN, qty } })).json() as CartView;
      const paid = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { ...tender, amountFen: priced.dueFen } });
      expect(paid.statusCode, paid.body).toBe(200);
      t.clock.advance(60_000);
      const done = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` });
      expect(done.statusCode, done.body).toBe(200);
      sales.push(done.json() as SaleView);
    }
  });
  afterAll(async () => {
    await wallets.close();
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('matches the card line by reference, amount and time and the UnionPay line by order number; both settle', async () => {
    const out = exportSandboxBills({ dataDir: dir, date: DATE, outDir: path.join(dir, 'out'), wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account });
    expect([out.aggregatorLines, out.cardLines]).toEqual([1, 1]);
    const names = out.files.map((f) => path.basename(f));
    expect(names).toEqual(expect.arrayContaining([`aggregator-bill-${DATE}.csv`, `card-settlement-detail-${DATE}.csv`, `aggregator-settlement-${DATE}.csv`, `card-settlement-${DATE}.csv`]));
    const source = (name: string): ImportSource | null =>
      name.startsWith('aggregator-bill') ? 'aggregator' : name.startsWith('card-settlement-detail') ? 'card' : name.includes('-settlement-') ? 'settlement' : name.endsWith('.mt940') ? 'bank' : null;
    for (const file of out.files) {
      const kind = source(path.basename(file));
      if (kind) await importStatementFile(t.ctx, { source: kind, fileName: path.basename(file), bytes: fs.readFileSync(file) });
    }
    const card = sales[0]?.tenders.find((x) => x.method === 'card');
    t.clock.advance(4 * 86_400_000);
    const run = await runReconciliation(t.ctx, { date: DATE });
    expect(run.exceptions.map((e) => e.code)).toEqual([]);
    const byChannel = (channel: string) => run.stores.filter((s) => s.channel === channel).map((s) => [s.storeCode, s.matched, s.pending, s.exceptions]);
    expect(byChannel('card')).toEqual([['S001', 1, 0, 0], [null, 1, 0, 0]]); // the sale; the settlement
    expect(byChannel('aggregator')).toEqual([['S001', 1, 0, 0], [null, 1, 0, 0]]);
    expect(run.layers.bank.matched).toBe(4); // two credits, and WeChat's and Alipay's empty batches need none
    expect(card).toBeDefined();

    // The acquirer's line a fen short: the card payment is an AMOUNT_MISMATCH under its reference.
    const file = path.join(dir, 'out', `card-settlement-detail-${DATE}.csv`);
    const text = fs.readFileSync(file, 'utf8');
    const amount = (sales[0]?.totalFen ?? 0) / 100;
    const fee = Math.round((sales[0]?.totalFen ?? 0) * 0.006) / 100;
    const short = text.replace(`,${amount.toFixed(2)},${fee.toFixed(2)},${(amount - fee).toFixed(2)}`, `,${(amount - 0.01).toFixed(2)},${fee.toFixed(2)},${(amount - 0.01 - fee).toFixed(2)}`).replace(/合计,1,[^,]+,[^,]+,[^,]+/, `合计,1,${(amount - 0.01).toFixed(2)},${fee.toFixed(2)},${(amount - 0.01 - fee).toFixed(2)}`);
    await importStatementFile(t.ctx, { source: 'card', fileName: 'card-late.csv', bytes: Buffer.from(short) });
    const again = await runReconciliation(t.ctx, { date: DATE });
    const [mismatch] = again.exceptions.filter((e) => e.code === 'AMOUNT_MISMATCH');
    expect(mismatch).toMatchObject({ channel: 'card', merchantOrderNo: card?.reference, posAmountFen: sales[0]?.totalFen, channelAmountFen: (sales[0]?.totalFen ?? 0) - 1 });
  });

  it('serves the dashboard: money per channel and in transit, the month calendar, a 14-day trend, the list as XLSX and CSV', async () => {
    const token = await t.login('finance');
    const get = (url: string) => t.tp.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
    const run = (await get(`/api/v1/recon/exceptions?date=${DATE}`)).json() as { channels: Array<{ channel: string; grossFen: number; feeFen: number; netFen: number; inTransitFen: number }>; inTransitFen: number };
    const card = run.channels.find((c) => c.channel === 'card');
    expect(card).toMatchObject({ grossFen: (sales[0]?.totalFen ?? 0) - 1 }); // the late file's line counts
    expect(run.inTransitFen).toBe(0); // every batch of the day met its bank credit
    await recordReconciliation(t.ctx, { date: DATE });
    const calendar = (await get('/api/v1/recon/calendar?month=2026-11')).json() as { days: Array<{ date: string; open: number; total: number }> };
    // The card payment a fen short, and so the card settlement a fen off the bill.
    expect(calendar.days).toEqual([{ date: DATE, open: 2, total: 2, openAmountFen: 2 }]);
    const trend = (await get(`/api/v1/recon/trend?to=${DATE}`)).json() as { points: Array<{ date: string; exceptions: number }> };
    expect(trend.points).toHaveLength(14);
    expect(trend.points.at(-1)).toMatchObject({ date: DATE, exceptions: 2 });
    const csv = await get(`/api/v1/recon/exceptions?date=${DATE}&format=csv`);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="recon-exceptions-${DATE}.csv"`);
    expect(csv.body.split('\r\n')[1]).toMatch(new RegExp(`^${DATE},金额不符,AMOUNT_MISMATCH,card,S001,`));
    const xlsx = await get(`/api/v1/recon/exceptions?date=${DATE}&format=xlsx&lang=en`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = book.getWorksheet(DATE);
    expect(sheet?.getRow(1).getCell(2).value).toBe('Exception');
    expect(sheet?.getRow(2).getCell(2).value).toBe('Amount mismatch');
    expect(sheet?.getRow(2).getCell(12).value).toBe(-0.01); // the channel paid a fen less than the till took
  });
});
