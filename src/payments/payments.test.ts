import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { startWechatSandbox, type WechatSandbox } from '../sandbox/wechat-pay';
import type { CartView } from '../checkout/cart';
import { callWechat, type WechatConfig } from './wechat-client';
import { configureWallets, recoverPayments } from './service';

const EAN = withCheckDigit('690000000101');
const code = (tail: string) => `1345678901234567${tail}`;

describeEachDb('WeChat Pay by payment code at the till', (handle) => {
  let t: TestApp;
  let sandbox: WechatSandbox;
  let wechat: WechatConfig;
  let token: string;
  const call = (opts: InjectOptions) => t.tp.app.inject({ ...opts, headers: { ...opts.headers, authorization: `Bearer ${token}` } });
  const basket = async (): Promise<CartView> => {
    const cart = (await call({ method: 'POST', url: '/api/v1/carts' })).json() as CartView;
    return (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: EAN, qty: 2 } })).json() as CartView;
  };
  const payment = (merchantOrderNo: string) => handle().db.selectFrom('payments').selectAll().where('merchant_order_no', '=', merchantOrderNo).executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    await importSkus(t.ctx, [{ code: 'W-TEA', name: '东方树叶 500ml', unit: 'piece', categoryCode: 'C3003', priceFen: 550, costFen: 300, plu: null, barcodes: [EAN], active: true, components: [] }]);
    const merchant = { appId: 'wx2421b1c4370ec43b', mchId: '10000100', apiKey: 'sandbox-api-key-0123456789abcdef', signType: 'HMAC-SHA256' as const };
    sandbox = await startWechatSandbox({ ...merchant, clock: t.clock });
    wechat = { ...merchant, baseUrl: sandbox.url, timeoutMs: 2000 };
    // Waiting between queries moves the test clock instead of sleeping.
    configureWallets('*', { wechat, wait: async (ms) => t.clock.advance(ms) });
    const pin = await t.tp.app.inject({ method: 'POST', url: '/api/v1/auth/pin', payload: { storeCode: 'S001', terminalCode: 'T01', username: 'cashier', pin: '1234' } });
    token = (pin.json() as { token: string }).token;
    await call({ method: 'POST', url: '/api/v1/shifts/open', payload: { floatFen: 0 } });
  });
  afterAll(async () => {
    await sandbox.close();
    await t.close();
  });

  it('charges a scanned WeChat code for what is due and completes the sale with the channel ids', async () => {
    const cart = await basket();
    const paid = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: code('00') } });
    expect(paid.statusCode, paid.body).toBe(200);
    expect(paid.json()).toMatchObject({ totalFen: 1100, paidFen: 1100, dueFen: 0, tenders: [{ method: 'wechat', amountFen: 1100 }] });
    const sale = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` })).json() as { id: string; tenders: Array<{ merchantOrderNo: string; channelTxnId: string }> };
    const tender = sale.tenders[0];
    expect(tender?.merchantOrderNo).toMatch(/^S001\d{20}$/);
    expect(sandbox.orders.get(tender?.merchantOrderNo ?? '')).toMatchObject({ state: 'SUCCESS', totalFee: 1100, transactionId: tender?.channelTxnId });
    expect(await payment(tender?.merchantOrderNo ?? '')).toMatchObject({ status: 'succeeded', sale_id: sale.id, amount_fen: 1100, auth_code_tail: '6700' });
  });

  it('waits while the customer enters the password, querying, then takes the payment', async () => {
    const cart = await basket();
    const before = t.clock.now().getTime();
    const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: 'wechat', authCode: code('11'), amountFen: 500 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ paidFen: 500, dueFen: 600 });
    // paid 12 s after the charge: found by the third query, 15 s in
    expect(t.clock.now().getTime() - before).toBe(15_000);
  });

  it('says why when the wallet refuses, and keeps the cart as it was', async () => {
    const cart = await basket();
    const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: code('12') } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'PAYMENT_FAILED', detail: expect.stringMatching(/NOTENOUGH/) });
    expect(((await call({ method: 'GET', url: `/api/v1/carts/${cart.id}` })).json() as CartView).paidFen).toBe(0);
    const details = (res.json() as { details: { merchantOrderNo: string } }).details;
    expect(await payment(details.merchantOrderNo)).toMatchObject({ status: 'failed', error_code: 'NOTENOUGH' });
  });

  it('queries after a system error and finds the charge went through', async () => {
    const cart = await basket();
    const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: code('13') } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ dueFen: 0 });
  });

  it('reverses a payment the customer never confirms, after 30 s, and says so', async () => {
    const cart = await basket();
    const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: code('14') } });
    expect(res.statusCode).toBe(409);
    const merchantOrderNo = (res.json() as { details: { merchantOrderNo: string } }).details.merchantOrderNo;
    expect(res.json()).toMatchObject({ code: 'PAYMENT_CANCELLED' });
    expect(sandbox.orders.get(merchantOrderNo)?.state).toBe('REVOKED');
    expect(await payment(merchantOrderNo)).toMatchObject({ status: 'cancelled', error_code: 'REVERSED' });
  });

  it('after a restart, reverses money taken without a sale (no 掉单)', async () => {
    // A charge that went through while the till crashed: the attempt was stored as paying.
    const store = await handle().db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow();
    const orderNo = 'S001CRASH000000000001';
    await callWechat(wechat, 'micropay', { body: 'x', out_trade_no: orderNo, total_fee: '990', spbill_create_ip: '127.0.0.1', auth_code: code('00') });
    const now = t.clock.now().toISOString();
    await handle().db.insertInto('payments').values({ store_id: store.id, id: 'crash-1', cart_id: 'gone', sale_id: null, channel: 'wechat', merchant_order_no: orderNo, amount_fen: 990, status: 'paying', channel_txn_id: null, auth_code_tail: '6700', error_code: null, error_message: null, created_at: now, updated_at: now }).execute();
    expect(await recoverPayments(t.ctx)).toBeGreaterThanOrEqual(1);
    expect(sandbox.orders.get(orderNo)?.state).toBe('REVOKED');
    expect(await payment(orderNo)).toMatchObject({ status: 'cancelled' });
    // the completed sale's payment is left alone
    const open = await handle().db.selectFrom('payments').select('status').where('sale_id', 'is not', null).execute();
    expect(open.every((p) => p.status === 'succeeded')).toBe(true);
  });

  it('never stores the payment code itself', async () => {
    const rows = await handle().db.selectFrom('payments').select(['auth_code_tail', 'merchant_order_no']).execute();
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.every((r) => r.auth_code_tail.length === 4)).toBe(true);
    expect(JSON.stringify(await handle().db.selectFrom('outbox').select('payload').execute())).not.toContain(code('00'));
  });
});
