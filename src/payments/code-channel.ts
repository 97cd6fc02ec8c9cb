// What every payment-code channel offers the payment state machine: pay, query, cancel, and
// how often and how long to query while the outcome is open (each provider's documented rule).
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
}

/** Network failure or timeout: the outcome at the provider is unknown. */
export class ChannelUnreachable extends Error {}
