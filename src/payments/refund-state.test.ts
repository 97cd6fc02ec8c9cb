import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextRefundStatus, refundableFen, type RefundStatus } from './refund-state';

describe('refund state', () => {
  it('counts every refund that has not failed against what was paid', () => {
    expect(refundableFen(1000, [])).toBe(1000);
    expect(refundableFen(1000, [{ amountFen: 300, status: 'succeeded' }, { amountFen: 200, status: 'unknown' }, { amountFen: 500, status: 'failed' }])).toBe(500);
  });

  it('a failed refund gives its amount back; any other keeps it', () => {
    const statuses: RefundStatus[] = ['requested', 'processing', 'unknown', 'succeeded', 'failed'];
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.array(fc.record({ amountFen: fc.integer({ min: 1, max: 10_000 }), status: fc.constantFrom(...statuses) })), (paidFen, refunds) => {
        const held = refunds.filter((r) => r.status !== 'failed').reduce((s, r) => s + r.amountFen, 0);
        expect(refundableFen(paidFen, refunds)).toBe(paidFen - held);
      }),
    );
  });

  it('never moves a final refund, and an unclear answer does not undo "processing"', () => {
    expect(nextRefundStatus('succeeded', 'failed')).toBe('succeeded');
    expect(nextRefundStatus('failed', 'succeeded')).toBe('failed');
    expect(nextRefundStatus('processing', 'unknown')).toBe('processing');
    expect(nextRefundStatus('requested', 'unknown')).toBe('unknown');
    expect(nextRefundStatus('unknown', 'processing')).toBe('processing');
    expect(nextRefundStatus('processing', 'succeeded')).toBe('succeeded');
  });
});
