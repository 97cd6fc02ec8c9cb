// What every payment-code channel offers the payment state machine: pay, query, cancel, and
// how often and how long to query while the outcome is open (each provider's documented rule);
// and what it offers refunds: refund by the merchant's refund number, and query that refund.
import type { PaymentStatus } from './payment-state';

export interface ChannelAnswer {
  status: PaymentStatus;
  channelTxnId?: string | null;
  errorCode?: string | null;
  message?: string | null;
}

export interface CodeChannel {
  /** e.g. WeChat: query every 5 s for 30 s; Alipay: every 5 s for 60 s. */
  queryEveryMs: number;
  giveUpAfterMs: number;
  pay(order: { merchantOrderNo: string; amountFen: number; authCode: string; subject: string }): Promise<ChannelAnswer>;
  /** `unknown` when the order is not (yet) known or the answer is unclear. */
  query(merchantOrderNo: string): Promise<ChannelAnswer>;
  /** Reverses or closes the order; 'retry' when the provider asks to call again. */
  cancel(merchantOrderNo: string): Promise<'done' | 'retry'>;
  /**
   * Refunds part or all of a paid order. The provider keys the refund by `refundNo`, so
   * sending the same refund again never refunds twice: it answers the first one's state.
   */
  refund(order: RefundOrder): Promise<RefundAnswer>;
  /** The state of a refund; `unknown` with errorCode REFUND_NOT_FOUND when the provider never got it. */
  queryRefund(ref: { merchantOrderNo: string; refundNo: string }): Promise<RefundAnswer>;
}

export interface RefundOrder {
  merchantOrderNo: string;
  refundNo: string;
  refundFen: number;
  /** What the order was paid (WeChat asks for it beside the refund). */
  totalFen: number;
  reason: string;
}

export interface RefundAnswer {
  status: 'processing' | 'succeeded' | 'failed' | 'unknown';
  channelRefundId?: string | null;
  errorCode?: string | null;
  message?: string | null;
}

/** The provider has no refund of that number: the request never reached it and may be sent again. */
export const REFUND_NOT_FOUND = 'REFUND_NOT_FOUND';

/** Network failure or timeout: the outcome at the provider is unknown. */
export class ChannelUnreachable extends Error {}
