import { describe, expect, it } from 'vitest';
import { decideReturn, DEFAULT_RETURN_POLICY as policy } from './policy';

const facts = { amountFen: 0, shiftRefundedFen: 0, withReceipt: true, saleAgeDays: 0 };

describe('decideReturn (退货权限分级)', () => {
  it('a cashier refunds up to ¥200 alone; one fen more needs a store manager', () => {
    expect(decideReturn(policy, ['cashier'], { ...facts, amountFen: 20_000 })).toMatchObject({ ok: true });
    expect(decideReturn(policy, ['cashier'], { ...facts, amountFen: 20_001 })).toEqual({ ok: false, code: 'APPROVAL_REQUIRED', requiredRole: 'store_manager', needs: ['over_return_limit'] });
  });

  it('a store manager refunds up to ¥2,000; one fen more needs a regional manager, who has no limit', () => {
    expect(decideReturn(policy, ['store_manager'], { ...facts, amountFen: 200_000 })).toMatchObject({ ok: true });
    expect(decideReturn(policy, ['store_manager'], { ...facts, amountFen: 200_001 })).toMatchObject({ ok: false, code: 'APPROVAL_REQUIRED', requiredRole: 'regional_manager' });
    expect(decideReturn(policy, ['regional_manager'], { ...facts, amountFen: 99_999_999 })).toMatchObject({ ok: true });
  });

  it('the cashier shift limit of ¥1,000 counts what the shift already gave back', () => {
    expect(decideReturn(policy, ['cashier'], { ...facts, amountFen: 10_000, shiftRefundedFen: 90_000 })).toMatchObject({ ok: true });
    expect(decideReturn(policy, ['cashier'], { ...facts, amountFen: 10_001, shiftRefundedFen: 90_000 })).toEqual({ ok: false, code: 'APPROVAL_REQUIRED', requiredRole: 'store_manager', needs: ['over_shift_limit'] });
  });

  it('outside the return window a store manager must approve', () => {
    expect(decideReturn(policy, ['cashier'], { ...facts, amountFen: 100, saleAgeDays: 30 })).toMatchObject({ ok: true });
    expect(decideReturn(policy, ['cashier'], { ...facts, amountFen: 100, saleAgeDays: 31 })).toEqual({ ok: false, code: 'APPROVAL_REQUIRED', requiredRole: 'store_manager', needs: ['outside_window'] });
  });

  it('without a receipt: always a manager’s approval, and never above the no-receipt limit', () => {
    const noReceipt = { ...facts, withReceipt: false, saleAgeDays: null };
    expect(decideReturn(policy, ['cashier'], { ...noReceipt, amountFen: 500 })).toEqual({ ok: false, code: 'APPROVAL_REQUIRED', requiredRole: 'store_manager', needs: ['no_receipt'] });
    expect(decideReturn(policy, ['store_manager'], { ...noReceipt, amountFen: 500 })).toMatchObject({ ok: false, code: 'APPROVAL_REQUIRED' });
    expect(decideReturn(policy, ['store_manager'], { ...noReceipt, amountFen: 10_001 })).toMatchObject({ ok: false, code: 'RETURN_NOT_ALLOWED' });
    expect(decideReturn({ ...policy, noReceipt: { allowed: false, maxFen: 0 } }, ['cashier'], { ...noReceipt, amountFen: 1 })).toMatchObject({ ok: false, code: 'RETURN_NOT_ALLOWED' });
  });
});
