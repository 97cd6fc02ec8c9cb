// WeChat Pay over HTTP, signed and verified: v2 payment-code calls (micropay, orderquery,
// reverse) and v3 refunds (create and query).
import { randomBytes } from 'node:crypto';
import { AppError } from '../platform/errors';
import { systemClock, type Clock } from '../platform/clock';
import { parseXml, signV2, toXml, verifyV2, type WechatParams, type WechatSignType } from './wechat-v2';
import { v3Authorization, v3Nonce, v3ResponseProblem, v3Timestamp, type WechatV3Keys } from './wechat-v3';
import { ChannelUnreachable, REFUND_NOT_FOUND, type CodeChannel, type RefundAnswer } from './code-channel';
import { wechatOutcome } from './payment-state';

export interface WechatConfig {
  baseUrl: string;
  appId: string;
  mchId: string;
  apiKey: string;
  signType: WechatSignType;
  /** A call that takes longer is treated as unknown and settled by querying. */
  timeoutMs: number;
  /** API v3 keys, which refunds need; without them a refund is refused as unavailable. */
  v3?: WechatV3Keys;
  /** The clock v3 timestamps are made and checked by; tests pass their manual clock. */
  clock?: Clock;
}

export type WechatCall = 'micropay' | 'orderquery' | 'reverse';
const PATHS: Record<WechatCall, string> = { micropay: '/pay/micropay', orderquery: '/pay/orderquery', reverse: '/secapi/pay/reverse' };

/**
 * Calls WeChat Pay (or its sandbox) and returns the verified response fields.
 *
 * @example await callWechat(config, 'orderquery', { out_trade_no: 'S001…' })
 */
export async function callWechat(config: WechatConfig, call: WechatCall, fields: WechatParams): Promise<WechatParams> {
  const params: WechatParams = { ...fields, appid: config.appId, mch_id: config.mchId, nonce_str: randomBytes(12).toString('hex'), sign_type: config.signType };
  const body = toXml({ ...params, sign: signV2(params, config.apiKey, config.signType) });
  let text: string;
  try {
    const res = await fetch(`${config.baseUrl}${PATHS[call]}`, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body, signal: AbortSignal.timeout(config.timeoutMs) });
    text = await res.text();
  } catch (err) {
    throw new ChannelUnreachable(`WeChat Pay ${call} did not answer: ${(err as Error).message}`);
  }
  const reply = parseXml(text);
  if (reply.return_code !== 'SUCCESS') {
    throw new AppError('WECHAT_REJECTED', `WeChat Pay refused the ${call} request: ${reply.return_msg ?? 'no message'}. Check the merchant settings.`, { status: 502 });
  }
  if (!verifyV2(reply, config.apiKey, config.signType)) {
    throw new AppError('WECHAT_SIGNATURE_INVALID', `WeChat Pay's ${call} answer has a wrong signature; it was not trusted.`, { status: 502 });
  }
  return reply;
}

/** The v3 keys of a merchant, or the reason refunds cannot be made without them. */
export function wechatV3Keys(config: WechatConfig): WechatV3Keys {
  if (!config.v3) throw new AppError('PAYMENT_METHOD_UNAVAILABLE', 'WeChat Pay refunds need the merchant\'s API v3 keys (certificate key and serial, platform public key, APIv3 key). Set them up, or refund in cash.');
  return config.v3;
}

export interface V3Reply {
  httpStatus: number;
  json: Record<string, unknown>;
}

/**
 * Calls a WeChat Pay v3 endpoint with a signed request and returns the answer once its
 * signature, platform serial and timestamp check out (error answers too: an unsigned
 * "refused" could otherwise free an amount that was in fact refunded).
 *
 * @example await callWechatV3(config, 'GET', '/v3/refund/domestic/refunds/R001')
 */
export async function callWechatV3(config: WechatConfig, method: 'GET' | 'POST', pathWithQuery: string, payload?: object): Promise<V3Reply> {
  const keys = wechatV3Keys(config);
  const clock = config.clock ?? systemClock;
  const body = payload === undefined ? '' : JSON.stringify(payload);
  const authorization = v3Authorization({ mchId: config.mchId, serialNo: keys.merchantSerialNo, privateKeyPem: keys.merchantPrivateKeyPem, method, pathWithQuery, body, timestamp: v3Timestamp(clock.now()), nonce: v3Nonce() });
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${config.baseUrl}${pathWithQuery}`, {
      method,
      headers: { authorization, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body } : {}),
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    throw new ChannelUnreachable(`WeChat Pay ${method} ${pathWithQuery} did not answer: ${(err as Error).message}`);
  }
  const header = (name: string) => res.headers.get(name) ?? undefined;
  const problem = v3ResponseProblem({ timestamp: header('wechatpay-timestamp'), nonce: header('wechatpay-nonce'), signature: header('wechatpay-signature'), serial: header('wechatpay-serial') }, text, keys, clock.now().getTime());
  if (problem) throw new AppError('WECHAT_SIGNATURE_INVALID', `WeChat Pay's answer to ${method} ${pathWithQuery} was not trusted: ${problem}.`, { status: 502 });
  try {
    return { httpStatus: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  } catch {
    throw new AppError('WECHAT_REJECTED', `WeChat Pay's answer to ${method} ${pathWithQuery} is not JSON (HTTP ${res.status}).`, { status: 502 });
  }
}

const nonEmpty = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** What a v3 refund answer means (FORMATS.md: SUCCESS, PROCESSING, ABNORMAL, CLOSED; error JSON `{code, message}`). */
export function wechatRefundAnswer(reply: V3Reply): RefundAnswer {
  const { json } = reply;
  if (reply.httpStatus >= 200 && reply.httpStatus < 300) {
    const channelRefundId = nonEmpty(json.refund_id);
    switch (json.status) {
      case 'SUCCESS':
        return { status: 'succeeded', channelRefundId };
      case 'PROCESSING':
        return { status: 'processing', channelRefundId };
      case 'ABNORMAL':
        return { status: 'failed', channelRefundId, errorCode: 'ABNORMAL', message: 'The refund could not reach the customer\'s account (退款异常). Finish it in the WeChat Pay merchant platform or refund in cash.' };
      case 'CLOSED':
        return { status: 'failed', channelRefundId, errorCode: 'CLOSED', message: 'WeChat Pay closed the refund (退款关闭).' };
      default:
        return { status: 'unknown', channelRefundId, errorCode: nonEmpty(json.status) };
    }
  }
  const code = nonEmpty(json.code) ?? `HTTP_${reply.httpStatus}`;
  // A busy or failing WeChat may or may not have taken the refund: ask again later.
  if (reply.httpStatus === 429 || reply.httpStatus >= 500 || code === 'SYSTEM_ERROR' || code === 'FREQUENCY_LIMITED') return { status: 'unknown', errorCode: code, message: nonEmpty(json.message) };
  return { status: 'failed', errorCode: code, message: nonEmpty(json.message) };
}

/** WeChat Pay as a payment-code channel (FORMATS.md: query every ~5–10 s for ~30 s, then reverse). */
export function wechatChannel(config: WechatConfig): CodeChannel {
  return {
    queryEveryMs: 5_000,
    giveUpAfterMs: 30_000,
    async pay(order) {
      const reply = await callWechat(config, 'micropay', {
        body: order.subject.slice(0, 120),
        out_trade_no: order.merchantOrderNo,
        total_fee: String(order.amountFen),
        spbill_create_ip: '127.0.0.1',
        auth_code: order.authCode,
      });
      return { ...wechatOutcome(reply), channelTxnId: reply.transaction_id || null };
    },
    async query(merchantOrderNo) {
      const reply = await callWechat(config, 'orderquery', { out_trade_no: merchantOrderNo });
      // ORDERNOTEXIST while the charge is in flight: ask again later.
      if (reply.result_code !== 'SUCCESS') return { status: 'unknown' };
      return { ...wechatOutcome(reply), channelTxnId: reply.transaction_id || null };
    },
    async cancel(merchantOrderNo) {
      const reply = await callWechat(config, 'reverse', { out_trade_no: merchantOrderNo });
      return reply.result_code === 'SUCCESS' && reply.recall !== 'Y' ? 'done' : 'retry';
    },
    async refund(order) {
      const reply = await callWechatV3(config, 'POST', '/v3/refund/domestic/refunds', {
        out_trade_no: order.merchantOrderNo,
        out_refund_no: order.refundNo,
        // WeChat shows the reason to the customer and takes at most 80 characters.
        reason: order.reason.slice(0, 80),
        amount: { refund: order.refundFen, total: order.totalFen, currency: 'CNY' },
      });
      return wechatRefundAnswer(reply);
    },
    async queryRefund(ref) {
      const reply = await callWechatV3(config, 'GET', `/v3/refund/domestic/refunds/${encodeURIComponent(ref.refundNo)}`);
      if (reply.httpStatus === 404) return { status: 'unknown', errorCode: REFUND_NOT_FOUND };
      return wechatRefundAnswer(reply);
    },
  };
}
