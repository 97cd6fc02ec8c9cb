// Layer 3 beyond one batch, one credit, on both databases: a wallet's automatic withdrawal paying
// two days' settlements with one credit, and the stores' cash deposits met with the bank's cash
// deposit credits — exact, short, missing after the window, and a deposit credit no store recorded.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { createStore } from '../platform/stores/service';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import type { CartView } from '../checkout/cart';
import type { BankLine } from './types';
import { formatMt940 } from './bank-mt940';
import { formatSettlementFile, type SettlementBatch } from './settlement-file';
import { importStatementFile } from './import';
import { runReconciliation, type ReconRun } from './run';
import { recordReconciliation } from './exceptions';

const EAN = withCheckDigit('690000000349');
const DATE = '2026-11-30'; // the test clock starts at 10:00 Beijing time that day
const DAY_MS = 86_400_000;
const PRICE_FEN = 12_345;

const batch = (businessDate: string, netFen: number, line: number): SettlementBatch => ({ channel: 'wechat', merchantId: '10000100', businessDate, settleDate: businessDate, batchId: `WX${businessDate.replace(/-/g, '')}`, count: 1, grossFen: netFen, feeFen: 0, refundFen: 0, netFen, line });
const credit = (valueDate: string, amountFen: number, counterparty: string | null, reference: string | null, description: string): BankLine => ({ valueDate, bookingDate: valueDate, amountFen, currency: 'CNY', counterparty, reference, description, line: 0 });
const statement = (date: string, lines: BankLine[]) =>
  Buffer.from(formatMt940([{ account: '6222000000000001', currency: 'CNY', openingFen: 1_000_000, closingFen: lines.reduce((sum, l) => sum + l.amountFen, 1_000_000), fromDate: date, toDate: date, lines }], `STMT${date.replace(/-/g, '')}`));
/** Layer 3's exceptions as a clerk reads them. */
const bankCases = (run: ReconRun) =>
  run.exceptions
    .filter((e) => e.code === 'BANK_UNMATCHED' || ('side' in e && e.side === 'deposit'))
    .map((e) => [e.code, e.channel, run.stores.find((s) => s.storeId === e.storeId)?.storeCode ?? null, 'depositFen' in e ? e.depositFen : null, 'bankFen' in e ? e.bankFen : 'side' in e ? e.side : null, e.amountFen]);

describeEachDb('reconciliation: bank credits paying several batches, and cash deposits', (handle) => {
  let t: TestApp;
  let countedFen = 0;

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [{ code: 'B-TEA', name: '龙井 250g', unit: 'piece', categoryCode: 'C3004', priceFen: PRICE_FEN, costFen: 8000, plu: null, barcodes: [EAN], active: true, components: [] }]);
    await createStore(t.ctx, { code: 'S003', name: '三店' });
    // S001 sells twice for cash and closes the till with exactly the drawer's cash.
    const token = await t.openTill();
    const call = (opts: InjectOptions) => t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
    for (const qty of [1, 2]) {
      const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
      await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN, qty } });
      await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'cash', amountFen: PRICE_FEN * qty } });
      expect((await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` })).statusCode).toBe(200);
    }
    countedFen = 3 * PRICE_FEN;
    const shift = await t.ctx.db.selectFrom('shifts').select('id').where('status', '=', 'open').executeTakeFirstOrThrow();
    expect((await call({ method: 'POST', url: `/api/v1/shifts/${shift.id}/close`, payload: { countedFen } })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('one WeChat withdrawal pays two days of settlements; a credit a fen off pays none', async () => {
    const yesterday = '2026-11-29';
    await importStatementFile(t.ctx, { source: 'settlement', fileName: 'wx.csv', bytes: formatSettlementFile([batch(yesterday, 150_000, 3), batch(DATE, 250_000, 4)]) });
    // 自动提现 on T+1 of the later day: 1,500.00 + 2,500.00 in one credit.
    await importStatementFile(t.ctx, { source: 'bank', fileName: 'bank-1201.mt940', bytes: statement('2026-12-01', [credit('2026-12-01', 400_000, '财付通支付科技有限公司', 'TX1201', '微信支付自动提现')]) });
    t.clock.advance(4 * DAY_MS);
    for (const date of [yesterday, DATE]) {
      const run = await runReconciliation(t.ctx, { date });
      expect(run.layers.bank).toEqual({ matched: 1, pending: 0, exceptions: 0 });
      expect(run.channels.find((c) => c.channel === 'wechat')?.inTransitFen).toBe(0);
    }
    // The same statement again changes nothing.
    expect((await importStatementFile(t.ctx, { source: 'bank', fileName: 'bank-1201-again.mt940', bytes: statement('2026-12-01', [credit('2026-12-01', 400_000, '财付通支付科技有限公司', 'TX1201', '微信支付自动提现')]) })).alreadyImported).toBe(true);
    t.clock.advance(-4 * DAY_MS);

    // Two Alipay days and a withdrawal a fen short of them: after the window both days and the credit are BANK_UNMATCHED.
    await importStatementFile(t.ctx, { source: 'settlement', fileName: 'ap.csv', bytes: formatSettlementFile([{ ...batch('2026-11-20', 10_000, 3), channel: 'alipay', batchId: 'AP20261120' }, { ...batch('2026-11-21', 20_000, 4), channel: 'alipay', batchId: 'AP20261121' }]) });
    await importStatementFile(t.ctx, { source: 'bank', fileName: 'bank-1122.mt940', bytes: statement('2026-11-22', [credit('2026-11-22', 29_999, '支付宝（中国）网络技术有限公司', 'TX1122', '支付宝提现')]) });
    const run = await runReconciliation(t.ctx, { date: '2026-11-21' });
    expect(bankCases(run)).toEqual([
      ['BANK_UNMATCHED', 'alipay', null, null, 'settlement', -20_000],
      ['BANK_UNMATCHED', 'alipay', null, null, 'bank', 29_999],
    ]);
  });

  it("meets each store's deposit with the bank's cash deposit credit: exact, short, missing after the window, unexplained", async () => {
    const finance = await t.login('finance');
    const manager = await t.login('manager');
    const as = (token: string) => (opts: InjectOptions) => t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
    // S001: the day's counted cash, by default; S002 and S003 give the amount they took.
    const s001 = await as(manager)({ method: 'POST', url: '/api/v1/recon/cash-deposits', payload: { store: 'S001', businessDate: DATE, slipNo: 'JK20261130001' } });
    expect(s001.statusCode, s001.body).toBe(201);
    expect(s001.json()).toEqual({ storeCode: 'S001', businessDate: DATE, amountFen: countedFen, countedFen, slipNo: 'JK20261130001' });
    const admin = await t.login('admin');
    for (const [store, amountFen] of [['S002', 80_000], ['S003', 55_500]] as const) {
      const res = await as(finance)({ method: 'POST', url: '/api/v1/recon/cash-deposits', payload: { store, businessDate: DATE, amountFen } });
      expect(res.statusCode, res.body).toBe(201);
    }
    // Bad input: a store with no closed shift and no amount; a slip number with spaces. Nothing written.
    const noShift = await as(finance)({ method: 'POST', url: '/api/v1/recon/cash-deposits', payload: { store: 'S002', businessDate: '2026-11-28' } });
    expect([noShift.statusCode, (noShift.json() as { detail: string }).detail]).toEqual([400, 'Store S002 has no closed shift on 2026-11-28: close the shifts first, or give the amount deposited.']);
    const badSlip = await as(finance)({ method: 'POST', url: '/api/v1/recon/cash-deposits', payload: { store: 'S002', businessDate: DATE, amountFen: 1, slipNo: 'JK 1' } });
    expect(badSlip.statusCode).toBe(400);
    // HQ's admin neither keeps a till nor does the books.
    expect((await as(admin)({ method: 'POST', url: '/api/v1/recon/cash-deposits', payload: { store: 'S001', businessDate: DATE, amountFen: 1 } })).statusCode).toBe(403);
    expect(Number((await t.ctx.db.selectFrom('cash_deposits').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(3);

    await importStatementFile(t.ctx, {
      source: 'bank',
      fileName: 'bank-cash.mt940',
      bytes: statement('2026-12-01', [
        credit('2026-12-01', countedFen - 1_000, null, 'CD1', '现金存款 缴款单号JK20261130001'), // S001's slip, ¥10.00 short
        credit('2026-12-01', 80_000, null, 'CD2', '现金缴存'), // S002's amount exactly
        credit('2026-12-01', 30_000, null, 'CD3', '现金存款 门店未知'), // nobody recorded it
      ]),
    });
    // While the window is open S003's deposit and the unknown credit are pending.
    const early = await runReconciliation(t.ctx, { date: DATE });
    expect(bankCases(early)).toEqual([['CASH_SHORT', 'cash', 'S001', countedFen, countedFen - 1_000, -1_000]]);
    expect(early.stores.find((s) => s.storeCode === 'S002' && s.channel === 'cash')).toMatchObject({ matched: 1 });
    // A store's own run (its manager's view) has its own deposit: S003's is still awaited.
    const idOf = async (code: string) => (await t.ctx.db.selectFrom('stores').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;
    const own = async (code: string, date = DATE) => runReconciliation(t.ctx, { date, storeIds: [await idOf(code)] });
    expect((await own('S003')).layers.bank).toEqual({ matched: 0, pending: 1, exceptions: 0 });

    t.clock.advance(4 * DAY_MS);
    const late = await recordReconciliation(t.ctx, { date: DATE });
    expect(bankCases(late)).toEqual([
      ['CASH_SHORT', 'cash', 'S001', countedFen, countedFen - 1_000, -1_000],
      ['BANK_UNMATCHED', 'cash', 'S003', 55_500, null, -55_500],
    ]);
    // Each store's own run: its deposit, neither the other stores' nor the chain's.
    expect(bankCases(await own('S001'))).toEqual([['CASH_SHORT', 'cash', 'S001', countedFen, countedFen - 1_000, -1_000]]);
    const s002 = await own('S002');
    expect([bankCases(s002), s002.layers.bank, s002.layers.settlement]).toEqual([[], { matched: 1, pending: 0, exceptions: 0 }, { matched: 0, pending: 0, exceptions: 0 }]);
    expect(bankCases(await own('S003'))).toEqual([['BANK_UNMATCHED', 'cash', 'S003', 55_500, null, -55_500]]);
    // The unknown credit is pending until the window of the deposits it could be (12-01 and the three days before) closes.
    expect(bankCases(await runReconciliation(t.ctx, { date: '2026-12-01' }))).toEqual([]);
    t.clock.advance(DAY_MS);
    const unexplained = await runReconciliation(t.ctx, { date: '2026-12-01' });
    expect(bankCases(unexplained)).toEqual([['BANK_UNMATCHED', 'cash', null, null, 30_000, 30_000]]);
    // A credit no deposit explains is the chain's: in no store's run.
    expect(bankCases(await own('S001', '2026-12-01'))).toEqual([]);
    // The calendar of a store's own days, as its dashboard shows them: S003 has its missing deposit only; the chain has S001's and S003's.
    const clerk = as(await t.login('finance')); // four days on: a new session
    const calendar = async (query: string) => ((await clerk({ method: 'GET', url: `/api/v1/recon/calendar?month=2026-11${query}` })).json() as { days: Array<{ date: string; open: number }> }).days;
    expect(await calendar('&store=S003')).toEqual([{ date: DATE, open: 1, total: 1, openAmountFen: 55_500 }]);
    const open = async (query: string) => (await calendar(query)).find((d) => d.date === DATE)?.open ?? 0;
    expect(await open('')).toBeGreaterThanOrEqual((await open('&store=S001')) + (await open('&store=S003')));
    // Run again: the same exceptions under the same ids.
    const again = await recordReconciliation(t.ctx, { date: DATE });
    expect(again.exceptions.map((e) => [e.key, e.id])).toEqual(late.exceptions.map((e) => [e.key, e.id]));

    // The bank's words are configuration: without 现金缴存 S002's credit is no cash deposit.
    const put = await as(await t.login('finance'))({ method: 'PUT', url: '/api/v1/recon/settings', payload: { store: 'S001', cashDepositWords: ['现金存款'] } });
    expect(put.json()).toMatchObject({ store: 'S001', fetchAt: '10:00', cashDepositWords: ['现金存款'] });
    expect(bankCases(await runReconciliation(t.ctx, { date: DATE }))).toContainEqual(['BANK_UNMATCHED', 'cash', 'S002', 80_000, null, -80_000]);
    t.clock.advance(-5 * DAY_MS);
  });
});
