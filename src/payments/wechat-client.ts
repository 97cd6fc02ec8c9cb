// WeChat Pay v2 payment-code calls (micropay, orderquery, reverse) over HTTP, signed and verified.
import { randomBytes } from 'node:crypto';
import { AppError } from '../platform/errors';
import { parseXml, signV2, toXml, verifyV2, type WechatParams, type WechatSignType } from './wechat-v2';
import { ChannelUnreachable, type CodeChannel } from './code-channel';
import { wechatOutcome } from './payment-state';

export interface WechatConfig {
  baseUrl: string;
  appId: string;
  mchId: string;
  apiKey: string;
  signType: WechatSignType;
  /** A call that takes longer is treated as unknown and settled by querying. */
  timeoutMs: number;
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
  };
}
