import { describe, expect, it } from 'vitest';
import { manualClock } from '../clock';
import { can, requirePermission, storeFilter, type Actor } from './permissions';
import { createRateLimiter } from './rate-limit';

const storeA = { storeId: 'A', regionId: 'R1' };
const storeB = { storeId: 'B', regionId: 'R2' };

function actor(grants: Actor['grants']): Actor {
  return { userId: 'u', username: 'u', displayName: 'u', grants, sessionId: 's', terminalId: null };
}

describe('permissions', () => {
  const cashierA = actor([{ role: 'cashier', scopeKind: 'store', scopeRef: 'A' }]);
  const regionalR1 = actor([{ role: 'regional_manager', scopeKind: 'region', scopeRef: 'R1' }]);
  const finance = actor([{ role: 'finance', scopeKind: 'all', scopeRef: '' }]);

  it('lets a cashier sell in their store only', () => {
    expect(can(cashierA, 'pos.sell', storeA)).toBe(true);
    expect(can(cashierA, 'pos.sell', storeB)).toBe(false);
    expect(can(cashierA, 'returns.approve', storeA)).toBe(false);
  });

  it('scopes a regional manager to the stores of the region', () => {
    expect(can(regionalR1, 'returns.approve', storeA)).toBe(true);
    expect(can(regionalR1, 'returns.approve', storeB)).toBe(false);
    expect(storeFilter(regionalR1, 'store.view', [storeA, storeB])).toEqual(['A']);
    expect(storeFilter(finance, 'store.view', [storeA, storeB])).toBe('all');
  });

  it('names why an action is refused', () => {
    expect(() => requirePermission(cashierA, 'returns.approve', storeA)).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED', status: 403 }));
    expect(() => requirePermission(cashierA, 'store.view', storeB)).toThrow(expect.objectContaining({ code: 'STORE_OUT_OF_SCOPE', status: 403 }));
    expect(() => requirePermission(null, 'store.view')).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED', status: 401 }));
  });
});

describe('rate limiter', () => {
  it('blocks after the limit inside the window and frees the key after it', () => {
    const clock = manualClock('2026-11-30T02:00:00Z');
    const limiter = createRateLimiter(clock, { max: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterMs('k')).toBe(0);
      limiter.recordFailure('k');
      clock.advance(1000);
    }
    expect(limiter.retryAfterMs('k')).toBe(57_000);
    expect(limiter.retryAfterMs('other')).toBe(0);
    clock.advance(57_000);
    expect(limiter.retryAfterMs('k')).toBe(0);
  });
});
