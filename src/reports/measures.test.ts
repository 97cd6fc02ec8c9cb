import { describe, expect, it } from 'vitest';
import { changePct, derive, zeroMeasures } from './measures';

describe('measures', () => {
  it('average ticket is net ÷ transactions rounded half-even to the fen', () => {
    expect(derive({ ...zeroMeasures(), netFen: 2501, transactions: 2 }).avgTicketFen).toBe(1250); // 1250.5 → even
    expect(derive({ ...zeroMeasures(), netFen: 2503, transactions: 2 }).avgTicketFen).toBe(1252); // 1251.5 → even
    expect(derive({ ...zeroMeasures(), netFen: 6790, transactions: 3 }).avgTicketFen).toBe(2263);
    expect(derive(zeroMeasures())).toEqual({ avgTicketFen: 0, itemsPerBasket: '0.00', marginFen: 0, marginPct: null });
  });

  it('margin and margin %, items per basket', () => {
    expect(derive({ ...zeroMeasures(), netFen: 8041, costFen: 5800, items: 4, transactions: 3 })).toEqual({ avgTicketFen: 2680, itemsPerBasket: '1.33', marginFen: 2241, marginPct: '27.87' });
  });

  it('change % against a previous figure, none against zero', () => {
    expect(changePct(6790, 4990)).toBe('36.1');
    expect(changePct(900, 1000)).toBe('-10.0');
    expect(changePct(5, 0)).toBeNull();
  });
});
