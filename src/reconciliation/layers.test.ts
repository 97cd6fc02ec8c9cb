// Reconciliation's three layers and cash on a day sold through the sandboxes, on both databases:
// a clean day matches everywhere; each fault the sandbox export injects is found with its code and
// amount; the exceptions are recorded once and worked (assign, note, manual match, write-off), audited.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../platform/db/index';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { configureWallets } from '../payments/index';
import { wechatChannel, type WechatConfig } from '../payments/wechat-client';
import { alipayChannel, type AlipayConfig } from '../payments/alipay-client';
import { startDemoWallets, type DemoWallets } from '../sandbox/demo-wallets';
import { exportSandboxBills, type SandboxExport } from '../sandbox/export';
import { DEMO_ALIPAY, DEMO_WECHAT } from '../sandbox/demo-merchants';
import type { CartView } from '../checkout/cart';
import type { SaleView } from '../checkout/index';
import { importStatementFile, type ImportSource } from './import';
import { runReconciliation, type ReconRun, type RunException } from './run';
import { recordReconciliation } from './exceptions';
import { summariseBillLines } from './match-settlement';
import { parseWechatBill } from './wechat-bill';
import { parseAlipayBill } from './alipay-bill';
import { formatSettlementFile } from './settlement-file';

const EAN = withCheckDigit('690000000301');
const DATE = '2026-11-30'; // the test clock starts at 10:00 Beijing time that day
const DAY_MS = 86_400_000;
const WECHAT_CODE = '134567890123456700';
const ALIPAY_CODE = '281234567890123420';

/** What an exception is about, to compare with what the sandbox says it broke. */
const subject = (e: RunException) => ('merchantOrderNo' in e ? e.merchantOrderNo : e.channel);

/**
 * A day at S001 sold through the sandboxes, in a fresh database: 12 wallet sales (6 WeChat, 6
 * Alipay), a return refunded to WeChat at the till, a refund made in the WeChat portal (no till),
 * and a shift closed ¥0.50 short.
 */
function useSoldDay(handle: () => DbHandle) {
  const day = { t: undefined as unknown as TestApp, wallets: undefined as unknown as DemoWallets, dir: fs.mkdtempSync(path.join(os.tmpdir(), 'tp-recon-layers-')), sales: [] as SaleView[] };
  let token = '';
  const call = (opts: InjectOptions) => day.t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
  const sell = async (qty: number, tender: { method: string; authCode?: string }) => {
    const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    const priced = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN, qty } })).json() as CartView;
    await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { ...tender, amountFen: priced.dueFen } });
    const sale = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` })).json() as SaleView;
    day.sales.push(sale);
    return sale;
  };
  beforeAll(async () => {
    const t = await startTestApp(handle(), { products: 0 });
    day.t = t;
    await importSkus(t.ctx, [{ code: 'R-MILK', name: '纯牛奶 1L', unit: 'piece', categoryCode: 'C3004', priceFen: 1290, costFen: 900, plu: null, barcodes: [EAN], active: true, components: [] }]);
    day.wallets = await startDemoWallets({ clock: t.clock, dataDir: day.dir, timeoutMs: 2000 });
    configureWallets('*', { ...day.wallets.settings, wait: async (ms) => t.clock.advance(ms) });
    token = await t.openTill();
    for (let qty = 1; qty <= 6; qty++) {
      await sell(qty, { method: 'wechat', authCode: WECHAT_CODE });
      await sell(qty + 1, { method: 'alipay', authCode: ALIPAY_CODE });
    }
    const back = await call({ method: 'POST', url: '/api/v1/returns', payload: { receiptNo: day.sales[0]?.receiptNo, lines: [{ lineNo: 1, qty: 1 }], reasonCode: 'changed_mind' } });
    expect(back.statusCode, back.body).toBe(201);
    const paid = day.sales[2] as SaleView;
    const settings = day.wallets.settings.wechat;
    if (!settings) throw new Error('the demo wallets have no WeChat settings');
    await wechatChannel(settings).refund({ merchantOrderNo: orderOf(paid), refundNo: 'PORTAL-R1', refundFen: 100, totalFen: paid.totalFen, reason: 'portal' });
    await sell(1, { method: 'cash' });
    const shift = await t.ctx.db.selectFrom('shifts').select('id').where('status', '=', 'open').executeTakeFirstOrThrow();
    const closed = await call({ method: 'POST', url: `/api/v1/shifts/${shift.id}/close`, payload: { countedFen: 1240 } });
    expect(closed.statusCode, closed.body).toBe(200);
  });
  afterAll(async () => {
    await day.wallets.close();
    await day.t.close();
    fs.rmSync(day.dir, { recursive: true, force: true });
  });
  return day;
}

const orderOf = (sale: SaleView) => sale.tenders.find((x) => x.method !== 'cash')?.merchantOrderNo ?? 'missing';

/** Imports an export's bills, settlements and bank statements (of the formats given); `onThread`: bills read on a bill thread, as a big one would be. */
async function importAll(t: TestApp, out: SandboxExport, bankFormats: string[] = ['.mt940'], onThread = false) {
  const results = [];
  for (const file of out.files) {
    const name = path.basename(file);
    const source: ImportSource | null = name.startsWith('wechat-tradebill') ? 'wechat' : name.endsWith('.zip') ? 'alipay' : name.includes('-settlement-') ? 'settlement' : name.startsWith('bank-statement') && bankFormats.some((f) => name.endsWith(f)) ? 'bank' : null;
    if (source) results.push(await importStatementFile(t.ctx, { source, fileName: name, bytes: fs.readFileSync(file), profile: name.endsWith('.csv') ? 'icbc' : undefined }, onThread ? { threadMinBytes: 0 } : {}));
  }
  return results;
}

describeEachDb('reconciliation layers: a clean day', (handle) => {
  const day = useSoldDay(handle);

  it('every tender, refund, settlement and bank credit matched; the portal refund, the short drawer flagged', async () => {
    const { t, sales } = day;
    const out = exportSandboxBills({ dataDir: day.dir, date: DATE, outDir: path.join(day.dir, 'clean'), wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account });
    expect(out.settlements.map((s) => [s.channel, s.batchId, s.settleDate])).toEqual([
      ['wechat', 'WX20261130', '2026-12-01'],
      ['alipay', 'AP20261130', '2026-12-01'],
    ]);
    // The statement in all three formats: the same credits count once. The bills are read on a
    // bill thread, as a chain's big day is: the rest of this test is what that path gives.
    const imported = await importAll(t, out, ['.mt940', '.camt053.xml', '.csv'], true);
    expect(imported.every((r) => !r.alreadyImported)).toBe(true);
    const before = await runReconciliation(t.ctx, { date: DATE });
    // On the day itself the bank credits (T+1) may still come: pending, not exceptions.
    expect(before.layers.settlement).toEqual({ matched: 2, pending: 0, exceptions: 0 });

    t.clock.advance(4 * DAY_MS);
    const run = await runReconciliation(t.ctx, { date: DATE });
    expect(run.layers).toEqual({
      sales: { matched: 13, pending: 0, exceptions: 1 }, // 12 wallet tenders + the till's refund
      settlement: { matched: 2, pending: 0, exceptions: 0 },
      bank: { matched: 2, pending: 0, exceptions: 0 },
      cash: { matched: 0, pending: 0, exceptions: 1 },
    });
    expect(run.exceptions).toEqual([
      expect.objectContaining({ code: 'REFUND_CHANNEL_ONLY', channel: 'wechat', merchantOrderNo: orderOf(sales[2] as SaleView), refundNo: 'PORTAL-R1', channelAmountFen: 100, amountFen: -100 }),
      expect.objectContaining({ code: 'CASH_SHORT', channel: 'cash', overShortFen: -50, expectedFen: 1290, countedFen: 1240, amountFen: -50, cashierName: expect.any(String) }),
    ]);
    expect(run.stores.find((s) => s.storeCode === 'S001' && s.channel === 'wechat')).toMatchObject({ matched: 7, exceptions: 0 });
    expect(run.stores.find((s) => s.storeId === null && s.channel === 'wechat')).toMatchObject({ matched: 1, exceptions: 1 });

    // A store's own run (its manager's view) shows the gaps of its sales only: the portal refund,
    // which no till made, is the chain's — and a store that sold nothing that day does not see
    // S001's payments as paid-without-a-sale (掉单).
    const s001 = (await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow()).id;
    const own = await runReconciliation(t.ctx, { date: DATE, storeIds: [s001] });
    expect(own.layers.sales).toEqual({ matched: 13, pending: 0, exceptions: 0 });
    expect(own.exceptions.map((e) => e.code)).toEqual(['CASH_SHORT']);
    const s002 = (await t.ctx.db.selectFrom('stores').select('id').where('code', '=', 'S002').executeTakeFirstOrThrow()).id;
    const other = await runReconciliation(t.ctx, { date: DATE, storeIds: [s002] });
    expect([other.layers.sales, other.exceptions]).toEqual([{ matched: 0, pending: 0, exceptions: 0 }, []]);

    // The same files again change nothing.
    expect((await importAll(t, out)).every((r) => r.alreadyImported)).toBe(true);
    expect((await runReconciliation(t.ctx, { date: DATE })).summary).toEqual(run.summary);
    t.clock.advance(-4 * DAY_MS);
  });
});

describeEachDb('reconciliation layers: faults injected by the sandbox export', (handle) => {
  const day = useSoldDay(handle);

  it('finds every fault injected, with its code and amount', async () => {
    const { t, sales } = day;
    const out = exportSandboxBills({ dataDir: day.dir, date: DATE, outDir: path.join(day.dir, 'faulty'), wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account, faults: { rate: 0.5, seed: 11 } });
    expect(new Set(out.faults.map((f) => f.kind)).size).toBeGreaterThanOrEqual(4);
    await importAll(t, out);
    t.clock.advance(4 * DAY_MS);
    const run = await runReconciliation(t.ctx, { date: DATE });
    t.clock.advance(-4 * DAY_MS);
    // Besides the day's own two (the portal refund, the short drawer): exactly the faults.
    const found = run.exceptions.filter((e) => e.code !== 'REFUND_CHANNEL_ONLY' && e.code !== 'CASH_SHORT');
    expect(found.map((e) => [e.code, subject(e)]).sort()).toEqual(out.faults.map((f) => [f.expectedCode, f.merchantOrderNo ?? f.channel]).sort());
    const tender = (orderNo: string) => sales.find((s) => orderOf(s) === orderNo)?.totalFen ?? 0;
    for (const e of found) {
      const orderNo = subject(e);
      const amounts: Record<string, number> = { POS_ONLY: -tender(orderNo), AMOUNT_MISMATCH: 1, DUPLICATE: tender(orderNo), FEE_MISMATCH: -5 };
      if (amounts[e.code] !== undefined) expect([e.code, e.amountFen]).toEqual([e.code, amounts[e.code]]);
      if (e.code === 'SETTLEMENT_MISMATCH') expect(e).toMatchObject({ amountFen: -1, differences: [{ figure: 'fees', difference: 1 }, { figure: 'net', difference: -1 }] });
    }
  });

  it('resolves what the customer was charged too much by the refund made to them, with its reference; nothing else', async () => {
    const { t } = day;
    // The same faulty day as above (imported again if this test runs alone: the same files change nothing).
    await importAll(t, exportSandboxBills({ dataDir: day.dir, date: DATE, outDir: path.join(day.dir, 'faulty'), wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account, faults: { rate: 0.5, seed: 11 } }));
    t.clock.advance(4 * DAY_MS);
    const finance = await t.login('finance');
    const call = (url: string, payload: Record<string, string>) => t.tp.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${finance}` } });
    const run = await recordReconciliation(t.ctx, { date: DATE });
    const first = (code: string) => run.exceptions.find((e) => e.code === code) as RunException & { id: string };
    // The bill charged a fen more than the till: that fen goes back to the customer.
    const overcharged = first('AMOUNT_MISMATCH');
    const view = async (id: string) => (await t.tp.app.inject({ method: 'GET', url: `/api/v1/recon/exceptions/${id}`, headers: { authorization: `Bearer ${finance}` } })).json() as { refundable: boolean };
    // What the drawer offers: a refund for the overcharge, none for the drawer short.
    expect([(await view(overcharged.id)).refundable, (await view(first('CASH_SHORT').id)).refundable]).toEqual([true, false]);
    const badRef = await call(`/api/v1/recon/exceptions/${overcharged.id}/refund`, { reference: '退款 1' });
    expect([badRef.statusCode, (badRef.json() as { code: string }).code]).toEqual([400, 'VALIDATION_FAILED']);
    const refunded = await call(`/api/v1/recon/exceptions/${overcharged.id}/refund`, { reference: '50300000000001', note: '多扣 1 分，已在商户平台退回' });
    expect(refunded.json()).toMatchObject({ status: 'resolved', resolutionKind: 'refund', amountFen: 1, resolution: '50300000000001 · 多扣 1 分，已在商户平台退回', events: [{ action: 'opened' }, { action: 'refunded' }] });
    // A fee off the contract, a refund the channel made without the till, a drawer short: no money the customer overpaid.
    for (const code of ['FEE_MISMATCH', 'REFUND_CHANNEL_ONLY', 'CASH_SHORT']) {
      const refused = await call(`/api/v1/recon/exceptions/${first(code).id}/refund`, { reference: 'R1' });
      expect([code, refused.statusCode, (refused.json() as { code: string }).code]).toEqual([code, 409, 'EXCEPTION_NOT_REFUNDABLE']);
    }
    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'doc_id']).where('doc_type', '=', 'recon_exception').execute();
    expect(audit.filter((a) => a.doc_id === overcharged.id).map((a) => a.action)).toEqual(['recon.exception.refunded']);
    // Run again: it stays resolved.
    expect((await recordReconciliation(t.ctx, { date: DATE })).exceptions.find((e) => e.id === overcharged.id)?.status).toBe('resolved');

    // The refund, made in the merchant portal under that number, is on the next bill: explained by
    // the resolution. Another portal refund of a sale, recorded nowhere, is a refund no till made.
    const refundAt = (channel: string) => (channel === 'wechat' ? wechatChannel(day.wallets.settings.wechat as WechatConfig) : alipayChannel(day.wallets.settings.alipay as AlipayConfig));
    const order = subject(overcharged);
    const sold = day.sales.find((x) => orderOf(x) !== order && x.tenders.some((tn) => tn.method === overcharged.channel)) as SaleView;
    const paidFen = day.sales.find((x) => orderOf(x) === order)?.totalFen ?? 0;
    await refundAt(overcharged.channel).refund({ merchantOrderNo: order, refundNo: '50300000000001', refundFen: 1, totalFen: paidFen, reason: 'overcharged' });
    await refundAt(overcharged.channel).refund({ merchantOrderNo: orderOf(sold), refundNo: 'PORTAL-R9', refundFen: 100, totalFen: sold.totalFen, reason: 'goodwill' });
    const later = '2026-12-04';
    await importAll(t, exportSandboxBills({ dataDir: day.dir, date: later, outDir: path.join(day.dir, 'later'), wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account }));
    const next = await runReconciliation(t.ctx, { date: later });
    expect(next.exceptions.filter((e) => e.code === 'REFUND_CHANNEL_ONLY').map((e) => ('refundNo' in e ? e.refundNo : null))).toEqual(['PORTAL-R9']);
    t.clock.advance(-4 * DAY_MS);
  });
});

describeEachDb('reconciliation layers: windows and recorded exceptions', (handle) => {
  const day = useSoldDay(handle);

  it('pending while the windows are open, exceptions after; a re-run updates the recorded exceptions, never duplicates them', async () => {
    const { t } = day;
    const out = exportSandboxBills({ dataDir: day.dir, date: DATE, outDir: path.join(day.dir, 'late'), wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account, faults: { rate: 1, seed: 3, kinds: ['late-settlement', 'bank-missing'] } });
    await importAll(t, out);
    const money = (run: ReconRun) => run.exceptions.filter((e) => e.code.startsWith('SETTLEMENT') || e.code === 'BANK_UNMATCHED').map((e) => [e.code, e.channel, e.amountFen]);
    t.clock.advance(DAY_MS); // T+1
    const early = await recordReconciliation(t.ctx, { date: DATE });
    expect(money(early)).toEqual([]);
    expect(early.layers.settlement.pending + early.layers.bank.pending).toBe(2);

    t.clock.advance(3 * DAY_MS); // T+4: both windows closed
    const billNet = (channel: 'wechat' | 'alipay') => {
      const file = out.files.find((f) => (channel === 'wechat' ? path.basename(f).startsWith('wechat-tradebill') : f.endsWith('.zip'))) ?? '';
      const lines = channel === 'wechat' ? parseWechatBill(fs.readFileSync(file)).lines : parseAlipayBill(fs.readFileSync(file)).lines;
      return summariseBillLines(lines).get(channel)?.netFen ?? 0;
    };
    const late = await recordReconciliation(t.ctx, { date: DATE });
    expect(out.faults).toHaveLength(2);
    expect(money(late).sort()).toEqual(out.faults.map((f) => [f.expectedCode, f.channel, -billNet(f.channel === 'wechat' ? 'wechat' : 'alipay')]).sort());
    const again = await recordReconciliation(t.ctx, { date: DATE });
    expect(again.exceptions.map((e) => e.id)).toEqual(late.exceptions.map((e) => e.id));
    expect(again.exceptions.every((e) => e.status === 'open')).toBe(true);
    const rows = await t.ctx.db.selectFrom('recon_exceptions').select('key').where('business_date', '=', DATE).execute();
    expect(rows).toHaveLength(late.exceptions.length);
    t.clock.advance(-4 * DAY_MS);
  });

  it('finance works the exceptions over HTTP: assign, note, manual match, write-off — each audited; a re-run keeps them', async () => {
    const { t } = day;
    t.clock.advance(4 * DAY_MS);
    const finance = await t.login('finance');
    const cashier = await t.login('cashier');
    const call = (opts: InjectOptions, as = finance) => t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${as}` } });
    expect((await call({ method: 'POST', url: '/api/v1/recon/runs', payload: { date: DATE } }, cashier)).statusCode).toBe(403);
    const recorded = await call({ method: 'POST', url: '/api/v1/recon/runs', payload: { date: DATE } });
    expect(recorded.statusCode, recorded.body).toBe(200);
    const list = (await call({ method: 'GET', url: `/api/v1/recon/exceptions?date=${DATE}&status=open` })).json() as ReconRun;
    const byCode = (code: string) => list.exceptions.find((e) => e.code === code) as RunException & { id: string };
    const cash = byCode('CASH_SHORT');
    const portal = byCode('REFUND_CHANNEL_ONLY');
    const money = list.exceptions.find((e) => e.code === 'SETTLEMENT_MISSING' || e.code === 'BANK_UNMATCHED') as RunException & { id: string };
    expect([cash.id, portal.id, money.id].every(Boolean)).toBe(true);
    expect((await call({ method: 'GET', url: `/api/v1/recon/exceptions?date=${DATE}&code=CASH_SHORT` })).json()).toMatchObject({ exceptions: [{ code: 'CASH_SHORT', amountFen: -50, status: 'open' }] });

    const refused = await call({ method: 'POST', url: `/api/v1/recon/exceptions/${cash.id}/write-off`, payload: { reason: 'short' } }, cashier);
    expect(refused.statusCode).toBe(403);
    const assigned = await call({ method: 'POST', url: `/api/v1/recon/exceptions/${cash.id}/assign`, payload: { username: 'finance' } });
    expect(assigned.json()).toMatchObject({ status: 'assigned', assigneeName: expect.any(String) });
    await call({ method: 'POST', url: `/api/v1/recon/exceptions/${cash.id}/notes`, payload: { text: 'Asked the cashier; no receipt for the 5 jiao.' } });
    const written = await call({ method: 'POST', url: `/api/v1/recon/exceptions/${cash.id}/write-off`, payload: { reason: 'Drawer short by ¥0.50, below the tolerance' } });
    expect(written.json()).toMatchObject({ status: 'written_off', resolutionKind: 'write_off', amountFen: -50, events: [{ action: 'opened' }, { action: 'assigned' }, { action: 'noted' }, { action: 'written_off', note: 'Drawer short by ¥0.50, below the tolerance' }] });
    const twice = await call({ method: 'POST', url: `/api/v1/recon/exceptions/${cash.id}/write-off`, payload: { reason: 'again please' } });
    expect(twice.json()).toMatchObject({ code: 'EXCEPTION_CLOSED' });

    const matched = await call({ method: 'POST', url: `/api/v1/recon/exceptions/${portal.id}/resolve`, payload: { note: 'Goodwill refund from the portal', matchedExceptionId: money.id } });
    expect(matched.json()).toMatchObject({ status: 'resolved', resolutionKind: 'manual_match' });
    expect((await call({ method: 'GET', url: `/api/v1/recon/exceptions/${money.id}` })).json()).toMatchObject({ status: 'resolved', resolution: expect.stringContaining('REFUND_CHANNEL_ONLY') });

    const audit = await t.ctx.db.selectFrom('audit_log').select(['action', 'doc_id']).where('doc_type', '=', 'recon_exception').execute();
    expect(audit.filter((a) => a.doc_id === cash.id).map((a) => a.action)).toEqual(['recon.exception.assigned', 'recon.exception.noted', 'recon.exception.written_off']);
    expect(audit.filter((a) => a.action === 'recon.exception.resolved')).toHaveLength(2);

    // Run again: the same rows, their outcomes kept.
    const again = (await call({ method: 'POST', url: '/api/v1/recon/runs', payload: { date: DATE } })).json() as ReconRun;
    expect(again.exceptions.filter((e) => e.id === cash.id || e.id === portal.id).map((e) => e.status).sort()).toEqual(['resolved', 'written_off']);
    expect((await call({ method: 'GET', url: `/api/v1/recon/exceptions?date=${DATE}&status=open` })).json()).toMatchObject({ exceptions: expect.not.arrayContaining([expect.objectContaining({ id: cash.id })]) });
    t.clock.advance(-4 * DAY_MS);
  });

  it('refuses a settlement file that does not add up, naming the line; nothing imported', async () => {
    const { t } = day;
    const finance = await t.login('finance');
    const bad = formatSettlementFile([{ channel: 'wechat', merchantId: '10000100', businessDate: DATE, settleDate: '2026-12-01', batchId: 'WXBAD', count: 1, grossFen: 1000, feeFen: 6, refundFen: 0, netFen: 995, line: 3 }]);
    const res = await t.tp.app.inject({ method: 'POST', url: '/api/v1/recon/imports?source=settlement', payload: bad, headers: { authorization: `Bearer ${finance}`, 'content-type': 'application/octet-stream' } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'SETTLEMENT_FILE_INVALID', details: { line: 3 }, detail: expect.stringMatching(/^Line 3: net 9\.95 is not gross 10\.00 − fees 0\.06 − refunds 0\.00 = 9\.94/) });
    expect(await t.ctx.db.selectFrom('settlements').select('id').where('batch_id', '=', 'WXBAD').execute()).toEqual([]);
  });
});

describe('fault injection', () => {
  it('the same seed gives the same faults; every kind comes up over a few seeds', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-recon-faults-'));
    const journal = path.join(dir, 'sandbox', 'wechat-orders.jsonl');
    fs.mkdirSync(path.dirname(journal), { recursive: true });
    const paidAt = Date.parse('2026-11-30T02:00:00Z');
    fs.writeFileSync(journal, Array.from({ length: 20 }, (_, i) => JSON.stringify({ outTradeNo: `S001F${i}`, transactionId: `4200${i}`, totalFee: 1000 + i, authCode: WECHAT_CODE, state: 'SUCCESS', createdAt: paidAt, paidAt })).join('\n'));
    const run = (seed: number) => exportSandboxBills({ dataDir: dir, date: DATE, outDir: path.join(dir, `out-${seed}`), wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account, faults: { rate: 0.5, seed } }).faults;
    expect(run(5)).toEqual(run(5));
    const kinds = new Set(Array.from({ length: 20 }, (_, seed) => run(seed).map((f) => f.kind)).flat());
    expect([...kinds].sort()).toEqual(['amount', 'bank-missing', 'drop', 'duplicate', 'fee', 'late-settlement', 'settlement-off']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
