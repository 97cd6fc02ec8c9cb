import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { AppError } from '../platform/errors';
import { startWechatSandbox } from '../sandbox/wechat-pay';
import { startAlipaySandbox } from '../sandbox/alipay';
import { startAggregatorSandbox } from '../sandbox/aggregator';
import { manualClock, type ManualClock } from '../platform/clock';
import { chargePaymentCode, configureWallets, type WalletChannel, type WalletSettings } from './service';
import { refundPayment, settleRefunds, type RefundRequest } from './refunds';
import { wechatChannel, type WechatConfig } from './wechat-client';
import { alipayChannel } from './alipay-client';

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const [merchantKeys, providerKeys, strangerKeys] = [rsa(), rsa(), rsa()];
const DEAD_URL = 'http://127.0.0.1:1';

/** A refund as the provider's sandbox holds it. */
interface ProviderRefund {
  refundNo: string;
  fen: number;
}

interface Provider {
  /** Wallet settings that reach the sandbox, that reach nothing, and whose answers fail the signature check. */
  settings: Omit<WalletSettings, 'wait'>;
  down: Omit<WalletSettings, 'wait'>;
  forged: Omit<WalletSettings, 'wait'>;
  refundsAt(merchantOrderNo: string): ProviderRefund[];
  close(): Promise<void>;
}

interface RefundCase {
  channel: WalletChannel;
  paidCode: string;
  poorCode: string;
  signatureCode: string;
  start(clock: ManualClock): Promise<Provider>;
}

const WECHAT = { appId: 'wx2421b1c4370ec43b', mchId: '10000100', apiKey: 'sandbox-api-key-0123456789abcdef', signType: 'HMAC-SHA256' as const };
const V3 = { merchantSerialNo: 'MERCHANT-SERIAL-1', platformSerialNo: 'PLATFORM-SERIAL-1' };

async function startWechat(clock: ManualClock) {
  const sandbox = await startWechatSandbox({ ...WECHAT, clock, v3: { merchantPublicKeyPem: merchantKeys.publicKey, merchantSerialNo: V3.merchantSerialNo, platformPrivateKeyPem: providerKeys.privateKey, platformSerialNo: V3.platformSerialNo } });
  const v3 = { merchantPrivateKeyPem: merchantKeys.privateKey, merchantSerialNo: V3.merchantSerialNo, platformPublicKeyPem: providerKeys.publicKey, platformSerialNo: V3.platformSerialNo, apiV3Key: '0123456789abcdef0123456789abcdef' };
  const config: WechatConfig = { ...WECHAT, baseUrl: sandbox.url, timeoutMs: 2000, clock, v3 };
  return { sandbox, config, v3 };
}

const CASES: RefundCase[] = [
  {
    channel: 'wechat',
    paidCode: '134567890123456700',
    poorCode: '134567890123456712',
    signatureCode: 'WECHAT_SIGNATURE_INVALID',
    async start(clock) {
      const { sandbox, config, v3 } = await startWechat(clock);
      return {
        settings: { wechat: config },
        down: { wechat: { ...config, baseUrl: DEAD_URL } },
        forged: { wechat: { ...config, v3: { ...v3, platformPublicKeyPem: strangerKeys.publicKey } } },
        refundsAt: (no) => (sandbox.orders.get(no)?.refunds ?? []).map((r) => ({ refundNo: r.outRefundNo, fen: r.refundFee })),
        close: () => sandbox.close(),
      };
    },
  },
  {
    channel: 'alipay',
    paidCode: '281234567890123420',
    poorCode: '281234567890123422',
    signatureCode: 'ALIPAY_SIGNATURE_INVALID',
    async start(clock) {
      const sandbox = await startAlipaySandbox({ appId: '2021000000000001', merchantPublicKeyPem: merchantKeys.publicKey, alipayPrivateKeyPem: providerKeys.privateKey, clock });
      const config = { gatewayUrl: sandbox.url, appId: '2021000000000001', privateKeyPem: merchantKeys.privateKey, alipayPublicKeyPem: providerKeys.publicKey, timeoutMs: 2000 };
      return {
        settings: { alipay: config },
        down: { alipay: { ...config, gatewayUrl: `${DEAD_URL}/gateway.do` } },
        forged: { alipay: { ...config, alipayPublicKeyPem: strangerKeys.publicKey } },
        refundsAt: (no) => (sandbox.orders.get(no)?.refunds ?? []).map((r) => ({ refundNo: r.outRequestNo, fen: r.refundFen })),
        close: () => sandbox.close(),
      };
    },
  },
  {
    channel: 'unionpay',
    paidCode: '621234567890123440',
    poorCode: '621234567890123442',
    signatureCode: 'AGGREGATOR_SIGNATURE_INVALID',
    async start(clock) {
      const sandbox = await startAggregatorSandbox({ merchantNo: 'M8880001', secret: 'aggregator-secret-0123456789', clock });
      const config = { baseUrl: sandbox.url, merchantNo: 'M8880001', secret: 'aggregator-secret-0123456789', timeoutMs: 2000 };
      return {
        settings: { aggregator: config },
        down: { aggregator: { ...config, baseUrl: DEAD_URL } },
        // A wrong secret: the aggregator refuses the request and its answer does not check out either.
        forged: { aggregator: { ...config, secret: 'not-the-secret' } },
        refundsAt: (no) => (sandbox.orders.get(no)?.refunds ?? []).map((r) => ({ refundNo: r.outRefundNo, fen: r.refundFen })),
        close: () => sandbox.close(),
      };
    },
  },
];

/** The AppError a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

/** A test app with store S001 and its wallets set to `settings`, waiting by moving the clock. */
function useApp(handle: () => Parameters<typeof startTestApp>[0]) {
  const state = { t: undefined as unknown as TestApp, storeId: '' };
  beforeAll(async () => {
    state.t = await startTestApp(handle(), { products: 0 });
    state.storeId = (await handle().db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow()).id;
  });
  afterAll(() => state.t.close());
  return state;
}

for (const c of CASES) {
  describeEachDb(`${c.channel} refunds`, (handle) => {
    const app = useApp(handle);
    let provider: Provider;
    let seq = 0;
    const use = (settings: Omit<WalletSettings, 'wait'>) => configureWallets('*', { ...settings, wait: async (ms) => app.t.clock.advance(ms) });
    const pay = async (amountFen: number, authCode = c.paidCode) => {
      const paid = await chargePaymentCode(app.t.ctx, { storeId: app.storeId, storeCode: 'S001', cartId: `cart-${++seq}`, channel: c.channel, authCode, amountFen, description: '东方树叶 500ml' });
      return paid.merchantOrderNo;
    };
    const refund = (merchantOrderNo: string, refundNo: string, amountFen: number) => refundPayment(app.t.ctx, { storeId: app.storeId, merchantOrderNo, refundNo, amountFen, reason: '顾客退货' });
    const row = (refundNo: string) => handle().db.selectFrom('payment_refunds').selectAll().where('refund_no', '=', refundNo).executeTakeFirstOrThrow();
    const refundedAt = (no: string) => provider.refundsAt(no).reduce((sum, r) => sum + r.fen, 0);

    beforeAll(async () => {
      provider = await c.start(app.t.clock);
      use(provider.settings);
    });
    afterAll(() => provider.close());

    it('refunds a payment in full, recording the provider\'s refund', async () => {
      const order = await pay(1100);
      const result = await refund(order, `${c.channel}-FULL`, 1100);
      expect(result).toMatchObject({ refundNo: `${c.channel}-FULL`, status: 'succeeded', errorCode: null });
      expect(result.channelRefundId).toBeTruthy();
      expect(provider.refundsAt(order)).toEqual([{ refundNo: `${c.channel}-FULL`, fen: 1100 }]);
      expect(await row(`${c.channel}-FULL`)).toMatchObject({ id: result.id, status: 'succeeded', amount_fen: 1100, merchant_order_no: order, channel: c.channel, reason: '顾客退货' });
    });

    it('takes two partial refunds, refuses a third above what is left, then refunds exactly the rest', async () => {
      const order = await pay(1000);
      expect((await refund(order, `${c.channel}-P1`, 300)).status).toBe('succeeded');
      expect((await refund(order, `${c.channel}-P2`, 500)).status).toBe('succeeded');
      const over = await rejection(refund(order, `${c.channel}-P3`, 201));
      expect(over.code).toBe('REFUND_EXCEEDS_PAID');
      expect(over.message).toContain('Only ¥2.00 of the ¥10.00 paid is left to refund');
      expect(over.details).toMatchObject({ paidFen: 1000, leftFen: 200 });
      expect(refundedAt(order)).toBe(800);
      // The refused request left nothing behind, so its number is free for the right amount.
      expect((await refund(order, `${c.channel}-P3`, 200)).status).toBe('succeeded');
      expect(refundedAt(order)).toBe(1000);
      expect((await rejection(refund(order, `${c.channel}-P4`, 1))).message).toContain('Only ¥0.00 of the ¥10.00');
    });

    it('answers the same refund number with the same refund, sent to the provider once', async () => {
      const order = await pay(1000);
      const first = await refund(order, `${c.channel}-TWICE`, 400);
      const again = await refund(order, `${c.channel}-TWICE`, 400);
      expect(again).toEqual(first);
      expect(provider.refundsAt(order)).toEqual([{ refundNo: `${c.channel}-TWICE`, fen: 400 }]);
      const otherAmount = await rejection(refund(order, `${c.channel}-TWICE`, 300));
      expect([otherAmount.code, otherAmount.status]).toEqual(['REFUND_NO_CONFLICT', 409]);
      const otherOrder = await rejection(refund(await pay(500), `${c.channel}-TWICE`, 400));
      expect(otherOrder.code).toBe('REFUND_NO_CONFLICT');
      expect(refundedAt(order)).toBe(400);
    });

    it('records an unreachable provider as unknown and settles it later by query', async () => {
      const order = await pay(800);
      use(provider.down);
      const result = await refund(order, `${c.channel}-DOWN`, 600);
      expect(result).toMatchObject({ status: 'unknown', errorCode: 'TIMEOUT' });
      expect(provider.refundsAt(order)).toEqual([]);
      // The unknown refund still holds its amount: only ¥2.00 can be refunded meanwhile.
      expect((await rejection(refund(order, `${c.channel}-DOWN2`, 201))).code).toBe('REFUND_EXCEEDS_PAID');
      use(provider.settings);
      // The minute sweep leaves refunds asked about less than a minute ago.
      expect(await settleRefunds(app.t.ctx, { idleForMs: 60_000 })).toBe(0);
      app.t.clock.advance(60_000);
      expect(await settleRefunds(app.t.ctx, { idleForMs: 60_000 })).toBe(1);
      expect(await row(`${c.channel}-DOWN`)).toMatchObject({ status: 'succeeded', amount_fen: 600, error_code: null });
      expect(provider.refundsAt(order)).toEqual([{ refundNo: `${c.channel}-DOWN`, fen: 600 }]);
      expect(await settleRefunds(app.t.ctx)).toBe(0);
    });

    it('does not trust an answer whose signature fails, and settles the refund once answers check out', async () => {
      const order = await pay(900);
      use(provider.forged);
      const result = await refund(order, `${c.channel}-FORGED`, 500);
      expect(result).toMatchObject({ status: 'unknown', errorCode: c.signatureCode });
      use(provider.settings);
      expect(await settleRefunds(app.t.ctx)).toBe(1);
      expect(await row(`${c.channel}-FORGED`)).toMatchObject({ status: 'succeeded', amount_fen: 500 });
      expect(provider.refundsAt(order)).toEqual([{ refundNo: `${c.channel}-FORGED`, fen: 500 }]);
    });

    it('refuses to refund a payment that does not exist or was not paid', async () => {
      expect((await rejection(refund('S001NOSUCHORDER', `${c.channel}-NONE`, 100))).code).toBe('PAYMENT_NOT_REFUNDABLE');
      const failed = await pay(700, c.poorCode);
      const refused = await rejection(refund(failed, `${c.channel}-UNPAID`, 100));
      expect(refused.code).toBe('PAYMENT_NOT_REFUNDABLE');
      expect(refused.message).toContain('is failed, not paid');
      expect((await rejection(refund(await pay(700), `${c.channel}-ZERO`, 0))).code).toBe('VALIDATION_FAILED');
    });

    it('never refunds more than was paid when refunds of one payment arrive at once', async () => {
      const order = await pay(1000);
      const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => refund(order, `${c.channel}-RACE${n}`, 300)));
      const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => (o.reason as AppError).code);
      expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value.status === 'succeeded')).toHaveLength(3);
      expect(refused).toEqual(['REFUND_EXCEEDS_PAID', 'REFUND_EXCEEDS_PAID']);
      expect(refundedAt(order)).toBe(900);
    });
  });
}

describeEachDb('WeChat Pay refunds that take time', (handle) => {
  const app = useApp(handle);
  let wechat: Awaited<ReturnType<typeof startWechat>>;
  let seq = 0;
  const pay = async (amountFen: number) => (await chargePaymentCode(app.t.ctx, { storeId: app.storeId, storeCode: 'S001', cartId: `wx-${++seq}`, channel: 'wechat', authCode: '134567890123456700', amountFen, description: 'x' })).merchantOrderNo;
  const request = (merchantOrderNo: string, refundNo: string, amountFen: number): RefundRequest => ({ storeId: app.storeId, merchantOrderNo, refundNo, amountFen, reason: '退货' });

  beforeAll(async () => {
    wechat = await startWechat(app.t.clock);
    configureWallets('*', { wechat: wechat.config, wait: async (ms) => app.t.clock.advance(ms) });
  });
  afterAll(() => wechat.sandbox.close());

  it('PROCESSING at first (an amount ending in 7 fen), SUCCESS when settleRefunds queries', async () => {
    const order = await pay(2000);
    const result = await refundPayment(app.t.ctx, request(order, 'WX-SLOW', 1507));
    expect(result).toMatchObject({ status: 'processing' });
    expect(wechat.sandbox.orders.get(order)?.refunds?.[0]).toMatchObject({ status: 'PROCESSING', refundFee: 1507 });
    expect(await settleRefunds(app.t.ctx)).toBe(1);
    expect(await handle().db.selectFrom('payment_refunds').select(['status', 'channel_refund_id']).where('refund_no', '=', 'WX-SLOW').executeTakeFirstOrThrow()).toEqual({ status: 'succeeded', channel_refund_id: result.channelRefundId });
    expect(wechat.sandbox.orders.get(order)?.refunds).toMatchObject([{ status: 'SUCCESS', refundFee: 1507 }]);
  });

  it('asking again for a refund still processing queries it instead of refunding again', async () => {
    const order = await pay(500);
    expect((await refundPayment(app.t.ctx, request(order, 'WX-ASK', 217))).status).toBe('processing');
    expect((await refundPayment(app.t.ctx, request(order, 'WX-ASK', 217))).status).toBe('succeeded');
    expect(wechat.sandbox.orders.get(order)?.refunds).toHaveLength(1);
  });

  it('needs the merchant\'s API v3 keys, and writes nothing without them', async () => {
    const order = await pay(300);
    configureWallets('*', { wechat: { ...wechat.config, v3: undefined } });
    const refused = await rejection(refundPayment(app.t.ctx, request(order, 'WX-NOKEYS', 100)));
    configureWallets('*', { wechat: wechat.config, wait: async (ms) => app.t.clock.advance(ms) });
    expect(refused.code).toBe('PAYMENT_METHOD_UNAVAILABLE');
    expect(await handle().db.selectFrom('payment_refunds').select('id').where('refund_no', '=', 'WX-NOKEYS').execute()).toEqual([]);
  });
});

describe('the sandboxes refuse what the providers refuse', () => {
  it('WeChat: a refund above what is left or of an order not paid, with the v3 error JSON; a badly signed request', async () => {
    const clock = manualClock('2026-11-30T02:00:00Z');
    const { sandbox, config, v3 } = await startWechat(clock);
    const channel = wechatChannel(config);
    await channel.pay({ merchantOrderNo: 'WXPAID', amountFen: 1000, authCode: '134567890123456700', subject: 'x' });
    await channel.pay({ merchantOrderNo: 'WXWAIT', amountFen: 1000, authCode: '134567890123456714', subject: 'x' });
    expect(await channel.refund({ merchantOrderNo: 'WXPAID', refundNo: 'R1', refundFen: 600, totalFen: 1000, reason: 'x' })).toMatchObject({ status: 'succeeded' });
    expect(await channel.refund({ merchantOrderNo: 'WXPAID', refundNo: 'R2', refundFen: 401, totalFen: 1000, reason: 'x' })).toEqual({ status: 'failed', errorCode: 'INVALID_REQUEST', message: '申请退款金额超过订单可退金额（可退 400 分）' });
    expect(await channel.refund({ merchantOrderNo: 'WXWAIT', refundNo: 'R3', refundFen: 100, totalFen: 1000, reason: 'x' })).toMatchObject({ status: 'failed', errorCode: 'INVALID_REQUEST' });
    expect(await channel.queryRefund({ merchantOrderNo: 'WXPAID', refundNo: 'R9' })).toEqual({ status: 'unknown', errorCode: 'REFUND_NOT_FOUND' });
    const wrongMerchantKey = wechatChannel({ ...config, v3: { ...v3, merchantPrivateKeyPem: strangerKeys.privateKey } });
    expect(await wrongMerchantKey.refund({ merchantOrderNo: 'WXPAID', refundNo: 'R4', refundFen: 100, totalFen: 1000, reason: 'x' })).toMatchObject({ status: 'failed', errorCode: 'SIGN_ERROR' });
    // A request signed more than 5 minutes ago (a replay) is refused the same way.
    const lagging = wechatChannel({ ...config, clock: { now: () => new Date(clock.now().getTime() - 6 * 60_000) } });
    await expect(lagging.refund({ merchantOrderNo: 'WXPAID', refundNo: 'R5', refundFen: 100, totalFen: 1000, reason: 'x' })).rejects.toThrow(/more than 5 minutes off/);
    expect(sandbox.orders.get('WXPAID')?.refunds?.map((r) => r.refundFee)).toEqual([600]);
    await sandbox.close();
  });

  it('Alipay: the same out_request_no again changes no money (fund_change N) and is still a refund that went through', async () => {
    const clock = manualClock('2026-11-30T02:00:00Z');
    const sandbox = await startAlipaySandbox({ appId: '2021000000000001', merchantPublicKeyPem: merchantKeys.publicKey, alipayPrivateKeyPem: providerKeys.privateKey, clock });
    const channel = alipayChannel({ gatewayUrl: sandbox.url, appId: '2021000000000001', privateKeyPem: merchantKeys.privateKey, alipayPublicKeyPem: providerKeys.publicKey, timeoutMs: 2000 });
    await channel.pay({ merchantOrderNo: 'ALIPAID', amountFen: 1000, authCode: '281234567890123420', subject: 'x' });
    const order = { merchantOrderNo: 'ALIPAID', refundNo: 'AR1', refundFen: 1000, totalFen: 1000, reason: 'x' };
    expect(await channel.refund(order)).toMatchObject({ status: 'succeeded' });
    expect(await channel.refund(order)).toMatchObject({ status: 'succeeded' });
    expect(await channel.refund({ ...order, refundNo: 'AR2', refundFen: 1 })).toMatchObject({ status: 'failed', errorCode: 'ACQ.TRADE_STATUS_ERROR' });
    expect(sandbox.orders.get('ALIPAID')).toMatchObject({ status: 'TRADE_CLOSED', refunds: [{ outRequestNo: 'AR1', refundFen: 1000 }] });
    await sandbox.close();
  });
});
