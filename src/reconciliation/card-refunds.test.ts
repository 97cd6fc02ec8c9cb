// Card refunds (退货 on the terminal) against the acquirer's refund rows, on both databases: a
// return refunded to the card at the till meets its refund row; a refund the acquirer lacks, a
// refund made on the terminal alone and a refund row for another amount are each flagged with
// their amounts; importing and running again changes nothing.
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
import { cardFileRows, exportSandboxBills, sandboxJournals } from '../sandbox/export';
import { loadCardJournal } from '../sandbox/card-terminal';
import { DEMO_ALIPAY, DEMO_WECHAT } from '../sandbox/demo-merchants';
import type { CartView } from '../checkout/cart';
import type { SaleView } from '../checkout/index';
import { formatCardFile, parseCardFile } from './card-file';
import { importStatementFile } from './import';
import { runReconciliation } from './run';

const EAN = withCheckDigit('690000000332');
const DATE = '2026-11-30'; // the test clock starts at 10:00 Beijing time that day
const PRICE_FEN = 4990;

describeEachDb('reconciliation: card refunds', (handle) => {
  let t: TestApp;
  let wallets: DemoWallets;
  let token = '';
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-recon-card-refund-'));
  const sales: SaleView[] = [];
  const call = (opts: InjectOptions) => t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
  const giveBack = async (sale: SaleView) => {
    const res = await call({ method: 'POST', url: '/api/v1/returns', payload: { receiptNo: sale.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'changed_mind' } });
    expect(res.statusCode, res.body).toBe(201);
    t.clock.advance(60_000);
  };
  const refundRefs = async () => (await t.ctx.db.selectFrom('return_refunds').select(['reference', 'amount_fen']).where('method', '=', 'card').orderBy('updated_at').execute()).map((r) => r.reference ?? '');

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [{ code: 'C-OIL', name: '花生油 5L', unit: 'piece', categoryCode: 'C3004', priceFen: PRICE_FEN, costFen: 3500, plu: null, barcodes: [EAN], active: true, components: [] }]);
    wallets = await startDemoWallets({ clock: t.clock, dataDir: dir, timeoutMs: 2000 });
    configureWallets('*', { ...wallets.settings, wait: async (ms) => t.clock.advance(ms) });
    token = await t.openTill();
    for (const qty of [1, 2]) {
      const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
      await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN, qty } });
      expect((await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'card', amountFen: PRICE_FEN * qty } })).statusCode).toBe(200);
      t.clock.advance(60_000);
      const done = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` });
      expect(done.statusCode, done.body).toBe(200);
      sales.push(done.json() as SaleView);
    }
    await giveBack(sales[0] as SaleView);
  });
  afterAll(async () => {
    await wallets.close();
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('matches a till refund to the acquirer refund row; flags the refund the file lacks, a terminal-only refund and a different amount', async () => {
    const out = exportSandboxBills({ dataDir: dir, date: DATE, outDir: path.join(dir, 'out'), wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account });
    const detail = fs.readFileSync(path.join(dir, 'out', `card-settlement-detail-${DATE}.csv`));
    const [firstRefund] = await refundRefs();
    const payRef = (sale: SaleView) => sale.tenders.find((x) => x.method === 'card')?.reference ?? 'missing';
    // The sandbox's file has the refund row (退货) naming the payment it gives back.
    expect(parseCardFile(detail).lines.map((l) => [l.kind, l.channelTxnId, l.grossFen, l.merchantOrderNo])).toEqual([
      ['pay', payRef(sales[0] as SaleView), PRICE_FEN, null],
      ['pay', payRef(sales[1] as SaleView), 2 * PRICE_FEN, null],
      ['refund', firstRefund, -PRICE_FEN, payRef(sales[0] as SaleView)],
    ]);
    for (const [source, file] of [['card', `card-settlement-detail-${DATE}.csv`], ['settlement', `card-settlement-${DATE}.csv`]] as const) {
      await importStatementFile(t.ctx, { source, fileName: file, bytes: fs.readFileSync(path.join(dir, 'out', file)) });
    }
    expect(out.cardLines).toBe(3);
    const clean = await runReconciliation(t.ctx, { date: DATE });
    expect(clean.exceptions).toEqual([]);
    expect(clean.stores.find((s) => s.storeCode === 'S001' && s.channel === 'card')).toMatchObject({ matched: 3, pending: 0, exceptions: 0 }); // two payments, one refund

    // A second return after the file was written: the acquirer has no row for it.
    await giveBack(sales[1] as SaleView);
    const [, secondRefund] = await refundRefs();
    // A late file: the first refund's row ten fen short, and a refund made on the terminal alone.
    const journal = cardFileRows(loadCardJournal(sandboxJournals(dir).card), DATE).filter((r) => r.reference !== secondRefund);
    const edited = journal.map((r) => (r.reference === firstRefund ? { ...r, amountFen: PRICE_FEN - 10, feeFen: 30 } : r));
    const terminalOnly = { ...(journal[0] as (typeof journal)[0]), kind: 'refund' as const, reference: '777777000001', voucher: '999999', time: `${DATE} 15:00:00`, amountFen: 1500, feeFen: 9, originalReference: payRef(sales[1] as SaleView) };
    const late = formatCardFile([...edited, terminalOnly]);
    expect((await importStatementFile(t.ctx, { source: 'card', fileName: 'card-late.csv', bytes: late })).alreadyImported).toBe(false);
    const run = await runReconciliation(t.ctx, { date: DATE });
    const refundCases = run.exceptions.filter((e) => e.channel === 'card' && e.code !== 'SETTLEMENT_MISMATCH');
    expect(refundCases.map((e) => ['refundNo' in e ? e.refundNo : null, e.code, 'posAmountFen' in e ? e.posAmountFen : null, 'channelAmountFen' in e ? e.channelAmountFen : null, e.amountFen])).toEqual([
      [firstRefund, 'AMOUNT_MISMATCH', PRICE_FEN, PRICE_FEN - 10, PRICE_FEN - (PRICE_FEN - 10)], // ten fen less given back than the till says
      ['777777000001', 'REFUND_CHANNEL_ONLY', null, 1500, -1500],
      [secondRefund, 'REFUND_POS_ONLY', PRICE_FEN, null, PRICE_FEN],
    ]);
    expect(refundCases.map((e) => ('merchantOrderNo' in e ? e.merchantOrderNo : null))).toEqual([payRef(sales[0] as SaleView), payRef(sales[1] as SaleView), payRef(sales[1] as SaleView)]);

    // The same files again, and the same run: nothing changes.
    expect((await importStatementFile(t.ctx, { source: 'card', fileName: 'card-late-again.csv', bytes: late })).alreadyImported).toBe(true);
    expect(await runReconciliation(t.ctx, { date: DATE })).toEqual(run);
  });
});
