// WeChat Pay over HTTP, signed and verified: v2 payment-code calls (micropay, orderquery,
// reverse), v3 refunds (create and query) and the v3 trade bill download.
import { createHash, randomBytes } from 'node:crypto';
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
  /** Where WeChat Pay posts refund results (`…/api/v1/payments/wechat/refund-notify`), sent as each refund's notify_url. */
  refundNotifyUrl?: string;
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
        ...(config.refundNotifyUrl ? { notify_url: config.refundNotifyUrl } : {}),
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

/**
 * Downloads the ALL trade bill of a Beijing date through API v3: `GET /v3/bill/tradebill` gives
 * the download URL and the file's SHA-1; the file is fetched with a signed GET and refused unless
 * its SHA-1 is the one announced (a download cut off or changed on the way).
 *
 * @example const bytes = await downloadWechatTradeBill(config, '2026-11-29')
 */
export async function downloadWechatTradeBill(config: WechatConfig, billDate: string): Promise<Buffer> {
  const reply = await callWechatV3(config, 'GET', `/v3/bill/tradebill?bill_date=${encodeURIComponent(billDate)}&bill_type=ALL`);
  const { download_url: url, hash_type: hashType, hash_value: hashValue } = reply.json as { download_url?: string; hash_type?: string; hash_value?: string };
  if (reply.httpStatus !== 200 || !url || !hashValue) {
    throw new AppError('BILL_NOT_AVAILABLE', `WeChat Pay has no trade bill for ${billDate} yet (${String(reply.json.code ?? reply.httpStatus)}: ${String(reply.json.message ?? 'no message')}). Bills are ready about 10:00 the next day.`, { status: 409, details: { channel: 'wechat', code: reply.json.code ?? null } });
  }
  const keys = wechatV3Keys(config);
  const target = new URL(url);
  const clock = config.clock ?? systemClock;
  const authorization = v3Authorization({ mchId: config.mchId, serialNo: keys.merchantSerialNo, privateKeyPem: keys.merchantPrivateKeyPem, method: 'GET', pathWithQuery: `${target.pathname}${target.search}`, body: '', timestamp: v3Timestamp(clock.now()), nonce: v3Nonce() });
  let bytes: Buffer;
  let status: number;
  try {
    const res = await fetch(target, { headers: { authorization }, signal: AbortSignal.timeout(config.timeoutMs) });
    status = res.status;
    bytes = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw new ChannelUnreachable(`WeChat Pay's bill download for ${billDate} did not finish: ${(err as Error).message}`);
  }
  if (status !== 200) throw new AppError('BILL_NOT_AVAILABLE', `WeChat Pay's bill download for ${billDate} answered HTTP ${status}; try again.`, { status: 502, details: { channel: 'wechat' } });
  const actual = createHash((hashType ?? 'SHA1').toLowerCase() === 'sha1' ? 'sha1' : 'sha256').update(bytes).digest('hex');
  if (actual.toLowerCase() !== hashValue.toLowerCase()) {
    throw new AppError('BILL_HASH_MISMATCH', `The WeChat Pay bill for ${billDate} downloaded as ${bytes.length} bytes whose ${hashType ?? 'SHA1'} is ${actual}, not the ${hashValue} WeChat announced: the download was cut off or changed. Nothing was imported; it is downloaded again at the next run.`, { status: 502, details: { channel: 'wechat', bytes: bytes.length, expected: hashValue, actual } });
  }
  return bytes;
}
