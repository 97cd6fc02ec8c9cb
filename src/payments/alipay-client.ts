// Alipay OpenAPI for payment codes (alipay.trade.pay scene bar_code, query, cancel) and refunds
// (alipay.trade.refund, alipay.trade.fastpay.refund.query) and the bill download URL: form posts signed RSA2 over the
// sorted parameters, answers verified against Alipay's public key.
import { createSign, createVerify } from 'node:crypto';
import { AppError } from '../platform/errors';
import { formatYuan } from '../platform/money';
import { ChannelUnreachable, REFUND_NOT_FOUND, type ChannelAnswer, type CodeChannel, type RefundAnswer } from './code-channel';

export interface AlipayConfig {
  gatewayUrl: string;
  appId: string;
  /** The merchant's RSA private key (PEM), from a key file or env; never logged. */
  privateKeyPem: string;
  /** Alipay's public key (PEM), to verify answers. */
  alipayPublicKeyPem: string;
  timeoutMs: number;
}

/** `k=v&…` over the sorted non-empty parameters, `sign` left out (FORMATS.md). */
export function alipaySignContent(params: Record<string, string>, exclude: readonly string[] = ['sign']): string {
  return Object.keys(params)
    .filter((k) => !exclude.includes(k) && params[k] !== undefined && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k] ?? ''}`)
    .join('&');
}

export function signRsa2(content: string, privateKeyPem: string): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKeyPem, 'base64');
}

export function verifyRsa2(content: string, signature: string, publicKeyPem: string): boolean {
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKeyPem, signature, 'base64');
  } catch {
    return false;
  }
}

/**
 * The raw text of the JSON object under `key` in `text`: Alipay signs the response node as it
 * was sent, so it must be verified byte for byte, not re-serialised.
 */
export function rawJsonObject(text: string, key: string): string | undefined {
  const at = text.indexOf(`"${key}"`);
  if (at < 0) return undefined;
  const start = text.indexOf('{', at + key.length + 2);
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{') depth++;
    else if (ch === '}' && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

function timestamp(now: Date): string {
  // Alipay reads the timestamp as Beijing time.
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
}

/**
 * Calls an Alipay API method and returns its verified response node.
 *
 * @example await callAlipay(config, 'alipay.trade.query', { out_trade_no: 'S001…' })
 */
export async function callAlipay(config: AlipayConfig, method: string, biz: Record<string, string>): Promise<Record<string, string>> {
  const params: Record<string, string> = {
    app_id: config.appId,
    method,
    format: 'JSON',
    charset: 'utf-8',
    sign_type: 'RSA2',
    timestamp: timestamp(new Date()),
    version: '1.0',
    biz_content: JSON.stringify(biz),
  };
  params.sign = signRsa2(alipaySignContent(params), config.privateKeyPem);
  let text: string;
  try {
    const res = await fetch(config.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' }, body: new URLSearchParams(params).toString(), signal: AbortSignal.timeout(config.timeoutMs) });
    text = await res.text();
  } catch (err) {
    throw new ChannelUnreachable(`Alipay ${method} did not answer: ${(err as Error).message}`);
  }
  const nodeKey = `${method.replace(/\./g, '_')}_response`;
  const raw = rawJsonObject(text, nodeKey);
  const signature = (JSON.parse(text) as { sign?: string }).sign ?? '';
  if (!raw) throw new AppError('ALIPAY_REJECTED', `Alipay's answer to ${method} has no ${nodeKey}.`, { status: 502 });
  if (!verifyRsa2(raw, signature, config.alipayPublicKeyPem)) {
    throw new AppError('ALIPAY_SIGNATURE_INVALID', `Alipay's ${method} answer has a wrong signature; it was not trusted.`, { status: 502 });
  }
  return JSON.parse(raw) as Record<string, string>;
}

/** Alipay as a payment-code channel (FORMATS.md: 10003 → query every 3–6 s for ~60 s, then cancel). */
export function alipayChannel(config: AlipayConfig): CodeChannel {
  const queryAnswer = (node: Record<string, string>): ChannelAnswer => {
    if (node.code !== '10000') return { status: 'unknown' };
    switch (node.trade_status) {
      case 'TRADE_SUCCESS':
      case 'TRADE_FINISHED':
        return { status: 'succeeded', channelTxnId: node.trade_no ?? null };
      case 'WAIT_BUYER_PAY':
        return { status: 'user_paying' };
      case 'TRADE_CLOSED':
        return { status: 'cancelled', errorCode: 'TRADE_CLOSED' };
      default:
        return { status: 'unknown' };
    }
  };
  const queryRefund = async (ref: { merchantOrderNo: string; refundNo: string }): Promise<RefundAnswer> => {
    const node = await callAlipay(config, 'alipay.trade.fastpay.refund.query', { out_trade_no: ref.merchantOrderNo, out_request_no: ref.refundNo });
    if (node.code !== '10000') return { status: 'unknown', errorCode: node.sub_code ?? node.code ?? null, message: node.sub_msg ?? null };
    // Alipay's rule: no refund_status means the refund was not received (or did not go through).
    if (node.refund_status === 'REFUND_SUCCESS') return { status: 'succeeded', channelRefundId: node.trade_no ?? null };
    return { status: 'unknown', errorCode: REFUND_NOT_FOUND };
  };
  return {
    queryEveryMs: 5_000,
    giveUpAfterMs: 60_000,
    async pay(order) {
      const node = await callAlipay(config, 'alipay.trade.pay', {
        out_trade_no: order.merchantOrderNo,
        scene: 'bar_code',
        auth_code: order.authCode,
        product_code: 'FACE_TO_FACE_PAYMENT',
        subject: order.subject.slice(0, 128),
        total_amount: formatYuan(order.amountFen),
      });
      if (node.code === '10000') return { status: 'succeeded', channelTxnId: node.trade_no ?? null };
      if (node.code === '10003') return { status: 'user_paying' };
      if (node.code === '40004' && node.sub_code !== 'ACQ.TRADE_HAS_SUCCESS') return { status: 'failed', errorCode: node.sub_code ?? node.code, message: node.sub_msg ?? node.msg ?? null };
      return { status: 'unknown', errorCode: node.sub_code ?? node.code ?? null };
    },
    async query(merchantOrderNo) {
      return queryAnswer(await callAlipay(config, 'alipay.trade.query', { out_trade_no: merchantOrderNo }));
    },
    async cancel(merchantOrderNo) {
      const node = await callAlipay(config, 'alipay.trade.cancel', { out_trade_no: merchantOrderNo });
      return node.code === '10000' && node.retry_flag !== 'Y' ? 'done' : 'retry';
    },
    async refund(order) {
      const node = await callAlipay(config, 'alipay.trade.refund', {
        out_trade_no: order.merchantOrderNo,
        refund_amount: formatYuan(order.refundFen),
        out_request_no: order.refundNo,
        refund_reason: order.reason.slice(0, 256),
      });
      if (node.code === '10000') {
        if (node.fund_change === 'Y') return { status: 'succeeded', channelRefundId: node.trade_no ?? null };
        // N: a repeat of a refund already made, or one whose money has not moved: the query says which.
        const found = await queryRefund(order);
        return found.status === 'succeeded' ? found : { status: 'processing', channelRefundId: node.trade_no ?? null };
      }
      if (node.code === '40004' && node.sub_code !== 'ACQ.SYSTEM_ERROR') return { status: 'failed', errorCode: node.sub_code ?? node.code, message: node.sub_msg ?? node.msg ?? null };
      return { status: 'unknown', errorCode: node.sub_code ?? node.code ?? null, message: node.sub_msg ?? null };
    },
    queryRefund,
  };
}

/**
 * Downloads the trade bill (业务明细 zip) of a Beijing date: `alipay.data.dataservice.bill.downloadurl.query`
 * gives a link valid about 30 seconds, fetched at once. Alipay gives no hash; the zip's own CRCs
 * catch a cut-off download when it is read.
 *
 * @example const zip = await downloadAlipayBill(config, '2026-11-29')
 */
export async function downloadAlipayBill(config: AlipayConfig, billDate: string): Promise<Buffer> {
  const node = await callAlipay(config, 'alipay.data.dataservice.bill.downloadurl.query', { bill_type: 'trade', bill_date: billDate });
  const url = node.bill_download_url;
  if (node.code !== '10000' || !url) {
    throw new AppError('BILL_NOT_AVAILABLE', `Alipay has no trade bill for ${billDate} yet (${node.sub_code ?? node.code ?? ''}: ${node.sub_msg ?? node.msg ?? 'no message'}). Bills are ready before 09:00 the next day.`, { status: 409, details: { channel: 'alipay', code: node.sub_code ?? node.code ?? null } });
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(config.timeoutMs) });
    if (res.status !== 200) throw new AppError('BILL_NOT_AVAILABLE', `Alipay's bill link for ${billDate} answered HTTP ${res.status} (it lives about 30 seconds); try again.`, { status: 502, details: { channel: 'alipay' } });
    return Buffer.from(await res.arrayBuffer());
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new ChannelUnreachable(`Alipay's bill download for ${billDate} did not finish: ${(err as Error).message}`);
  }
}
