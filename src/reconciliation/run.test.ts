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
import { wechatChannel } from '../payments/wechat-client';
import { startWechatSandbox, type WechatSandbox } from '../sandbox/wechat-pay';
import { exportSandboxBills, sandboxJournals } from '../sandbox/export';
import { DEMO_ALIPAY, DEMO_WECHAT } from '../sandbox/demo-merchants';
import type { CartView } from '../checkout/cart';
import { importStatementFile } from './import';
import { runReconciliation } from './run';

const EAN = withCheckDigit('690000000301');
const DATE = '2026-11-30'; // the test clock starts at 10:00 Beijing time that day

describeEachDb('reconciliation: sales against the WeChat bill', (handle) => {
  let t: TestApp;
  let sandbox: WechatSandbox;
  let token: string;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-recon-run-'));
  const call = (opts: InjectOptions, as = token) => t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${as}` } });
  const sellByWechat = async (qty: number) => {
    const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN, qty } });
    await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: '134567890123456700' } });
    return (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` })).json() as { tenders: Array<{ merchantOrderNo: string }> };
  };
  const importDay = async () => {
    const out = fs.mkdtempSync(path.join(dir, 'bills-'));
    exportSandboxBills({ dataDir: dir, date: DATE, outDir: out, wechat: DEMO_WECHAT, alipayAccount: DEMO_ALIPAY.account });
    return importStatementFile(t.ctx, { source: 'wechat', fileName: 'wx.csv', bytes: fs.readFileSync(path.join(out, `wechat-tradebill-${DATE}.csv`)) });
  };

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [{ code: 'R-MILK', name: '纯牛奶 1L', unit: 'piece', categoryCode: 'C3004', priceFen: 1290, costFen: 900, plu: null, barcodes: [EAN], active: true, components: [] }]);
    sandbox = await startWechatSandbox({ ...DEMO_WECHAT, clock: t.clock, journalFile: sandboxJournals(dir).wechat });
    configureWallets('*', { wechat: { ...DEMO_WECHAT, baseUrl: sandbox.url, timeoutMs: 2000 }, wait: async (ms) => t.clock.advance(ms) });
    token = await t.openTill();
  });
  afterAll(async () => {
    await sandbox.close();
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('holds sales as pending until the bill is in, then matches them and flags money paid without a sale', async () => {
    const sale = await sellByWechat(2);
    expect(await runReconciliation(t.ctx, { date: DATE })).toMatchObject({ summary: { matched: 0, pending: 1, exceptions: 0 } });

    // A charge at WeChat that never became a sale (the till lost it): 掉单.
    await wechatChannel({ ...DEMO_WECHAT, baseUrl: sandbox.url, timeoutMs: 2000 }).pay({ merchantOrderNo: 'S001GHOST000001', amountFen: 880, authCode: '134567890123456700', subject: 'x' });
    expect(await importDay()).toMatchObject({ lines: 2, alreadyImported: false });
    const run = await runReconciliation(t.ctx, { date: DATE });
    // The WeChat settlement (T+1) is not in yet: pending.
    expect(run.summary).toEqual({ matched: 1, pending: 1, exceptions: 1 });
    expect(run.exceptions).toEqual([expect.objectContaining({ code: 'CHANNEL_ONLY', channel: 'wechat', merchantOrderNo: 'S001GHOST000001', channelAmountFen: 880, posAmountFen: null })]);
    // the till's sale is the one matched: its order number is on the bill and in no exception
    const orderNo = sale.tenders[0]?.merchantOrderNo ?? 'missing';
    const billed = await handle().db.selectFrom('channel_lines').select('gross_fen').where('merchant_order_no', '=', orderNo).executeTakeFirstOrThrow();
    expect(billed.gross_fen).toBe(2580);
    expect(run.exceptions.some((e) => e.key.includes(orderNo))).toBe(false);
  });

  it('takes a late re-export of the same day without counting its lines twice', async () => {
    await sellByWechat(1);
    expect(await importDay()).toMatchObject({ lines: 3, alreadyImported: false });
    const run = await runReconciliation(t.ctx, { date: DATE });
    expect(run.summary).toEqual({ matched: 2, pending: 1, exceptions: 1 });
    expect(run.exceptions.map((e) => e.code)).toEqual(['CHANNEL_ONLY']);
  });

  it('shows the exceptions to finance over HTTP, not to a cashier', async () => {
    const finance = await t.login('finance');
    const res = await call({ method: 'GET', url: `/api/v1/recon/exceptions?date=${DATE}` }, finance);
    expect(res.json()).toMatchObject({ date: DATE, summary: { matched: 2, exceptions: 1 } });
    expect((await call({ method: 'GET', url: `/api/v1/recon/exceptions?date=${DATE}` })).statusCode).toBe(403);
  });
});
