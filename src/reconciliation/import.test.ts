import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { runTillpoint } from '../platform/testing/cli';
import { formatWechatBill, type WechatBillRecord } from './wechat-bill';
import { runReconciliation } from './run';

const record = (n: number, over: Partial<WechatBillRecord> = {}): WechatBillRecord => ({
  time: `2026-11-29T1${n}:00:00+08:00`,
  appId: 'wx2421b1c4370ec43b',
  mchId: '10000100',
  deviceInfo: 'S001-T01',
  transactionId: `42000000002026112900000${n}`,
  outTradeNo: `S00120261129000000${n}`,
  openId: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o',
  state: 'SUCCESS',
  totalFen: 1000 * n,
  body: '演示店 消费',
  feeExact: (0.06 * n).toFixed(5),
  rate: '0.60%',
  ...over,
});

const BILL = formatWechatBill({
  lines: [record(1), record(2), record(3, { state: 'REFUND', totalFen: 3000, refundId: '50300000002026112900001', outRefundNo: 'R001', refundFen: 500, feeExact: '-0.03000' })],
});

const MT940 = [
  ':20:STMT261130',
  ':25:ICBKCNBJ/0200001234567890123',
  ':28C:1/1',
  ':60F:C261129CNY1000,00',
  ':61:2611301130C2982,00NTRFWX1130SETTLE//ICBC2611300001',
  ':86:WECHAT PAY SETTLEMENT 2026-11-29',
  ':62F:C261130CNY3982,00',
  '-',
].join('\r\n');

describeEachDb('importing bills and statements', (handle) => {
  let t: TestApp;
  let finance: string;
  const call = (opts: InjectOptions, token = finance) => t.tp.app.inject({ ...opts, headers: { 'content-type': 'application/octet-stream', ...opts.headers, authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    finance = await t.login('finance');
  });
  afterAll(async () => {
    await t.close();
  });

  it('imports a WeChat trade bill once: its lines and totals; the same file again changes nothing', async () => {
    const first = await call({ method: 'POST', url: '/api/v1/recon/imports?source=wechat&fileName=wx-2026-11-29.csv', payload: BILL });
    expect(first.statusCode, first.body).toBe(200);
    // ¥10 + ¥20 paid, ¥5 refunded; fees 6 + 12 fen charged, 3 fen returned on the refund
    expect(first.json()).toMatchObject({ alreadyImported: false, format: 'wechat-all-27', lines: 3, totals: { grossFen: 2500, feeFen: -15, netFen: 2485 } });
    const again = await call({ method: 'POST', url: '/api/v1/recon/imports?source=wechat&fileName=renamed.csv', payload: BILL });
    expect(again.json()).toMatchObject({ alreadyImported: true, lines: 3 });
    const rows = await handle().db.selectFrom('channel_lines').select(['merchant_order_no', 'kind', 'gross_fen', 'line']).orderBy('line').execute();
    expect(rows).toEqual([
      { merchant_order_no: 'S001202611290000001', kind: 'pay', gross_fen: 1000, line: 2 },
      { merchant_order_no: 'S001202611290000002', kind: 'pay', gross_fen: 2000, line: 3 },
      { merchant_order_no: 'S001202611290000003', kind: 'refund', gross_fen: -500, line: 4 },
    ]);
  });

  it('refuses a cut-off bill naming why, and stores nothing of it', async () => {
    const text = BILL.toString('utf8');
    const cut = Buffer.from(text.slice(0, text.indexOf('总交易单数')), 'utf8');
    const res = await call({ method: 'POST', url: '/api/v1/recon/imports?source=wechat', payload: cut });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'BILL_INVALID', detail: expect.stringMatching(/cut off/i) });
    const files = await handle().db.selectFrom('recon_files').select('id').execute();
    expect(files).toHaveLength(1);
  });

  it('imports a store’s own bill for that store: what no sale explains on it is that store’s, in the chain’s run and in its own', async () => {
    const own = formatWechatBill({ lines: [record(4, { time: '2026-11-28T10:00:00+08:00', outTradeNo: 'S002202611280000004', transactionId: '4200000000202611280000004' })] });
    const unknown = await call({ method: 'POST', url: '/api/v1/recon/imports?source=wechat&store=S009', payload: own });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'NOT_FOUND', detail: expect.stringContaining('S009') });
    const res = await call({ method: 'POST', url: '/api/v1/recon/imports?source=wechat&store=S002', payload: own });
    expect(res.statusCode, res.body).toBe(200);
    const idOf = async (code: string) => (await t.ctx.db.selectFrom('stores').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id;
    const [s001, s002] = [await idOf('S001'), await idOf('S002')];
    const paidWithoutSale = (run: { exceptions: Array<{ code: string; merchantOrderNo?: string; storeId?: string | null }> }) => run.exceptions.filter((e) => e.code === 'CHANNEL_ONLY').map((e) => [e.merchantOrderNo, e.storeId]);
    expect(paidWithoutSale(await runReconciliation(t.ctx, { date: '2026-11-28' }))).toEqual([['S002202611280000004', s002]]);
    expect(paidWithoutSale(await runReconciliation(t.ctx, { date: '2026-11-28', storeIds: [s002] }))).toEqual([['S002202611280000004', s002]]);
    expect(paidWithoutSale(await runReconciliation(t.ctx, { date: '2026-11-28', storeIds: [s001] }))).toEqual([]);
  });

  it('imports an MT940 statement for finance only', async () => {
    const cashier = await t.login('cashier');
    expect((await call({ method: 'POST', url: '/api/v1/recon/imports?source=bank', payload: MT940 }, cashier)).statusCode).toBe(403);
    const res = await call({ method: 'POST', url: '/api/v1/recon/imports?source=bank&format=mt940', payload: MT940 });
    expect(res.json()).toMatchObject({ lines: 1, totals: { grossFen: 298_200 } });
    const line = await handle().db.selectFrom('bank_lines').selectAll().executeTakeFirstOrThrow();
    expect(line).toMatchObject({ account: 'ICBKCNBJ/0200001234567890123', value_date: '2026-11-30', amount_fen: 298_200, reference: 'WX1130SETTLE' });
  });
});

it('recon import and run on the command line: imports once, says nothing changed after, and runs the day', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-recon-'));
  const file = path.join(dir, 'wx.csv');
  fs.writeFileSync(file, BILL);
  const db = `sqlite:${path.join(dir, 'tp.db')}`;
  const first = await runTillpoint(['recon', 'import', '--channel', 'wechat', file, '--json', '--db', db]);
  expect(first.stderr).toBe('');
  expect(JSON.parse(first.stdout)).toMatchObject({ alreadyImported: false, lines: 3 });
  expect((await runTillpoint(['recon', 'import', '--channel', 'wechat', file, '--db', db])).stdout).toMatch(/imported before \(3 lines\); nothing changed/);
  // No sales in this database: both payments on the bill are money without a sale; the settlement may still come.
  const run = JSON.parse((await runTillpoint(['recon', 'run', '--date', '2026-11-29', '--json', '--db', db])).stdout) as { summary: unknown; exceptions: Array<{ code: string }> };
  expect(run.summary).toEqual({ matched: 0, pending: 1, exceptions: 2 });
  expect(run.exceptions.map((e) => e.code)).toEqual(['CHANNEL_ONLY', 'CHANNEL_ONLY']);
  // A store's own bill names its store; this database has none.
  const noStore = await runTillpoint(['recon', 'import', '--channel', 'wechat', '--store', 'S001', file, '--db', db]);
  expect([noStore.code, noStore.stderr.trim()]).toEqual([1, expect.stringContaining('Store S001 does not exist')]);
  const bad = await runTillpoint(['recon', 'import', '--channel', 'alipay', file, '--db', db]);
  expect(bad.code).toBe(1);
  expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  fs.rmSync(dir, { recursive: true, force: true });
});
