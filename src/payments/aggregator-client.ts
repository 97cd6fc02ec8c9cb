// An aggregator (聚合支付) for UnionPay QuickPass and e-CNY payment codes: JSON posts signed with
// HMAC-SHA256 over the sorted fields (`k=v&…&key=SECRET`, uppercase hex), the scheme most
// Chinese aggregators use. Which aggregator a store contracts is configuration; this adapter
// speaks the common shape (pay, query, cancel by merchant order number; refund and refund
// query by the merchant's refund number).
import { randomBytes } from 'node:crypto';
import { signFields, verifyFields } from '../platform/signed-fields';
import { AppError } from '../platform/errors';
import { ChannelUnreachable, REFUND_NOT_FOUND, type ChannelAnswer, type CodeChannel, type RefundAnswer } from './code-channel';

export interface AggregatorConfig {
  baseUrl: string;
  merchantNo: string;
  secret: string;
  timeoutMs: number;
}

export type AggregatorFields = Record<string, string>;

/** The aggregator's signature (platform/signed-fields.ts: sorted fields, HMAC-SHA256, uppercase hex). */
export const signAggregator = signFields;
export const verifyAggregator = verifyFields;

export async function callAggregator(config: AggregatorConfig, path: '/pay' | '/query' | '/cancel' | '/refund' | '/refund_query', fields: AggregatorFields): Promise<AggregatorFields> {
  const body: AggregatorFields = { ...fields, merchant_no: config.merchantNo, nonce: randomBytes(8).toString('hex') };
  body.sign = signAggregator(body, config.secret);
  let reply: AggregatorFields;
  try {
    const res = await fetch(`${config.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(config.timeoutMs) });
    reply = (await res.json()) as AggregatorFields;
  } catch (err) {
    throw new ChannelUnreachable(`The aggregator's ${path} did not answer: ${(err as Error).message}`);
  }
  if (!verifyAggregator(reply, config.secret)) {
    throw new AppError('AGGREGATOR_SIGNATURE_INVALID', `The aggregator's ${path} answer has a wrong signature; it was not trusted.`, { status: 502 });
  }
  return reply;
}

function answer(reply: AggregatorFields): ChannelAnswer {
  switch (reply.status) {
    case 'SUCCESS':
      return { status: 'succeeded', channelTxnId: reply.trade_no ?? null };
    case 'PAYING':
      return { status: 'user_paying' };
    case 'FAIL':
      return { status: 'failed', errorCode: reply.err_code ?? 'FAIL', message: reply.err_msg ?? null };
    case 'CLOSED':
      return { status: 'cancelled', errorCode: 'CLOSED' };
    default:
      return { status: 'unknown', errorCode: reply.err_code ?? reply.status ?? null };
  }
}

function refundAnswer(reply: AggregatorFields): RefundAnswer {
  const channelRefundId = reply.refund_id ?? null;
  switch (reply.status) {
    case 'SUCCESS':
      return { status: 'succeeded', channelRefundId };
    case 'PROCESSING':
      return { status: 'processing', channelRefundId };
    case 'FAIL':
      return { status: 'failed', errorCode: reply.err_code ?? 'FAIL', message: reply.err_msg ?? null };
    case 'NOT_FOUND':
      return { status: 'unknown', errorCode: REFUND_NOT_FOUND };
    default:
      return { status: 'unknown', errorCode: reply.err_code ?? reply.status ?? null };
  }
}

/** UnionPay QuickPass or e-CNY through the aggregator (query every 5 s for 60 s, then cancel). */
export function aggregatorChannel(config: AggregatorConfig, wallet: 'unionpay' | 'ecny'): CodeChannel {
  return {
    queryEveryMs: 5_000,
    giveUpAfterMs: 60_000,
    async pay(order) {
      return answer(await callAggregator(config, '/pay', { out_trade_no: order.merchantOrderNo, auth_code: order.authCode, total_fen: String(order.amountFen), subject: order.subject.slice(0, 64), wallet }));
    },
    async query(merchantOrderNo) {
      const reply = await callAggregator(config, '/query', { out_trade_no: merchantOrderNo });
      return reply.status === 'NOT_FOUND' ? { status: 'unknown' } : answer(reply);
    },
    async cancel(merchantOrderNo) {
      const reply = await callAggregator(config, '/cancel', { out_trade_no: merchantOrderNo });
      return reply.status === 'CLOSED' ? 'done' : 'retry';
    },
    async refund(order) {
      return refundAnswer(await callAggregator(config, '/refund', { out_trade_no: order.merchantOrderNo, out_refund_no: order.refundNo, refund_fen: String(order.refundFen), total_fen: String(order.totalFen), reason: order.reason.slice(0, 64) }));
    },
    async queryRefund(ref) {
      return refundAnswer(await callAggregator(config, '/refund_query', { out_trade_no: ref.merchantOrderNo, out_refund_no: ref.refundNo }));
    },
  };
}
