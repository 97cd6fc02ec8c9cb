// A local WeChat Pay sandbox. API v2: /pay/micropay, /pay/orderquery and /secapi/pay/reverse with
// signature checks and outcomes scripted by the last two digits of the payment code:
//   …11 the customer must enter a password (USERPAYING), paid 12 s later;
//   …12 balance too low (NOTENOUGH);     …13 SYSTEMERROR, but the charge went through;
//   …14 USERPAYING and never confirmed;  …15 the code expired (AUTHCODEEXPIRE);
//   anything else is paid at once.
// API v3 (when given keys): refunds and their query, the merchant's Authorization checked and
// every answer signed with the platform key; a refund is SUCCESS at once, or PROCESSING when its
// amount ends in 7 fen (SUCCESS at the next query). A refund that ends (finishRefund, or found
// SUCCESS by that query) is notified to the request's notify_url, signed and AEAD-encrypted as
// WeChat does. It keeps its orders and their refunds, from which bills are made later.
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../platform/clock';
import { parseXml, signV2, toXml, verifyV2, type WechatParams, type WechatSignType } from '../payments/wechat-v2';
import { encryptV3Resource, parseV3Authorization, signV3, v3Nonce, v3RequestMessage, v3ResponseMessage, v3Timestamp, verifyV3Signature, V3_MAX_SKEW_MS } from '../payments/wechat-v3';
import { openJournal } from './journal';
import { wechatBillEndpoints, type BillDownloads } from './bill-download';

export interface SandboxRefund {
  outRefundNo: string;
  refundId: string;
  refundFee: number;
  reason: string;
  status: 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';
  createdAt: number;
  successAt: number | null;
  /** Where the refund's result is notified (the request's notify_url). */
  notifyUrl?: string;
}

export interface SandboxOrder {
  outTradeNo: string;
  transactionId: string;
  totalFee: number;
  authCode: string;
  state: 'SUCCESS' | 'USERPAYING' | 'PAYERROR' | 'REVOKED' | 'CLOSED';
  createdAt: number;
  paidAt: number | null;
  /** Absent in journals written before refunds existed. */
  refunds?: SandboxRefund[];
}

/** A refund notification the sandbox sent, and the merchant's HTTP answer (0 when unreachable). */
export interface SentNotification {
  url: string;
  headers: Record<string, string>;
  body: string;
  answer: number;
}

export interface WechatSandbox {
  url: string;
  orders: Map<string, SandboxOrder>;
  /** Notifications sent so far, oldest first. */
  notifications: SentNotification[];
  /** Ends a PROCESSING refund as WeChat would and sends its notification; resolves once the merchant answered. */
  finishRefund(outRefundNo: string, status: 'SUCCESS' | 'ABNORMAL' | 'CLOSED'): Promise<SentNotification | undefined>;
  /** Waits for the notifications in flight. */
  idle(): Promise<void>;
  /** The trade bill download (`GET /v3/bill/tradebill`, bill-download.ts). */
  bills: BillDownloads;
  close(): Promise<void>;
}

export interface WechatSandboxOptions {
  /** Where the sandbox keeps its orders (JSON lines), so bills can be exported later. */
  journalFile?: string;
  /** Where the bills it has published are (bill-download.ts `publishBill`): a day's published bill is served instead of one made from the orders. */
  publishedBills?: string;
  appId: string;
  mchId: string;
  apiKey: string;
  signType: WechatSignType;
  clock: Clock;
  /** API v3: the merchant's public key and serial to check requests, the platform's key to sign answers. */
  v3?: SandboxV3Keys;
}

export interface SandboxV3Keys {
  merchantPublicKeyPem: string;
  merchantSerialNo: string;
  platformPrivateKeyPem: string;
  platformSerialNo: string;
  /** The merchant's APIv3 key, which encrypts notification resources; without it none are sent. */
  apiV3Key?: string;
}

const PASSWORD_DELAY_MS = 12_000;

/** …11 pays once the customer has had time to enter the password. */
function settleOrder(options: WechatSandboxOptions, o: SandboxOrder, record: (o: SandboxOrder) => void): void {
  if (o.state === 'USERPAYING' && o.authCode.endsWith('11') && options.clock.now().getTime() - o.createdAt >= PASSWORD_DELAY_MS) {
    o.state = 'SUCCESS';
    o.paidAt = o.createdAt + PASSWORD_DELAY_MS;
    record(o);
  }
}

export function wechatSandboxHandler(options: WechatSandboxOptions, orders: Map<string, SandboxOrder>, record: (o: SandboxOrder) => void = () => undefined) {
  const reply = (fields: WechatParams): string => {
    const out = { ...fields, appid: options.appId, mch_id: options.mchId, nonce_str: randomBytes(8).toString('hex') };
    return toXml({ ...out, sign: signV2(out, options.apiKey, options.signType) });
  };
  const ok = (fields: WechatParams) => reply({ return_code: 'SUCCESS', return_msg: 'OK', result_code: 'SUCCESS', ...fields });
  const fail = (errCode: string, des: string) => reply({ return_code: 'SUCCESS', return_msg: 'OK', result_code: 'FAIL', err_code: errCode, err_code_des: des });
  const now = () => options.clock.now().getTime();
  const settle = (o: SandboxOrder) => settleOrder(options, o, record);

  return (path: string, body: string): string => {
    let params: WechatParams;
    try {
      params = parseXml(body);
    } catch {
      return toXml({ return_code: 'FAIL', return_msg: 'XML_FORMAT_ERROR' });
    }
    if (params.appid !== options.appId || params.mch_id !== options.mchId) return toXml({ return_code: 'FAIL', return_msg: 'appid/mch_id mismatch' });
    if (!verifyV2(params, options.apiKey, options.signType)) return toXml({ return_code: 'FAIL', return_msg: 'SIGNERROR' });
    const outTradeNo = params.out_trade_no ?? '';
    if (path.endsWith('/pay/micropay')) {
      if (orders.has(outTradeNo)) return fail('OUT_TRADE_NO_USED', '商户订单号重复');
      const authCode = params.auth_code ?? '';
      if (!/^1[0-5]\d{16}$/.test(authCode)) return fail('AUTH_CODE_INVALID', '付款码无效');
      const tail = authCode.slice(-2);
      if (tail === '12') return fail('NOTENOUGH', '余额不足');
      if (tail === '15') return fail('AUTHCODEEXPIRE', '二维码已过期，请用户在微信上刷新后再试');
      const order: SandboxOrder = {
        outTradeNo,
        transactionId: `42000${String(now()).slice(-10)}${randomBytes(4).readUInt32BE(0).toString().padStart(10, '0').slice(0, 10)}`.slice(0, 28),
        totalFee: Number(params.total_fee),
        authCode,
        state: tail === '11' || tail === '14' ? 'USERPAYING' : 'SUCCESS',
        createdAt: now(),
        paidAt: tail === '11' || tail === '14' ? null : now(),
      };
      orders.set(outTradeNo, order);
      record(order);
      if (tail === '13') return reply({ return_code: 'SUCCESS', return_msg: 'OK', result_code: 'FAIL', err_code: 'SYSTEMERROR', err_code_des: '系统超时' });
      if (order.state === 'USERPAYING') return fail('USERPAYING', '需要用户输入支付密码');
      return ok({ out_trade_no: outTradeNo, transaction_id: order.transactionId, total_fee: String(order.totalFee), trade_type: 'MICROPAY', time_end: String(order.paidAt) });
    }
    const order = orders.get(outTradeNo);
    if (path.endsWith('/pay/orderquery')) {
      if (!order) return fail('ORDERNOTEXIST', '此交易订单号不存在');
      settle(order);
      return ok({ out_trade_no: outTradeNo, trade_state: order.state, transaction_id: order.state === 'SUCCESS' ? order.transactionId : '', total_fee: String(order.totalFee) });
    }
    if (path.endsWith('/secapi/pay/reverse')) {
      if (!order) return ok({ recall: 'N' });
      settle(order);
      order.state = 'REVOKED';
      record(order);
      return ok({ recall: 'N' });
    }
    return toXml({ return_code: 'FAIL', return_msg: 'unknown endpoint' });
  };
}

export interface V3SandboxReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Beijing time in RFC 3339, as v3 answers write times. */
function rfc3339(ms: number): string {
  return `${new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

const REFUND_EVENTS = { SUCCESS: ['REFUND.SUCCESS', '退款成功'], ABNORMAL: ['REFUND.ABNORMAL', '退款异常'], CLOSED: ['REFUND.CLOSED', '退款关闭'] } as const;

/**
 * A refund result notification as WeChat Pay v3 sends it: the refund encrypted with the APIv3
 * key (associated_data `refund`), the body signed with the platform key in `Wechatpay-*` headers.
 *
 * @example const { headers, body } = refundNotification(keys, '10000100', order, refund, Date.now())
 */
export function refundNotification(keys: Pick<SandboxV3Keys, 'platformPrivateKeyPem' | 'platformSerialNo'> & { apiV3Key: string }, mchId: string, order: SandboxOrder, refund: SandboxRefund, nowMs: number): { headers: Record<string, string>; body: string } {
  if (refund.status === 'PROCESSING') throw new Error(`refund ${refund.outRefundNo} has not ended yet`);
  const [eventType, summary] = REFUND_EVENTS[refund.status];
  const resource = {
    mchid: mchId,
    out_trade_no: order.outTradeNo,
    transaction_id: order.transactionId,
    out_refund_no: refund.outRefundNo,
    refund_id: refund.refundId,
    refund_status: refund.status,
    ...(refund.successAt !== null ? { success_time: rfc3339(refund.successAt) } : {}),
    user_received_account: '支付用户零钱',
    amount: { total: order.totalFee, refund: refund.refundFee, payer_total: order.totalFee, payer_refund: refund.refundFee },
  };
  const body = JSON.stringify({
    id: randomUUID(),
    create_time: rfc3339(nowMs),
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary,
    resource: { original_type: 'refund', ...encryptV3Resource(JSON.stringify(resource), keys.apiV3Key, 'refund') },
  });
  const timestamp = v3Timestamp(new Date(nowMs));
  const nonce = v3Nonce();
  return {
    headers: { 'content-type': 'application/json', 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce, 'wechatpay-serial': keys.platformSerialNo, 'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048', 'wechatpay-signature': signV3(v3ResponseMessage(timestamp, nonce, body), keys.platformPrivateKeyPem) },
    body,
  };
}

/**
 * The v3 refund endpoints: `POST /v3/refund/domestic/refunds`, `GET …/refunds/{out_refund_no}`;
 * `ended` hears of each refund that reached its final state (to notify it).
 */
export function wechatV3SandboxHandler(options: WechatSandboxOptions, orders: Map<string, SandboxOrder>, record: (o: SandboxOrder) => void = () => undefined, ended: (o: SandboxOrder, r: SandboxRefund) => void = () => undefined) {
  const now = () => options.clock.now().getTime();
  const answer = (status: number, payload: object): V3SandboxReply => {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'request-id': randomBytes(8).toString('hex') };
    if (options.v3) {
      const timestamp = v3Timestamp(options.clock.now());
      const nonce = v3Nonce();
      Object.assign(headers, { 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce, 'wechatpay-serial': options.v3.platformSerialNo, 'wechatpay-signature': signV3(v3ResponseMessage(timestamp, nonce, body), options.v3.platformPrivateKeyPem) });
    }
    return { status, headers, body };
  };
  const error = (status: number, code: string, message: string) => answer(status, { code, message });
  const findRefund = (outRefundNo: string): [SandboxOrder, SandboxRefund] | undefined => {
    for (const order of orders.values()) {
      const refund = order.refunds?.find((r) => r.outRefundNo === outRefundNo);
      if (refund) return [order, refund];
    }
    return undefined;
  };
  const refundJson = (order: SandboxOrder, r: SandboxRefund) => ({
    refund_id: r.refundId,
    out_refund_no: r.outRefundNo,
    transaction_id: order.transactionId,
    out_trade_no: order.outTradeNo,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(r.successAt !== null ? { success_time: rfc3339(r.successAt) } : {}),
    create_time: rfc3339(r.createdAt),
    status: r.status,
    funds_account: 'AVAILABLE',
    amount: { total: order.totalFee, refund: r.refundFee, payer_total: order.totalFee, payer_refund: r.refundFee, settlement_refund: r.refundFee, settlement_total: order.totalFee, discount_refund: 0, currency: 'CNY', refund_fee: 0 },
  });

  return (method: string, url: string, authorization: string | undefined, body: string): V3SandboxReply => {
    if (!options.v3) return error(404, 'NOT_FOUND', 'API v3 is not set up in this sandbox');
    const auth = parseV3Authorization(authorization);
    const signed = auth && auth.mchid === options.mchId && auth.serial_no === options.v3.merchantSerialNo && Math.abs(now() - Number(auth.timestamp) * 1000) <= V3_MAX_SKEW_MS;
    if (!signed || !verifyV3Signature(v3RequestMessage(method, url, auth.timestamp, auth.nonce_str, body), auth.signature, options.v3.merchantPublicKeyPem)) {
      return error(401, 'SIGN_ERROR', '签名错误，请检查商户证书序列号、私钥和签名串');
    }
    if (method === 'POST' && url === '/v3/refund/domestic/refunds') {
      const req = JSON.parse(body || '{}') as { out_trade_no?: string; out_refund_no?: string; reason?: string; notify_url?: string; amount?: { refund?: number; total?: number; currency?: string } };
      const order = orders.get(req.out_trade_no ?? '');
      const refundFee = req.amount?.refund ?? 0;
      if (!req.out_refund_no || !Number.isSafeInteger(refundFee) || refundFee <= 0 || req.amount?.currency !== 'CNY') return error(400, 'PARAM_ERROR', '参数错误：out_refund_no、amount.refund、amount.currency 必填');
      if (!order) return error(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
      const done = findRefund(req.out_refund_no);
      if (done) {
        // The same out_refund_no again answers the refund already made; a different one is refused.
        if (done[0] !== order || done[1].refundFee !== refundFee) return error(400, 'INVALID_REQUEST', '商户退款单号已被使用，且与本次退款的订单或金额不一致');
        return answer(200, refundJson(...done));
      }
      settleOrder(options, order, record);
      if (order.state !== 'SUCCESS') return error(400, 'INVALID_REQUEST', '订单未支付或已撤销，不能退款');
      if (req.amount?.total !== order.totalFee) return error(400, 'PARAM_ERROR', '订单金额与原订单金额不一致');
      // A closed refund moved no money, so its amount may be refunded again.
      const refunded = (order.refunds ?? []).reduce((sum, r) => (r.status === 'CLOSED' ? sum : sum + r.refundFee), 0);
      if (refundFee > order.totalFee - refunded) return error(400, 'INVALID_REQUEST', `申请退款金额超过订单可退金额（可退 ${order.totalFee - refunded} 分）`);
      const processing = refundFee % 10 === 7;
      const refund: SandboxRefund = { outRefundNo: req.out_refund_no, refundId: `503${String(now()).slice(-10)}${randomBytes(4).readUInt32BE(0).toString().padStart(10, '0').slice(0, 10)}`, refundFee, reason: req.reason ?? '', status: processing ? 'PROCESSING' : 'SUCCESS', createdAt: now(), successAt: processing ? null : now(), ...(req.notify_url ? { notifyUrl: req.notify_url } : {}) };
      order.refunds = [...(order.refunds ?? []), refund];
      record(order);
      if (!processing) ended(order, refund);
      return answer(200, refundJson(order, refund));
    }
    const query = /^\/v3\/refund\/domestic\/refunds\/([^/?]+)$/.exec(url);
    if (method === 'GET' && query) {
      const found = findRefund(decodeURIComponent(query[1] ?? ''));
      if (!found) return error(404, 'RESOURCE_NOT_EXISTS', '退款单不存在');
      const [order, refund] = found;
      if (refund.status === 'PROCESSING') {
        refund.status = 'SUCCESS';
        refund.successAt = now();
        record(order);
        ended(order, refund);
      }
      return answer(200, refundJson(order, refund));
    }
    return error(404, 'NOT_FOUND', 'unknown endpoint');
  };
}

/** Starts the sandbox on a free loopback port. */
export async function startWechatSandbox(options: WechatSandboxOptions): Promise<WechatSandbox> {
  const journal = options.journalFile ? openJournal<SandboxOrder>(options.journalFile, 'outTradeNo') : undefined;
  const orders = new Map<string, SandboxOrder>((journal?.load() ?? []).map((o) => [o.outTradeNo, o]));
  const record = (o: SandboxOrder) => journal?.append(o);
  const notifications: SentNotification[] = [];
  const inFlight = new Set<Promise<SentNotification | undefined>>();
  // Sent once, after the answer that ended the refund (WeChat retries unanswered ones for a day; this sandbox does not).
  const notify = (order: SandboxOrder, refund: SandboxRefund): Promise<SentNotification | undefined> => {
    const v3 = options.v3;
    if (!refund.notifyUrl || !v3?.apiV3Key) return Promise.resolve(undefined);
    const url = refund.notifyUrl;
    const { headers, body } = refundNotification({ ...v3, apiV3Key: v3.apiV3Key }, options.mchId, order, refund, options.clock.now().getTime());
    const sending = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(5_000) }))
      .then(
        async (res) => {
          await res.arrayBuffer();
          return res.status;
        },
        () => 0,
      )
      .then((status) => {
        const sent = { url, headers, body, answer: status };
        notifications.push(sent);
        return sent;
      });
    inFlight.add(sending);
    void sending.finally(() => inFlight.delete(sending));
    return sending;
  };
  const handle = wechatSandboxHandler(options, orders, record);
  const handleV3 = wechatV3SandboxHandler(options, orders, record, (o, r) => void notify(o, r));
  const finishRefund = (outRefundNo: string, status: 'SUCCESS' | 'ABNORMAL' | 'CLOSED') => {
    for (const order of orders.values()) {
      const refund = order.refunds?.find((r) => r.outRefundNo === outRefundNo && r.status === 'PROCESSING');
      if (!refund) continue;
      refund.status = status;
      if (status === 'SUCCESS') refund.successAt = options.clock.now().getTime();
      record(order);
      return notify(order, refund);
    }
    return Promise.reject(new Error(`no PROCESSING refund ${outRefundNo} in the sandbox`));
  };
  let baseUrl = '';
  const bills = wechatBillEndpoints(options, () => [...orders.values()], () => baseUrl);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      const body = Buffer.concat(chunks).toString('utf8');
      const bill = bills.handle(req.method ?? 'GET', url, req.headers.authorization);
      if (bill) {
        res.writeHead(bill.status, bill.headers);
        res.end(bill.body);
        return;
      }
      if (url.startsWith('/v3/')) {
        const reply = handleV3(req.method ?? 'GET', url, req.headers.authorization, body);
        res.writeHead(reply.status, { ...reply.headers, 'content-type': 'application/json; charset=utf-8' });
        res.end(reply.body);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
      res.end(handle(url, body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  const idle = async () => {
    await Promise.all([...inFlight]);
  };
  return { url: baseUrl, orders, notifications, finishRefund, idle, bills, close: () => idle().then(() => new Promise((resolve) => server.close(() => resolve()))) };
}
