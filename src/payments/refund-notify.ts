// WeChat Pay v3 refund result notifications (退款结果通知): WeChat posts the final state of a
// refund to the notify_url sent with it. A notification is trusted only when its platform
// signature checks out within 5 minutes of our clock and its id was never seen before (a replay
// is refused); its resource is then decrypted with the APIv3 key and settles the refund.
import { z } from 'zod';
import { AppError } from '../platform/errors';
import type { Ctx } from '../platform/context';
import { decryptV3Resource, v3ResponseProblem, type V3SignedHeaders } from './wechat-v3';
import { wechatRefundAnswer, type WechatConfig } from './wechat-client';
import { wechatConfigFor, wechatV3Configs } from './service';
import { recordRefundOutcome, type RefundStatus } from './refunds';

const Notification = z.object({
  id: z.string().min(1).max(64),
  create_time: z.string().max(40).optional(),
  event_type: z.enum(['REFUND.SUCCESS', 'REFUND.ABNORMAL', 'REFUND.CLOSED']),
  resource: z.object({
    algorithm: z.literal('AEAD_AES_256_GCM'),
    ciphertext: z.string().min(1),
    nonce: z.string().min(1).max(64),
    associated_data: z.string().max(64).optional(),
    original_type: z.string().max(32).optional(),
  }),
});

/** The decrypted resource: the refund as WeChat's refund query returns it. */
const RefundResource = z.object({
  mchid: z.string(),
  out_trade_no: z.string(),
  out_refund_no: z.string(),
  refund_id: z.string().optional(),
  refund_status: z.enum(['SUCCESS', 'ABNORMAL', 'CLOSED']),
  amount: z.object({ refund: z.number().int(), total: z.number().int() }),
});

export interface RefundNotifyResult {
  refundNo: string;
  /** The refund's state after the notification; null when no store of ours has that refund. */
  status: RefundStatus | null;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError('VALIDATION_FAILED', `The ${what} is not JSON.`);
  }
}

const untrusted = (why: string) => new AppError('WECHAT_NOTIFY_UNTRUSTED', `The refund notification was not trusted: ${why}.`, { status: 401 });

/** The merchant whose platform key verifies the notification, or why none does. */
function verifiedMerchant(headers: V3SignedHeaders, body: string, nowMs: number): WechatConfig {
  const candidates = wechatV3Configs().filter((c) => c.v3?.platformSerialNo === headers.serial);
  let problem = candidates.length === 0 ? `no store is set up with WeChat Pay platform certificate ${headers.serial ?? '(none given)'}` : '';
  for (const config of candidates) {
    if (!config.v3) continue;
    const found = v3ResponseProblem(headers, body, config.v3, nowMs);
    if (found === null) return config;
    problem ||= found;
  }
  throw untrusted(problem);
}

/**
 * Verifies, de-duplicates and applies a refund notification; throws AppError (401 for an
 * untrusted or replayed one, NOTIFY_REPLAYED for the latter) and changes nothing when it is
 * refused. The notification id is stored in the same transaction as the refund's new state.
 *
 * @example await acceptWechatRefundNotification(ctx, { timestamp, nonce, signature, serial }, rawBody)
 */
export async function acceptWechatRefundNotification(ctx: Ctx, headers: V3SignedHeaders, body: string): Promise<RefundNotifyResult> {
  const merchant = verifiedMerchant(headers, body, ctx.clock.now().getTime());
  const keys = merchant.v3;
  if (!keys) throw untrusted('the merchant has no API v3 keys');
  const parsed = Notification.safeParse(parseJson(body, 'refund notification'));
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', `The refund notification is not one WeChat Pay sends: ${parsed.error.issues[0]?.message ?? 'invalid'}.`);
  const notice = parsed.data;
  const resource = RefundResource.safeParse(parseJson(decryptV3Resource(notice.resource, keys.apiV3Key), 'decrypted resource'));
  if (!resource.success) throw new AppError('WECHAT_RESOURCE_INVALID', `The refund notification's resource is not a refund: ${resource.error.issues[0]?.message ?? 'invalid'}.`);
  const refund = resource.data;

  return ctx.db.transaction().execute(async (tx) => {
    const txCtx: Ctx = { ...ctx, db: tx };
    const candidates = await tx.selectFrom('payment_refunds').select(['store_id', 'amount_fen', 'merchant_order_no']).where('channel', '=', 'wechat').where('refund_no', '=', refund.out_refund_no).execute();
    // Refund numbers are unique per store; the merchant account tells the stores apart.
    const mine = candidates.find((r) => wechatConfigFor(r.store_id)?.mchId === refund.mchid);
    const fresh = await tx
      .insertInto('payment_notifications')
      .values({ channel: 'wechat', notify_id: notice.id, event_type: notice.event_type, store_ref: mine?.store_id ?? null, refund_no: refund.out_refund_no, received_at: ctx.clock.now().toISOString() })
      .onConflict((oc) => oc.columns(['channel', 'notify_id']).doNothing())
      .returning('notify_id')
      .executeTakeFirst();
    if (!fresh) throw new AppError('NOTIFY_REPLAYED', `Notification ${notice.id} was received before; a replay changes nothing.`, { status: 401, details: { notifyId: notice.id } });
    if (!mine) {
      // Not a refund of ours: acknowledged, so WeChat stops resending it, and logged for a person.
      ctx.log.warn({ refundNo: refund.out_refund_no, mchid: refund.mchid }, 'WeChat refund notification for a refund this system does not have');
      return { refundNo: refund.out_refund_no, status: null };
    }
    if (mine.merchant_order_no !== refund.out_trade_no || mine.amount_fen !== refund.amount.refund) {
      throw new AppError('WECHAT_NOTIFY_MISMATCH', `The notification says refund ${refund.out_refund_no} is ${refund.amount.refund} fen of ${refund.out_trade_no}, but it was requested as ${mine.amount_fen} fen of ${mine.merchant_order_no}. Check it in the WeChat Pay merchant platform.`, { status: 400 });
    }
    const answer = wechatRefundAnswer({ httpStatus: 200, json: { status: refund.refund_status, refund_id: refund.refund_id } });
    const result = await recordRefundOutcome(txCtx, mine.store_id, refund.out_refund_no, answer);
    return { refundNo: refund.out_refund_no, status: result?.status ?? null };
  });
}
