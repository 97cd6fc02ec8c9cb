import { generateKeyPairSync } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { withCheckDigit } from '../catalog/barcode';
import { importSkus } from '../catalog/index';
import { startWechatSandbox } from '../sandbox/wechat-pay';
import { startAlipaySandbox } from '../sandbox/alipay';
import { startAggregatorSandbox } from '../sandbox/aggregator';
import type { CartView } from '../checkout/cart';
import type { CodeChannel } from './code-channel';
import { wechatChannel } from './wechat-client';
import { alipayChannel } from './alipay-client';
import { aggregatorChannel } from './aggregator-client';
import { configureWallets, recoverPayments } from './service';

const EAN = withCheckDigit('690000000101');

/** What differs between channels: codes, waiting times, and how their sandboxes name states. */
interface ChannelCase {
  name: 'wechat' | 'alipay' | 'unionpay' | 'ecny';
  /** Payment code ending in the sandbox's scenario digits. */
  code(tail: 'paid' | 'password' | 'poor' | 'error' | 'never'): string;
  giveUpMs: number;
  refusedCode: string;
  start(t: TestApp): Promise<{ channel: CodeChannel; state(orderNo: string): string | undefined; txnId(orderNo: string): string | undefined; close(): Promise<void>; configure(): void; configureWith(wait: (ms: number) => Promise<void>): void }>;
  paidState: string;
  reversedState: string;
}

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

const CASES: ChannelCase[] = [
  {
    name: 'wechat',
    code: (tail) => `1345678901234567${{ paid: '00', password: '11', poor: '12', error: '13', never: '14' }[tail]}`,
    giveUpMs: 30_000,
    refusedCode: 'NOTENOUGH',
    paidState: 'SUCCESS',
    reversedState: 'REVOKED',
    async start(t) {
      const merchant = { appId: 'wx2421b1c4370ec43b', mchId: '10000100', apiKey: 'sandbox-api-key-0123456789abcdef', signType: 'HMAC-SHA256' as const };
      const sandbox = await startWechatSandbox({ ...merchant, clock: t.clock });
      const config = { ...merchant, baseUrl: sandbox.url, timeoutMs: 2000 };
      return {
        channel: wechatChannel(config),
        state: (no) => sandbox.orders.get(no)?.state,
        txnId: (no) => sandbox.orders.get(no)?.transactionId,
        close: () => sandbox.close(),
        configure: () => configureWallets('*', { wechat: config, wait: async (ms) => t.clock.advance(ms) }),
        configureWith: (wait) => configureWallets('*', { wechat: config, wait }),
      };
    },
  },
  {
    name: 'alipay',
    code: (tail) => `2812345678901234${{ paid: '20', password: '21', poor: '22', error: '23', never: '24' }[tail]}`,
    giveUpMs: 60_000,
    refusedCode: 'ACQ.BUYER_BALANCE_NOT_ENOUGH',
    paidState: 'TRADE_SUCCESS',
    reversedState: 'TRADE_CLOSED',
    async start(t) {
      const merchant = rsa();
      const alipayKeys = rsa();
      const sandbox = await startAlipaySandbox({ appId: '2021000000000001', merchantPublicKeyPem: merchant.publicKey, alipayPrivateKeyPem: alipayKeys.privateKey, clock: t.clock });
      const config = { gatewayUrl: sandbox.url, appId: '2021000000000001', privateKeyPem: merchant.privateKey, alipayPublicKeyPem: alipayKeys.publicKey, timeoutMs: 2000 };
      return {
        channel: alipayChannel(config),
        state: (no) => sandbox.orders.get(no)?.status,
        txnId: (no) => sandbox.orders.get(no)?.tradeNo,
        close: () => sandbox.close(),
        configure: () => configureWallets('*', { alipay: config, wait: async (ms) => t.clock.advance(ms) }),
        configureWith: (wait) => configureWallets('*', { alipay: config, wait }),
      };
    },
  },
  ...(['unionpay', 'ecny'] as const).map(
    (wallet): ChannelCase => ({
      name: wallet,
      // UnionPay QuickPass: 62 + 16 digits; e-CNY: 01 + 17 digits.
      code: (tail) => `${wallet === 'unionpay' ? '6212345678901234' : '01234567890123456'}${{ paid: '40', password: '41', poor: '42', error: '43', never: '44' }[tail]}`,
      giveUpMs: 60_000,
      refusedCode: 'INSUFFICIENT_FUNDS',
      paidState: 'SUCCESS',
      reversedState: 'CLOSED',
      async start(t) {
        const sandbox = await startAggregatorSandbox({ merchantNo: 'M8880001', secret: 'aggregator-secret-0123456789', clock: t.clock });
        const config = { baseUrl: sandbox.url, merchantNo: 'M8880001', secret: 'aggregator-secret-0123456789', timeoutMs: 2000 };
        return {
          channel: aggregatorChannel(config, wallet),
          state: (no) => sandbox.orders.get(no)?.status,
          txnId: (no) => sandbox.orders.get(no)?.tradeNo,
          close: () => sandbox.close(),
          configure: () => configureWallets('*', { aggregator: config, wait: async (ms) => t.clock.advance(ms) }),
          configureWith: (wait) => configureWallets('*', { aggregator: config, wait }),
        };
      },
    }),
  ),
];

for (const c of CASES) {
  describeEachDb(`${c.name} by payment code at the till`, (handle) => {
    let t: TestApp;
    let sandbox: Awaited<ReturnType<ChannelCase['start']>>;
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
      sandbox = await c.start(t);
      // Waiting between queries moves the test clock instead of sleeping.
      sandbox.configure();
      token = await t.openTill();
    });
    afterAll(async () => {
      await sandbox.close();
      await t.close();
    });

    it('charges a scanned code for what is due and completes the sale with the channel ids', async () => {
      const cart = await basket();
      const paid = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: c.code('paid') } });
      expect(paid.statusCode, paid.body).toBe(200);
      expect(paid.json()).toMatchObject({ totalFen: 1100, paidFen: 1100, dueFen: 0, tenders: [{ method: c.name, amountFen: 1100 }] });
      const sale = (await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/complete` })).json() as { id: string; tenders: Array<{ merchantOrderNo: string; channelTxnId: string }> };
      const tender = sale.tenders[0];
      expect(tender?.merchantOrderNo).toMatch(/^S001\d{20}$/);
      expect(sandbox.state(tender?.merchantOrderNo ?? '')).toBe(c.paidState);
      expect(sandbox.txnId(tender?.merchantOrderNo ?? '')).toBe(tender?.channelTxnId);
      expect(await payment(tender?.merchantOrderNo ?? '')).toMatchObject({ status: 'succeeded', sale_id: sale.id, amount_fen: 1100, auth_code_tail: c.code('paid').slice(-4) });
    });

    it('waits while the customer enters the password, querying every 5 s, then takes the payment', async () => {
      const cart = await basket();
      const before = t.clock.now().getTime();
      const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/tenders`, payload: { method: c.name, authCode: c.code('password'), amountFen: 500 } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ paidFen: 500, dueFen: 600 });
      // paid 12 s after the charge: found by the third query, 15 s in
      expect(t.clock.now().getTime() - before).toBe(15_000);
    });

    it('says why when the wallet refuses, and keeps the cart as it was', async () => {
      const cart = await basket();
      const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: c.code('poor') } });
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'PAYMENT_FAILED', detail: expect.stringContaining(c.refusedCode) });
      expect(((await call({ method: 'GET', url: `/api/v1/carts/${cart.id}` })).json() as CartView).paidFen).toBe(0);
      const details = (res.json() as { details: { merchantOrderNo: string } }).details;
      expect(await payment(details.merchantOrderNo)).toMatchObject({ status: 'failed', error_code: c.refusedCode });
    });

    it('queries after a system error and finds the charge went through', async () => {
      const cart = await basket();
      const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: c.code('error') } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ dueFen: 0 });
    });

    it('reverses a payment the customer never confirms once the channel\'s time is up', async () => {
      const cart = await basket();
      const before = t.clock.now().getTime();
      const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: c.code('never') } });
      expect(res.statusCode).toBe(409);
      expect(t.clock.now().getTime() - before).toBe(c.giveUpMs);
      const merchantOrderNo = (res.json() as { details: { merchantOrderNo: string } }).details.merchantOrderNo;
      expect(res.json()).toMatchObject({ code: 'PAYMENT_CANCELLED' });
      expect(sandbox.state(merchantOrderNo)).toBe(c.reversedState);
      expect(await payment(merchantOrderNo)).toMatchObject({ status: 'cancelled', error_code: 'REVERSED' });
    });

    it('lets the cashier stop waiting: the charge is reversed at the next query', async () => {
      const cart = await basket();
      // The customer never confirms; the cashier presses cancel while the till waits.
      sandbox.configureWith(async (ms) => {
        t.clock.advance(ms);
        await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/payments/cancel` });
      });
      const before = t.clock.now().getTime();
      const res = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/scan`, payload: { code: c.code('never') } });
      sandbox.configure();
      expect(res.json()).toMatchObject({ code: 'PAYMENT_CANCELLED' });
      expect(t.clock.now().getTime() - before).toBe(5_000);
      const merchantOrderNo = (res.json() as { details: { merchantOrderNo: string } }).details.merchantOrderNo;
      expect(sandbox.state(merchantOrderNo)).toBe(c.reversedState);
      const none = await call({ method: 'POST', url: `/api/v1/carts/${cart.id}/payments/cancel` });
      expect(none.json()).toEqual({ cancelling: false });
    });

    it('after a restart, reverses money taken without a sale (no 掉单)', async () => {
      // A charge that went through while the till crashed: the attempt was stored as paying.
      const store = await handle().db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow();
      const orderNo = `S001CRASH${c.name.toUpperCase()}0001`;
      expect((await sandbox.channel.pay({ merchantOrderNo: orderNo, amountFen: 990, authCode: c.code('paid'), subject: 'x' })).status).toBe('succeeded');
      const now = t.clock.now().toISOString();
      await handle().db.insertInto('payments').values({ store_id: store.id, id: `crash-${c.name}`, cart_id: 'gone', sale_id: null, channel: c.name, merchant_order_no: orderNo, amount_fen: 990, status: 'paying', channel_txn_id: null, auth_code_tail: '0000', error_code: null, error_message: null, created_at: now, updated_at: now }).execute();
      // A sweep leaves attempts that are fresh or whose cart is still open at a till…
      expect(await recoverPayments(t.ctx, { idleForMs: 10 * 60_000 })).toBe(0);
      expect(await recoverPayments(t.ctx, { cartIsOpen: () => true })).toBe(0);
      expect(sandbox.state(orderNo)).toBe(c.paidState);
      // …and reverses the one whose cart is gone.
      expect(await recoverPayments(t.ctx, { cartIsOpen: (id) => id !== 'gone' })).toBe(1);
      expect(sandbox.state(orderNo)).toBe(c.reversedState);
      expect(await payment(orderNo)).toMatchObject({ status: 'cancelled' });
      const sold = await handle().db.selectFrom('payments').select('status').where('sale_id', 'is not', null).execute();
      expect(sold.length).toBeGreaterThan(0);
      expect(sold.every((p) => p.status === 'succeeded')).toBe(true);
    });

    it('never stores the payment code itself', async () => {
      const rows = await handle().db.selectFrom('payments').select(['auth_code_tail']).execute();
      expect(rows.length).toBeGreaterThan(3);
      expect(rows.every((r) => r.auth_code_tail.length === 4)).toBe(true);
      expect(JSON.stringify(await handle().db.selectFrom('outbox').select('payload').execute())).not.toContain(c.code('paid'));
    });
  });
}
