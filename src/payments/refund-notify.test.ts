import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../platform/testing/databases';
import { startTestApp, type TestApp } from '../platform/testing/app';
import { refundNotification, startWechatSandbox, type SandboxRefund, type WechatSandbox } from '../sandbox/wechat-pay';
import { chargePaymentCode, configureWallets } from './service';
import { refundPayment } from './refunds';
import { signV3, v3ResponseMessage } from './wechat-v3';

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const [merchantKeys, platformKeys, strangerKeys] = [rsa(), rsa(), rsa()];
const WECHAT = { appId: 'wx2421b1c4370ec43b', mchId: '10000100', apiKey: 'sandbox-api-key-0123456789abcdef', signType: 'HMAC-SHA256' as const };
const V3 = { merchantSerialNo: 'MERCHANT-SERIAL-1', platformSerialNo: 'PLATFORM-SERIAL-1', apiV3Key: '0123456789abcdef0123456789abcdef' };
const NOTIFY_PATH = '/api/v1/payments/wechat/refund-notify';

describeEachDb('WeChat Pay refund notifications', (handle) => {
  let t: TestApp;
  let sandbox: WechatSandbox;
  let storeId: string;
  let seq = 0;
  const row = (refundNo: string) => handle().db.selectFrom('payment_refunds').selectAll().where('refund_no', '=', refundNo).executeTakeFirstOrThrow();
  const seen = (notifyId: string) => handle().db.selectFrom('payment_notifications').selectAll().where('notify_id', '=', notifyId).execute();
  const post = (headers: Record<string, string>, body: string) => t.tp.app.inject({ method: 'POST', url: NOTIFY_PATH, headers: { ...headers, 'content-type': 'application/json' }, payload: body });
  /** A paid order and a refund of it that WeChat is still processing (the sandbox keeps amounts ending in 7 fen open). */
  const processingRefund = async (refundNo: string, refundFen: number) => {
    const paid = await chargePaymentCode(t.ctx, { storeId, storeCode: 'S001', cartId: `cart-${++seq}`, channel: 'wechat', authCode: '134567890123456700', amountFen: 1000, description: '东方树叶 500ml' });
    const refund = await refundPayment(t.ctx, { storeId, merchantOrderNo: paid.merchantOrderNo, refundNo, amountFen: refundFen, reason: '顾客退货' });
    expect(refund.status).toBe('processing');
    return paid.merchantOrderNo;
  };
  /** What WeChat would send once the refund ends, built here so it can be altered before it is sent. */
  const notificationOf = (merchantOrderNo: string, refundNo: string, status: SandboxRefund['status'], nowMs = t.clock.now().getTime()) => {
    const order = sandbox.orders.get(merchantOrderNo);
    const refund = order?.refunds?.find((r) => r.outRefundNo === refundNo);
    if (!order || !refund) throw new Error(`no refund ${refundNo} at the sandbox`);
    return refundNotification({ platformPrivateKeyPem: platformKeys.privateKey, platformSerialNo: V3.platformSerialNo, apiV3Key: V3.apiV3Key }, WECHAT.mchId, order, { ...refund, status, successAt: nowMs }, nowMs);
  };
  const idOf = (body: string) => (JSON.parse(body) as { id: string }).id;

  beforeAll(async () => {
    t = await startTestApp(handle(), { products: 0 });
    storeId = (await handle().db.selectFrom('stores').select('id').where('code', '=', 'S001').executeTakeFirstOrThrow()).id;
    // The sandbox posts notifications over HTTP, so the app listens on a loopback port.
    await t.tp.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.tp.app.server.address() as AddressInfo;
    sandbox = await startWechatSandbox({ ...WECHAT, clock: t.clock, v3: { merchantPublicKeyPem: merchantKeys.publicKey, merchantSerialNo: V3.merchantSerialNo, platformPrivateKeyPem: platformKeys.privateKey, platformSerialNo: V3.platformSerialNo, apiV3Key: V3.apiV3Key } });
    const v3 = { merchantPrivateKeyPem: merchantKeys.privateKey, merchantSerialNo: V3.merchantSerialNo, platformPublicKeyPem: platformKeys.publicKey, platformSerialNo: V3.platformSerialNo, apiV3Key: V3.apiV3Key };
    configureWallets('*', { wechat: { ...WECHAT, baseUrl: sandbox.url, timeoutMs: 2000, clock: t.clock, v3, refundNotifyUrl: `http://127.0.0.1:${port}${NOTIFY_PATH}` }, wait: async (ms) => t.clock.advance(ms) });
  });
  afterAll(async () => {
    await sandbox.close();
    await t.close();
  });

  it('settles a processing refund from the genuine notification, and refuses the same notification again', async () => {
    const order = await processingRefund('NTF-OK', 507);
    const sent = await sandbox.finishRefund('NTF-OK', 'SUCCESS');
    expect(sent?.answer).toBe(204);
    const settled = await row('NTF-OK');
    expect(settled).toMatchObject({ status: 'succeeded', amount_fen: 507, merchant_order_no: order, error_code: null });
    expect(settled.channel_refund_id).toMatch(/^503\d+/);
    expect(await seen(idOf(sent?.body ?? '{}'))).toEqual([expect.objectContaining({ channel: 'wechat', event_type: 'REFUND.SUCCESS', store_ref: storeId, refund_no: 'NTF-OK' })]);

    // The same notification sent again (a replay inside the 5 minutes) is refused and changes nothing.
    t.clock.advance(60_000);
    const replay = await post(sent?.headers ?? {}, sent?.body ?? '');
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'FAIL', reason: 'NOTIFY_REPLAYED', message: expect.stringContaining('received before') });
    expect(await row('NTF-OK')).toEqual(settled);
  });

  it('notifies a refund WeChat made at once; the notification finds it already final', async () => {
    const paid = await chargePaymentCode(t.ctx, { storeId, storeCode: 'S001', cartId: `cart-${++seq}`, channel: 'wechat', authCode: '134567890123456700', amountFen: 800, description: '东方树叶 500ml' });
    expect((await refundPayment(t.ctx, { storeId, merchantOrderNo: paid.merchantOrderNo, refundNo: 'NTF-NOW', amountFen: 800, reason: '顾客退货' })).status).toBe('succeeded');
    await sandbox.idle();
    const sent = sandbox.notifications.at(-1);
    expect(sent?.answer).toBe(204);
    expect(JSON.parse(sent?.body ?? '{}')).toMatchObject({ event_type: 'REFUND.SUCCESS', resource: { algorithm: 'AEAD_AES_256_GCM', associated_data: 'refund' } });
    expect(await row('NTF-NOW')).toMatchObject({ status: 'succeeded', amount_fen: 800 });
  });

  it('refuses tampered, badly signed, stale and unknown-certificate notifications, changing nothing', async () => {
    const order = await processingRefund('NTF-BAD', 307);
    const genuine = notificationOf(order, 'NTF-BAD', 'SUCCESS');
    const before = await row('NTF-BAD');
    const stale = notificationOf(order, 'NTF-BAD', 'SUCCESS', t.clock.now().getTime() - 6 * 60_000);
    const forgedSignature = signV3(v3ResponseMessage(genuine.headers['wechatpay-timestamp'] ?? '', genuine.headers['wechatpay-nonce'] ?? '', genuine.body), strangerKeys.privateKey);
    const refusals = [
      { what: 'tampered body', headers: genuine.headers, body: genuine.body.replace('"REFUND.SUCCESS"', '"REFUND.CLOSED"'), says: 'signature does not match' },
      { what: 'signed with another key', headers: { ...genuine.headers, 'wechatpay-signature': forgedSignature }, body: genuine.body, says: 'signature does not match' },
      { what: 'older than 5 minutes', headers: stale.headers, body: stale.body, says: 'more than 5 minutes' },
      { what: 'unknown platform certificate', headers: { ...genuine.headers, 'wechatpay-serial': 'SOMEONE-ELSE' }, body: genuine.body, says: 'platform certificate SOMEONE-ELSE' },
      { what: 'no signature', headers: { 'wechatpay-serial': V3.platformSerialNo }, body: genuine.body, says: 'headers are missing' },
    ];
    for (const r of refusals) {
      const res = await post(r.headers, r.body);
      expect([r.what, res.statusCode]).toEqual([r.what, 401]);
      expect(res.json()).toMatchObject({ code: 'FAIL', reason: 'WECHAT_NOTIFY_UNTRUSTED', message: expect.stringContaining(r.says) });
    }
    expect(await row('NTF-BAD')).toEqual(before);
    expect(await seen(idOf(genuine.body))).toEqual([]);
    expect(await seen(idOf(stale.body))).toEqual([]);

    // The genuine one still goes through afterwards: refusals did not use up its id.
    expect((await post(genuine.headers, genuine.body)).statusCode).toBe(204);
    expect(await row('NTF-BAD')).toMatchObject({ status: 'succeeded' });
  });

  it('fails an abnormal or closed refund; a closed one frees its amount for another refund', async () => {
    await processingRefund('NTF-ABN', 207);
    expect((await sandbox.finishRefund('NTF-ABN', 'ABNORMAL'))?.answer).toBe(204);
    expect(await row('NTF-ABN')).toMatchObject({ status: 'failed', error_code: 'ABNORMAL' });
    const order = await processingRefund('NTF-CLOSED', 997);
    expect((await sandbox.finishRefund('NTF-CLOSED', 'CLOSED'))?.answer).toBe(204);
    expect(await row('NTF-CLOSED')).toMatchObject({ status: 'failed', error_code: 'CLOSED' });
    expect((await refundPayment(t.ctx, { storeId, merchantOrderNo: order, refundNo: 'NTF-CLOSED-2', amountFen: 1000, reason: '顾客退货' })).status).toBe('succeeded');
  });
});
