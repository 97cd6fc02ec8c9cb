// The payment-code tender's state machine (DESIGN §7): created → paying → (user_paying) →
// succeeded | failed | cancelled, and unknown while a call's outcome is not known.

export type PaymentStatus = 'created' | 'paying' | 'user_paying' | 'unknown' | 'succeeded' | 'failed' | 'cancelled';

const NEXT: Record<PaymentStatus, readonly PaymentStatus[]> = {
  created: ['paying'],
  paying: ['user_paying', 'unknown', 'succeeded', 'failed', 'cancelled'],
  user_paying: ['user_paying', 'unknown', 'succeeded', 'failed', 'cancelled'],
  unknown: ['user_paying', 'unknown', 'succeeded', 'failed', 'cancelled'],
  succeeded: ['cancelled'],
  failed: [],
  cancelled: [],
};

export const OPEN_STATUSES: readonly PaymentStatus[] = ['paying', 'user_paying', 'unknown'];

export function canMove(from: PaymentStatus, to: PaymentStatus): boolean {
  return NEXT[from].includes(to);
}

/** What a WeChat micropay or orderquery answer means for the payment. */
export function wechatOutcome(reply: Record<string, string>): { status: PaymentStatus; errorCode?: string; message?: string } {
  if (reply.result_code === 'SUCCESS' && reply.trade_state === undefined) return { status: 'succeeded' };
  if (reply.trade_state !== undefined) {
    switch (reply.trade_state) {
      case 'SUCCESS':
        return { status: 'succeeded' };
      case 'USERPAYING':
        return { status: 'user_paying' };
      case 'NOTPAY':
        return { status: 'unknown' };
      case 'REVOKED':
      case 'CLOSED':
        return { status: 'cancelled', errorCode: reply.trade_state };
      default:
        return { status: 'failed', errorCode: reply.trade_state, message: reply.trade_state_desc };
    }
  }
  const code = reply.err_code ?? 'UNKNOWN';
  if (code === 'USERPAYING') return { status: 'user_paying' };
  if (code === 'SYSTEMERROR' || code === 'BANKERROR') return { status: 'unknown', errorCode: code };
  return { status: 'failed', errorCode: code, message: reply.err_code_des };
}
