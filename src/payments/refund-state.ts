// A refund's states and the arithmetic of what is left to refund: requested (written before
// the provider is called) → processing | unknown → succeeded | failed.
import type { RefundAnswer } from './code-channel';

export type RefundStatus = 'requested' | 'processing' | 'unknown' | 'succeeded' | 'failed';

/** States a periodic job keeps asking the provider about. */
export const OPEN_REFUND_STATUSES: readonly RefundStatus[] = ['requested', 'processing', 'unknown'];

export function isFinalRefund(status: RefundStatus): boolean {
  return status === 'succeeded' || status === 'failed';
}

/**
 * What a provider's answer makes of a refund. An unclear answer never hides what was known:
 * a refund the provider said it is processing stays processing when a later query times out.
 *
 * @example nextRefundStatus('processing', 'unknown') // 'processing'
 */
export function nextRefundStatus(current: RefundStatus, answer: RefundAnswer['status']): RefundStatus {
  if (isFinalRefund(current)) return current;
  if (answer === 'unknown') return current === 'processing' ? 'processing' : 'unknown';
  return answer;
}

/**
 * What is left to refund of a payment: what was paid minus every refund that has not failed
 * (one still open may yet go through, so it is counted).
 *
 * @example refundableFen(1000, [{ amountFen: 300, status: 'succeeded' }, { amountFen: 500, status: 'failed' }]) // 700
 */
export function refundableFen(paidFen: number, refunds: ReadonlyArray<{ amountFen: number; status: string }>): number {
  return refunds.reduce((left, r) => (r.status === 'failed' ? left : left - r.amountFen), paidFen);
}
